import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely'
import Database from 'better-sqlite3'
import { camelCaseName, pascalCase, quoteString, uniquePascalNames } from '../../codegen/names.js'

describe('pascalCase', () => {
  const examples: [string, string][] = [
    ['users', 'Users'],
    ['user_profiles', 'UserProfiles'],
    ['userProfiles', 'UserProfiles'],
    ['order items', 'OrderItems'],
    ['say "hi"', 'SayHi'],
    ['2fa_codes', '_2faCodes'],
    ['123', '_123'],
    ['名前', 'Unnamed'],
    ['', 'Unnamed'],
    ['__x__', 'X'],
  ]
  for (const [name, pascal] of examples)
    it(`${JSON.stringify(name)} → ${pascal}`, () => assert.equal(pascalCase(name), pascal))
})

describe('uniquePascalNames', () => {
  it('keeps the plain name for the first in name order and numbers the others, skipping names in use', () => {
    const names = uniquePascalNames(['user_profiles', 'UserProfiles', 'user profiles', 'user_profiles2'])
    assert.equal(names.get('UserProfiles'), 'UserProfiles')
    assert.equal(names.get('user profiles'), 'UserProfiles3', '"UserProfiles2" belongs to user_profiles2')
    assert.equal(names.get('user_profiles'), 'UserProfiles4')
    assert.equal(names.get('user_profiles2'), 'UserProfiles2')
  })

  it('depends only on the set of names, not their order', () => {
    const a = uniquePascalNames(['a b', 'a_b', 'AB', 'ab'])
    const b = uniquePascalNames(['ab', 'AB', 'a_b', 'a b'])
    assert.deepEqual([...a].sort(), [...b].sort())
  })
})

describe('quoteString', () => {
  it('quotes as Prettier does with singleQuote, escaping what must be', () => {
    assert.equal(quoteString('a b'), "'a b'")
    assert.equal(quoteString("it's"), `"it's"`)
    assert.equal(quoteString(`say "hi"`), `'say "hi"'`)
    assert.equal(quoteString(`it's "x" 'y'`), `"it's \\"x\\" 'y'"`)
    assert.equal(quoteString('a\\b'), "'a\\\\b'")
    assert.equal(quoteString('new\nline\u0001'), "'new\\nline\\x01'")
  })
})

describe('camelCaseName: the exact transformation of CamelCasePlugin', () => {
  it('matches the keys CamelCasePlugin gives result rows, and the names it sends back', async () => {
    const names = [
      'created_at',
      'checklist_item_1',
      'item1',
      'a__b',
      'userID',
      '_private',
      'x_1_y',
      'html_5_video',
      'already_camelCase',
    ]
    const sqlite = new Database(':memory:')
    sqlite.exec(`CREATE TABLE t (${names.map((name) => `"${name}" INTEGER`).join(', ')})`)
    sqlite.prepare(`INSERT INTO t VALUES (${names.map((_, index) => index).join(', ')})`).run()
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] })
    try {
      const row = (await db.selectFrom('t').selectAll().executeTakeFirstOrThrow()) as Record<string, number>
      for (const [index, name] of names.entries()) {
        const { key, roundTrips } = camelCaseName(name)
        assert.equal(row[key], index, `result rows carry ${name} as ${key}`)
        // The plugin sends the key back as a column name: it must reach the same column exactly when roundTrips says so.
        const compiled = db
          .selectFrom('t')
          .select(key as any)
          .compile().sql
        assert.equal(compiled.includes(`"${name}"`), roundTrips, `${key} → ${compiled}`)
      }
    } finally {
      await db.destroy()
    }
  })

  it('explains kysely-codegen #189 (digits) and how to fix it', () => {
    const name = camelCaseName('checklist_item_1')
    assert.equal(name.key, 'checklistItem1')
    assert.equal(name.roundTrips, false)
    assert.match(name.problem as string, /"checklist_item1", not "checklist_item_1".*underscoreBeforeDigits: true/)
    assert.match(camelCaseName('userID').problem as string, /rename the column/)
    assert.deepEqual(camelCaseName('created_at'), { key: 'createdAt', roundTrips: true, problem: undefined })
  })
})

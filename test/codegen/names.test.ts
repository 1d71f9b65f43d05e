import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely'
import Database from 'better-sqlite3'
import {
  camelCaseName,
  escapeInvisible,
  pascalCase,
  propertyKey,
  quoteString,
  uniquePascalNames,
} from '../../codegen/names.js'

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

  it('escapes every character a reader cannot see: controls, bidi, zero-width, separators, tags', () => {
    assert.equal(quoteString('a\u001b[31mb'), "'a\\x1B[31mb'")
    assert.equal(quoteString('x\u0085\u009b'), "'x\\x85\\x9B'")
    assert.equal(quoteString('abc\u202Etxt'), "'abc\\u202Etxt'")
    assert.equal(quoteString('\u2066\u2069\u200e\u061c'), "'\\u2066\\u2069\\u200E\\u061C'")
    assert.equal(quoteString('zw\u200bsp\u200dj\ufeff'), "'zw\\u200Bsp\\u200Dj\\uFEFF'")
    assert.equal(quoteString('a\u2028b\u2029'), "'a\\u2028b\\u2029'")
    assert.equal(quoteString('tag\u{E0041}'), "'tag\\uDB40\\uDC41'", 'astral: a surrogate pair, valid for every target')
    assert.equal(quoteString('café 名前 🎉'), "'café 名前 🎉'", 'visible characters stay as they are')
  })
})

describe('escapeInvisible and propertyKey', () => {
  it('escapes only what cannot be seen', () => {
    assert.equal(escapeInvisible('tab\there ok'), 'tab\\x09here ok')
    assert.equal(escapeInvisible('évil\u202E'), 'évil\\u202E')
  })

  it('quotes a key that JavaScript would accept bare when it holds an invisible character (ZWJ, ZWNJ)', () => {
    const identifier = (text: string) => /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(text)
    assert.equal(propertyKey('plain', identifier), 'plain')
    assert.equal(propertyKey('zw\u200dj', identifier), "'zw\\u200Dj'")
    assert.equal(propertyKey('zw\u200cnj', identifier), "'zw\\u200Cnj'")
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

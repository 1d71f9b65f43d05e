import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { ts } from 'ts-morph'
import { generateTypes } from '../../codegen/index.js'
import { tempDir } from '../helpers/temp.js'
import { openSession, prettierFormat, typecheck } from './helpers.js'

/** Characters that must never reach the file raw: controls, format characters (bidi, zero-width, BOM, tags), separators. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u

const TABLE = 'inv\u202Eoice\u001b[31m'
const COLUMN = 'col\u2067umn\u001b[2J'
const VIEW = 'view\u202E\u200B'

/** A schema whose names and defaults try to reorder, recolour or break out of the generated file. */
function hostileDatabase(path: string): void {
  const db = new Database(path)
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`
  try {
    db.exec(`
      CREATE TABLE ${quote(TABLE)} (
        id INTEGER PRIMARY KEY,
        ${quote(COLUMN)} TEXT DEFAULT '*/ export const pwned = 1; /*',
        ${quote('zw\u200Dj')} INTEGER,
        ${quote('line\u2028sep')} TEXT,
        ${quote('bom\uFEFF')} TEXT,
        ${quote('c1\u0085next')} TEXT,
        ${quote('tag\u{E0041}')} TEXT,
        ${quote('a "b" \'c\'')} TEXT,
        plain TEXT DEFAULT 'a */ b \u202E c',
        twice INTEGER GENERATED ALWAYS AS (id /* */ * 2) VIRTUAL
      );
      CREATE VIEW ${quote(VIEW)} AS SELECT ${quote(COLUMN)} AS ${quote('alias\u202E')} FROM ${quote(TABLE)};
    `)
  } finally {
    db.close()
  }
}

/** What a reader of the file would not see, with where it is. */
function invisibleCharacters(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, index) => (INVISIBLE.test(line) ? [`line ${index + 1}: ${JSON.stringify(line)}`] : []))
}

describe('db-types.ts shows names and comments as they are: no raw bidi, control or invisible character', () => {
  it('escapes them in keys and doc comments, cannot be broken out of, compiles, and is Prettier-stable', async () => {
    const root = tempDir('glorious-invisible-')
    const database = join(root, 'agent.db')
    hostileDatabase(database)
    const session = await openSession(database)
    try {
      for (const camelCase of [false, true]) {
        await generateTypes(session, [], {
          all: true,
          out: join(root, `types${camelCase ? '-camel' : ''}.ts`),
          camelCase,
        })
      }
    } finally {
      await session.close()
    }
    for (const file of ['types.ts', 'types-camel.ts']) {
      const text = readFileSync(join(root, file), 'utf8')
      assert.deepEqual(invisibleCharacters(text), [], file)
      assert.equal(await prettierFormat(text), text, `${file} is Prettier-formatted`)
      // Nothing in a default ended a comment: the file declares only what codegen declares.
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)
      assert.deepEqual(
        source.statements.filter((statement) => ts.isVariableStatement(statement)).map((s) => s.getText()),
        [],
      )
    }
    const text = readFileSync(join(root, 'types.ts'), 'utf8')
    assert.ok(text.includes(`  'col\\u2067umn\\x1B[2J': Generated<string | null>;`), text)
    assert.ok(text.includes(`  'zw\\u200Dj': number | null;`), 'a zero-width joiner is quoted and escaped')
    assert.ok(text.includes(`  'tag\\uDB40\\uDC41': string | null;`), 'an astral tag character as a surrogate pair')
    assert.match(text, /^ {2}'inv\\u202Eoice\\x1B\[31m': \w+Table;$/m)
    assert.ok(text.includes('/** Table `inv\\u202Eoice\\x1B[31m`. */'), 'the name in the doc comment, escaped')
    assert.ok(text.includes("DEFAULT '*\\/ export const pwned = 1; /*'"), 'a comment end in a default is defused')
    assert.ok(text.includes("DEFAULT 'a *\\/ b \\u202E c'"))

    // The escaped keys are the real names: a skill module reaches them (written with escapes too).
    const escape = (line: string) =>
      line.replace(new RegExp(INVISIBLE.source, 'gu'), (char) => `\\u{${(char.codePointAt(0) as number).toString(16)}}`)
    const module = [
      "import type { Kysely } from 'kysely';",
      "import type { DB } from './types.js';",
      'declare const db: Kysely<DB>;',
      'export async function read(): Promise<void> {',
      `  const row = await db.selectFrom(${JSON.stringify(TABLE)}).select([${JSON.stringify(COLUMN)}, 'zw\\u200Dj', 'tag\\u{E0041}']).executeTakeFirstOrThrow();`,
      `  const value: string | null = row[${JSON.stringify(COLUMN)}];`,
      `  await db.selectFrom(${JSON.stringify(VIEW)}).select(${JSON.stringify('alias\u202E')}).execute();`,
      '  void value;',
      '}',
    ]
    writeFileSync(join(root, 'use.ts'), `${module.map(escape).join('\n')}\n`)
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
    const result = typecheck(root, ['use.ts'])
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)
  })
})

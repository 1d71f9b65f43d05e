import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { ts } from 'ts-morph'
import { type CodegenOptions, generateTypes } from '../../codegen/index.js'
import { introspectSqlite } from '../../codegen/dialects/sqlite/sqlite-introspector.js'
import { SQLITE_TYPE_RULES, sqliteTypeRule } from '../../codegen/dialects/sqlite/sqlite-type-map.js'
import { isReadOnly } from '../../codegen/model.js'
import { openDatabase } from '../../lib/connection/open-database.js'
import { tempDir } from '../helpers/temp.js'
import { openSession, prettierFormat, typecheck } from './helpers.js'

/** A value as an application stores it: bound through better-sqlite3, or a SQL expression of bound values. */
type Stored = unknown | { readonly sql: string; readonly args: readonly unknown[] }

interface Case {
  /** The column `v`: its type and clauses. */
  readonly column: string
  /** What applications normally store in such a column (the default, if any, is stored too). */
  readonly values: readonly Stored[]
  readonly strict?: boolean
}

const jsonb = (text: string): Stored => ({ sql: 'jsonb(?)', args: [text] })
const NOW = Math.floor(Date.now() / 1000)
const ISO = new Date(0).toISOString()

/**
 * Every rule of codegen/map/sqlite.ts, with what people normally store under it (and the
 * defaults they normally write), each column in a table of its own.
 */
const CASES: readonly Case[] = [
  // integer: INTEGER affinity by an integer name.
  { column: 'INTEGER', values: [0, 42, -7, 2 ** 40] },
  { column: 'INT', values: [1, 2] },
  { column: 'BIGINT', values: [2 ** 52, 3] },
  { column: 'SMALLINT', values: [5] },
  { column: 'TINYINT(1)', values: [0, 1] },
  { column: 'INT8', values: [8] },
  { column: 'UNSIGNED BIG INT', values: [9] },
  { column: 'INTEGER NOT NULL DEFAULT 0', values: [3] },
  { column: 'INTEGER DEFAULT (unixepoch())', values: [NOW] },
  // A DEFAULT of another kind: CURRENT_TIMESTAMP is text, whatever the column.
  { column: 'INTEGER DEFAULT CURRENT_TIMESTAMP', values: [NOW] },
  { column: "BIGINT DEFAULT ''", values: [1] },
  // integer-by-accident: "INT" inside another word; what the name means, converted by INTEGER affinity.
  { column: 'FLOATING POINT', values: [1.5, 2, 0.25] },
  { column: 'INTERVAL', values: ['1 day', '5', '2 hours'] },
  { column: 'POINT', values: ['(1,2)', '3'] },
  // text
  { column: 'TEXT', values: ['hello', '007', '', 42, 1.5] },
  { column: 'VARCHAR(255)', values: ['x', '12'] },
  { column: 'CHAR(2)', values: ['ab'] },
  { column: 'NVARCHAR(10)', values: ['ü'] },
  { column: 'CLOB', values: ['long text'] },
  { column: 'TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP', values: ['2024-01-31 10:20:30'] },
  { column: 'TEXT DEFAULT 0', values: ['a'] },
  { column: 'TEXT DEFAULT (lower(hex(randomblob(16))))', values: ['c0ffee'] },
  { column: 'TEXT DEFAULT (randomblob(4))', values: ['a'] },
  // blob
  { column: 'BLOB', values: [Buffer.from([1, 2, 3]), Buffer.alloc(0)] },
  { column: "BLOB DEFAULT x'00'", values: [Buffer.from('x')] },
  { column: "BLOB NOT NULL DEFAULT ''", values: [Buffer.from('y')] },
  // real
  { column: 'REAL', values: [1.5, 2, -0.5] },
  { column: 'DOUBLE', values: [1e300] },
  { column: 'DOUBLE PRECISION', values: [3.25] },
  { column: 'FLOAT', values: [0.1, 7] },
  { column: 'REAL NOT NULL DEFAULT 0', values: [1.5] },
  // numeric: NUMERIC affinity by a numeric name.
  { column: 'NUMERIC', values: [12.5, 12, '12.50', '3'] },
  { column: 'DECIMAL(10,2)', values: [9.99, 10, '0.10'] },
  { column: 'NUMBER', values: [1] },
  { column: 'MONEY', values: ['19.99', 20] },
  { column: 'NUMERIC NOT NULL DEFAULT 0', values: [1.25] },
  // numeric-other: NUMERIC affinity by any other name.
  { column: 'STRING', values: ['hello', '007', '12.5', ''] },
  { column: 'UUID', values: ['123e4567-e89b-12d3-a456-426614174000'] },
  { column: 'ENUM', values: ['draft', 'published'] },
  { column: 'ANY', values: ['x', '1'] },
  // no-type: no declared type, or ANY in a STRICT table.
  { column: '', values: [1, 1.5, 'x', Buffer.from('z')] },
  { column: 'ANY', values: [1, 1.5, 'x', '12', Buffer.from('z')], strict: true },
  // STRICT tables: exact types.
  { column: 'INTEGER', values: [1, '2'], strict: true },
  { column: 'TEXT', values: ['a', 5], strict: true },
  { column: 'REAL NOT NULL DEFAULT 0', values: [1.5, 3], strict: true },
  { column: 'BLOB', values: [Buffer.from('b')], strict: true },
  // boolean: better-sqlite3 cannot bind true/false, so 0 and 1.
  { column: 'BOOLEAN', values: [0, 1] },
  { column: 'BOOL NOT NULL DEFAULT FALSE', values: [1] },
  { column: 'BOOLEAN DEFAULT TRUE', values: [0] },
  // datetime: text by default; what the DEFAULT stores when there is one.
  { column: 'DATE', values: ['2024-01-31'] },
  { column: 'TIME', values: ['10:20:30'] },
  { column: 'DATETIME', values: ['2024-01-31 10:20:30', ISO] },
  { column: 'TIMESTAMP', values: ['2024-01-31 10:20:30', ISO] },
  { column: 'TIMESTAMPTZ', values: [ISO] },
  { column: 'DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP', values: ['2024-01-31 10:20:30'] },
  { column: "DATETIME DEFAULT (datetime('now'))", values: ['2024-01-31 10:20:30'] },
  { column: 'DATE DEFAULT CURRENT_DATE', values: ['2024-01-31'] },
  { column: 'TIMESTAMP NOT NULL DEFAULT (unixepoch())', values: [NOW] },
  { column: "DATETIME DEFAULT (strftime('%s', 'now'))", values: [NOW] },
  { column: "TIMESTAMP DEFAULT (CAST(strftime('%s', 'now') AS INTEGER) * 1000)", values: [Date.now()] },
  { column: "DATE DEFAULT (julianday('now'))", values: [2460341.5] },
  // json: JSON text; numeric documents read back as numbers; jsonb() when the default says so.
  { column: 'JSON', values: ['{"a":1}', '[1,2]', '123', '1.5', 'true', 'null', '"s"'] },
  { column: "JSON NOT NULL DEFAULT '{}'", values: ['{"b":2}', '0'] },
  { column: 'JSON DEFAULT (json_object())', values: ['{}'] },
  { column: "JSON DEFAULT (jsonb('{}'))", values: [jsonb('{"a":1}')] },
  // jsonb: SQLite's binary JSON or JSON text; what the DEFAULT stores when there is one.
  { column: 'JSONB', values: [jsonb('{"a":1}'), jsonb('[]'), '{"a":1}', '42'] },
  { column: "JSONB NOT NULL DEFAULT (jsonb('{}'))", values: [jsonb('{"c":3}')] },
  { column: "JSONB DEFAULT '[]'", values: ['[1]', '7'] },
]

/** The JavaScript kinds of values better-sqlite3 returns. */
type Kind = 'number' | 'bigint' | 'string' | 'Buffer' | 'null' | 'boolean' | 'object'
const EVERY_KIND: readonly Kind[] = ['number', 'bigint', 'string', 'Buffer', 'null', 'boolean', 'object']

function kindOf(value: unknown): Kind {
  if (value === null) return 'null'
  if (Buffer.isBuffer(value)) return 'Buffer'
  const kind = typeof value
  if (kind === 'number' || kind === 'bigint' || kind === 'string' || kind === 'boolean') return kind
  throw new Error(`unexpected value ${String(value)}`)
}

/** The kinds a generated (select) type admits, read from its syntax tree. */
function kindsOf(node: ts.TypeNode): Set<Kind> {
  if (ts.isUnionTypeNode(node)) return new Set(node.types.flatMap((member) => [...kindsOf(member)]))
  if (ts.isParenthesizedTypeNode(node)) return kindsOf(node.type)
  if (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword) return new Set(['null'])
  switch (node.kind) {
    case ts.SyntaxKind.NumberKeyword:
      return new Set(['number'])
    case ts.SyntaxKind.StringKeyword:
      return new Set(['string'])
    case ts.SyntaxKind.BigIntKeyword:
      return new Set(['bigint'])
    case ts.SyntaxKind.BooleanKeyword:
      return new Set(['boolean'])
    case ts.SyntaxKind.UnknownKeyword:
      return new Set(EVERY_KIND)
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText()
    const first = node.typeArguments?.[0]
    if ((name === 'Generated' || name === 'GeneratedAlways' || name === 'ColumnType') && first) return kindsOf(first)
    if (name === 'Int64') return new Set(['bigint'])
    if (name === 'Buffer') return new Set(['Buffer'])
    if (name === 'Json' || name === 'JsonValue') return new Set(['number', 'string', 'boolean', 'null', 'object'])
  }
  throw new Error(`no kinds known for the type ${node.getText()}`)
}

/** Each relation's columns and the text and kinds of their types, from a generated file. */
function generatedTypes(text: string): Map<string, Map<string, { type: string; kinds: Set<Kind>; doc: string }>> {
  const file = ts.createSourceFile('db-types.ts', text, ts.ScriptTarget.ES2022, true)
  const interfaces = new Map<string, ts.InterfaceDeclaration>()
  for (const statement of file.statements) {
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, statement)
  }
  const relations = new Map<string, Map<string, { type: string; kinds: Set<Kind>; doc: string }>>()
  for (const member of interfaces.get('DB')?.members ?? []) {
    if (!ts.isPropertySignature(member) || !member.type) continue
    const relation = interfaces.get(member.type.getText()) as ts.InterfaceDeclaration
    const columns = new Map<string, { type: string; kinds: Set<Kind>; doc: string }>()
    for (const column of relation.members) {
      if (!ts.isPropertySignature(column) || !column.type) continue
      const doc = ts
        .getJSDocCommentsAndTags(column)
        .map((comment) => comment.getText())
        .join('\n')
      columns.set(column.name.getText(), { type: column.type.getText(), kinds: kindsOf(column.type), doc })
    }
    relations.set(member.name.getText(), columns)
  }
  return relations
}

/** Builds the database: one table per case, a row per stored value, a row of defaults; views over some. */
function buildDatabase(path: string): void {
  const db = new Database(path)
  try {
    for (const [index, testCase] of CASES.entries()) {
      const table = `c${index}`
      db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, v ${testCase.column})${testCase.strict ? ' STRICT' : ''}`)
      for (const value of testCase.values) {
        const isSql = typeof value === 'object' && value !== null && 'sql' in value && !Buffer.isBuffer(value)
        const { sql, args } = isSql ? (value as { sql: string; args: unknown[] }) : { sql: '?', args: [value] }
        db.prepare(`INSERT INTO ${table} (v) VALUES (${sql})`).run(...args)
      }
      // The default, or NULL: what a row stores when the application leaves the column out.
      if (!/NOT NULL/.test(testCase.column) || /DEFAULT/.test(testCase.column)) {
        db.prepare(`INSERT INTO ${table} DEFAULT VALUES`).run()
      }
    }
    db.exec(`
      CREATE VIRTUAL TABLE fts USING fts5(title, body);
      INSERT INTO fts VALUES ('hello', 'world'), ('007', '12.5');
      CREATE TABLE seq (n INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT);
      INSERT INTO seq (label) VALUES ('a'), (NULL);
      CREATE TABLE computed (id INTEGER PRIMARY KEY, a INTEGER, t TEXT,
        doubled INTEGER GENERATED ALWAYS AS (a * 2) STORED, shout TEXT AS (upper(t)) VIRTUAL);
      INSERT INTO computed (a, t) VALUES (1, 'x'), (NULL, NULL);
      CREATE TABLE keyed (code TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO keyed VALUES ('a', 1);
    `)
    const viewed = CASES.flatMap((testCase, index) =>
      /^(STRING|JSON|JSONB|TIMESTAMP NOT NULL|INTEGER DEFAULT CURRENT_TIMESTAMP|DECIMAL|BOOLEAN)\b/.test(
        testCase.column,
      )
        ? [`c${index}.v AS v${index}`]
        : [],
    )
    const joins = viewed.map((column) => column.split('.')[0] as string)
    db.exec(
      `CREATE VIEW everything AS SELECT ${viewed.join(', ')}, c0.v + 1 AS next FROM ${joins
        .map((table, index) => (index === 0 ? table : `JOIN ${table} ON ${table}.id = ${joins[0]}.id`))
        .join(' ')} JOIN c0 ON c0.id = ${joins[0]}.id`,
    )
  } finally {
    db.close()
  }
}

async function generate(root: string, database: string, name: string, options: CodegenOptions): Promise<string> {
  const out = join(root, name)
  const session = await openSession(database)
  try {
    await generateTypes(session, [], { all: true, out, ...options })
  } finally {
    await session.close()
  }
  return readFileSync(out, 'utf8')
}

/** Every value of every column, read back as better-sqlite3 returns it, checked against the generated type. */
function mismatches(database: string, types: ReturnType<typeof generatedTypes>, safeIntegers: boolean): string[] {
  const db = new Database(database, { readonly: true })
  db.defaultSafeIntegers(safeIntegers)
  const problems: string[] = []
  try {
    for (const [relation, columns] of types) {
      const rows = db.prepare(`SELECT * FROM "${relation}"`).all() as Record<string, unknown>[]
      assert.ok(rows.length > 0, `${relation} has rows`)
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          const type = columns.get(column)
          assert.ok(type, `${relation}.${column} is in the generated types`)
          if (!type.kinds.has(kindOf(value))) {
            const declared = relation.startsWith('c') ? CASES[Number(relation.slice(1))]?.column : relation
            problems.push(
              `${relation}.${column} (${declared}): ${kindOf(value)} ${String(value)} is not in ${type.type}`,
            )
          }
        }
      }
    }
  } finally {
    db.close()
  }
  return problems
}

describe('generated types cover what better-sqlite3 returns (SQLite affinity and DEFAULT)', () => {
  const root = tempDir('glorious-runtime-types-')
  const database = join(root, 'agent.db')
  buildDatabase(database)

  it('exercises every mapping rule', async () => {
    const session = await openSession(database)
    try {
      const model = await introspectSqlite(session.db, new Map(), [])
      const exercised = new Set(
        model.tables
          .filter((table) => !isReadOnly(table))
          .flatMap((table) => table.columns.map((column) => sqliteTypeRule(column, table))),
      )
      assert.deepEqual(
        [...SQLITE_TYPE_RULES].filter((rule) => !exercised.has(rule)),
        [],
      )
    } finally {
      await session.close()
    }
  })

  it('with numbers (the default): every stored value, and every default, has a kind its type admits', async () => {
    const types = generatedTypes(await generate(root, database, 'numbers.ts', {}))
    assert.deepEqual(mismatches(database, types, false), [])
  })

  it("with integers: 'bigint' and safeIntegers: the same", async () => {
    const types = generatedTypes(await generate(root, database, 'bigints.ts', { integers: 'bigint' }))
    assert.deepEqual(mismatches(database, types, true), [])
  })

  it('compiles and is Prettier-stable with every option (Int64, Json and Buffer unions, booleans)', async () => {
    const files: string[] = []
    for (const [name, options] of [
      ['numbers.ts', {}],
      ['bigints.ts', { integers: 'bigint' }],
      ['converted.ts', { json: 'json', booleans: 'boolean', camelCase: true }],
      ['converted-bigints.ts', { json: 'json', booleans: 'boolean', integers: 'bigint' }],
    ] as const) {
      const text = await generate(root, database, name, options)
      assert.equal(await prettierFormat(text), text, name)
      files.push(name)
    }
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
    const result = typecheck(root, files)
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)
  })

  it('types and documents the cases of the issue as they are stored', async () => {
    const types = generatedTypes(await generate(root, database, 'numbers.ts', {}))
    const column = (declared: string) => {
      const index = CASES.findIndex((testCase) => testCase.column === declared && !testCase.strict)
      return types.get(`c${index}`)?.get('v') as { type: string; doc: string }
    }
    assert.equal(column('STRING').type, 'string | number | null')
    assert.equal(column("JSONB NOT NULL DEFAULT (jsonb('{}'))").type, 'Generated<Buffer>')
    assert.equal(column('TIMESTAMP NOT NULL DEFAULT (unixepoch())').type, 'Generated<number>')
    assert.equal(column("DATETIME DEFAULT (strftime('%s', 'now'))").type, 'Generated<number | null>')
    assert.equal(column('INTEGER DEFAULT CURRENT_TIMESTAMP').type, 'Generated<number | string | null>')
    for (const declared of ['TIMESTAMP NOT NULL DEFAULT (unixepoch())', "DATETIME DEFAULT (strftime('%s', 'now'))"]) {
      assert.doesNotMatch(column(declared).doc, /YYYY/, declared)
      assert.match(column(declared).doc, /an integer \(such as Unix time\), as its DEFAULT stores/, declared)
    }
    assert.match(column('DATETIME').doc, /text such as 'YYYY-MM-DD HH:MM:SS'/)
    assert.match(column('INTEGER DEFAULT CURRENT_TIMESTAMP').doc, /the DEFAULT stores text/)
  })

  it("evaluates a DEFAULT that calls the application's own function on its connection; warns where it cannot", async () => {
    const path = join(root, 'app-functions.db')
    const sqlite = new Database(path)
    sqlite.function('app_now', () => 1_700_000_000)
    sqlite.function('app_code', () => 'abc')
    sqlite.exec(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, at TIMESTAMP DEFAULT (app_now()), code INTEGER DEFAULT (app_code()))',
    )
    sqlite.exec('INSERT INTO t DEFAULT VALUES')
    assert.deepEqual(sqlite.prepare('SELECT at, code FROM t').get(), { at: 1_700_000_000, code: 'abc' })
    const own = await openDatabase(
      { database: new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) }) },
      { readonly: false },
    )
    const out = join(root, 'app-functions.ts')
    try {
      const [result] = await generateTypes(own, [], { all: true, out })
      assert.equal(result?.warnings, undefined)
    } finally {
      await own.close()
    }
    const types = generatedTypes(readFileSync(out, 'utf8')).get('t')
    assert.equal(types?.get('at')?.type, 'Generated<number | null>')
    assert.equal(types?.get('code')?.type, 'Generated<number | string | null>')
    sqlite.close()

    // Without the function (the CLI's own connection), the type follows the rule, and a warning says why.
    const plain = await openSession(path)
    try {
      const [result] = await generateTypes(plain, [], { all: true, out: join(root, 'app-functions-plain.ts') })
      assert.deepEqual(result?.warnings, [
        'column "at" of "t": its DEFAULT (app_now()) cannot be evaluated here (no such function: app_now): ' +
          'open the database with the function registered (your own Kysely instance) to include it; ' +
          'its type leaves out what the DEFAULT stores',
        'column "code" of "t": its DEFAULT (app_code()) cannot be evaluated here (no such function: app_code): ' +
          'open the database with the function registered (your own Kysely instance) to include it; ' +
          'its type leaves out what the DEFAULT stores',
      ])
    } finally {
      await plain.close()
    }
  })
})

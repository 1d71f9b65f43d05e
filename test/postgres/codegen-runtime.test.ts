/**
 * The generated types against what `pg` really does, with its default type parsers: values of
 * every mapped type are inserted through a plain `pg` client and read back; each inserted value
 * must be one the generated `Insertable` type admits, and each value read back one the generated
 * `Selectable` type admits. The types are read from the generated file by the TypeScript
 * compiler itself (ts-morph), so what is checked is the file users import, not a copy of the rules.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { Node, Type } from 'ts-morph'
import { postgresCodegen } from '../../codegen/dialects/postgres/postgres-codegen.js'
import { PARSED_ARRAYS, PARSED_SCALARS } from '../../codegen/dialects/postgres/postgres-type-map.js'
import { generateTypes } from '../../codegen/index.js'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'
import { REPO_ROOT, openSession } from '../codegen/helpers.js'
import { tempDir } from '../helpers/temp.js'
import { pgSchema } from './pg-schema.js'

type Row = Record<string, unknown>

/** Rows to insert, per relation: every column gets non-null values of each kind its insert type allows. */
function rowsToInsert(): Record<string, Row[]> {
  const kinds: Row = {
    c_int2: -32768,
    c_int4: 2147483647,
    c_int8: 9007199254740993n,
    c_float4: 1.5,
    c_float8: Math.PI,
    c_oid: 12345,
    c_numeric: 1234567890.12,
    c_money: '12.34',
    c_bool: true,
    c_text: 'héllo',
    c_varchar: 'v',
    c_char: 'ab',
    c_uuid: randomUUID(),
    c_inet: '10.0.0.1/8',
    c_cidr: '10.0.0.0/8',
    c_macaddr: '08:00:2b:01:02:03',
    c_time: '12:34:56',
    c_timetz: '12:34:56+02',
    c_timestamp: new Date(),
    c_timestamptz: '2024-02-29T12:00:00Z',
    c_date: '2024-02-29',
    c_interval: '1 day 02:03:04.5',
    c_json: { a: [1, 'x', null, { b: true }] },
    c_jsonb: { nested: { deep: [1.5] } },
    c_bytea: Buffer.from([0, 1, 255]),
    c_xml: '<a>1</a>',
    c_point: '(1.5,2)',
    c_circle: '<(1,2),3>',
    c_int4range: '[1,5)',
    c_tsvector: 'a fat cat',
    c_bit: '1010',
    c_citext: 'MiXeD',
    c_mood: 'happy',
    c_level: 'it\'s "quoted"',
    c_positive: 7,
    c_email: 'a@example.com',
    c_work_email: 'w@example.com',
    c_big_id: 2n,
    c_tags: ['x', 'y,z'],
    a_int2: [1, 2],
    a_int4: [1, -1],
    a_int8: [1n, '9007199254740993', 3],
    a_float8: [
      [1.5, 2],
      [3, 4],
    ],
    a_numeric: [1.5, 2.25],
    a_bool: [true, false],
    a_text: ['a', 'b,c', '"q"', 'NULL'],
    a_varchar: ['v'],
    a_uuid: [randomUUID()],
    a_money: ['1.00'],
    a_time: ['01:02:03'],
    a_inet: ['::1'],
    a_timestamp: [new Date()],
    a_timestamptz: [new Date(), '2024-01-01T00:00:00Z'],
    a_date: ['2024-01-01', new Date()],
    a_interval: ['1 day', 60],
    a_json: [{ a: 1 }, '2'],
    a_jsonb: [{ b: [2] }, 'true', 3],
    a_bytea: [Buffer.from('x'), Buffer.alloc(0)],
    a_point: ['(1,2)'],
    a_mood: ['happy', 'sad'],
    a_level: ['info', 'it\'s "quoted"'],
    a_positive: [1, 2],
    a_big_id: [1n, '2'],
    a_citext: ['A', 'b'],
    a_int4range: ['[1,2)'],
    a_xml: ['<a/>'],
    a_oid: [1, 2],
    a_float4: [0.5],
    a_bpchar: ['ab'],
    a_regproc: ['now'],
    a_macaddr: ['08:00:2b:01:02:03'],
    a_cidr: ['10.0.0.0/8'],
    a_timetz: ['01:02:03+01'],
    a_numrange: ['[1.5,2.5)'],
    a_int8_grid: [
      [1n, 2],
      ['3', 4n],
    ],
    a_mood_grid: [
      ['happy', 'ok'],
      ['sad', 'ok'],
    ],
  }
  // The other kinds each insert type allows, one row each (columns left out are NULL).
  const kindsAlternatives: Row[] = [
    { c_int2: 1, c_int8: '-9223372036854775808', c_numeric: '0.10', c_date: new Date(), c_interval: 3600 },
    { c_int2: 2, c_int8: 42, c_numeric: 5n, c_json: '"text"', c_jsonb: 5, c_bool: false, c_timestamptz: new Date() },
    { c_int2: 3, c_json: 7, c_jsonb: true, a_mood: '{ok}', a_citext: '{c}', c_tags: [] },
    { c_int2: 4, c_json: 'null', c_jsonb: '[1, "two"]', a_int4: [] },
  ]
  return {
    kinds: [kinds, ...kindsAlternatives],
    users: [
      { handle: 'ada', email: 'ada@example.com', display_name: 'Ada', 'Mixed Case': 1 },
      {
        id: 9007199254740993n,
        handle: 'bob',
        email: 'bob@example.com',
        mood: 'sad',
        created_at: new Date(),
        seq: 3,
        settings: { theme: 'dark' },
      },
      { id: '5', handle: 'cy', email: 'cy@example.com', created_at: '2024-01-01T00:00:00Z', settings: '"s"' },
    ],
    'audit.events': [
      { level: 'warn', user_id: 5, payload: { a: 1 } },
      { user_id: '5', at: new Date() },
    ],
    audit_events: [{ note: 'n' }],
    measurements: [
      { logdate: '2024-05-01', reading: 1.25 },
      { logdate: new Date(2024, 6, 1), reading: '2.50' },
    ],
    cache: [{ k: 'key', v: Buffer.from('value') }],
    invoices: [
      { user_id: 5, total: '9.90', mood: 'ok' },
      { id: 100, user_id: 9007199254740993n, total: 12, issued: '2024-01-31' },
    ],
  }
}

/** The toolkit's `kysely` and `@types/node`, for a project outside the repository. */
function compilerOptions() {
  const nodeModules = join(REPO_ROOT, 'node_modules')
  return {
    target: 9 /* ES2022 */,
    module: 199 /* NodeNext */,
    moduleResolution: 99 /* NodeNext */,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(nodeModules, '@types')],
    paths: { kysely: [join(nodeModules, 'kysely', 'dist', 'esm', 'index.d.ts')] },
  }
}

/** What the compiler says a generated file's relations are: per relation, per column, the select and insert types. */
interface ColumnTypes {
  readonly select: Type
  readonly insert: Type | undefined
}

async function readGeneratedTypes(
  dir: string,
  file: string,
): Promise<{ at: Node; relations: Map<string, Map<string, ColumnTypes>> }> {
  const { Project } = await import('ts-morph')
  writeFileSync(
    join(dir, 'probe.ts'),
    `import type { Insertable, Selectable } from 'kysely';\n` +
      `import type { DB } from './${file.replace(/\.ts$/, '.js')}';\n` +
      `export declare const selects: { [K in keyof DB]: Selectable<DB[K]> };\n` +
      `export declare const inserts: { [K in keyof DB]: Insertable<DB[K]> };\n`,
  )
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }')
  const project = new Project({ compilerOptions: compilerOptions() as never })
  project.addSourceFileAtPath(join(dir, file))
  const probe = project.addSourceFileAtPath(join(dir, 'probe.ts'))
  const diagnostics = project.getPreEmitDiagnostics()
  assert.equal(diagnostics.length, 0, project.formatDiagnosticsWithColorAndContext(diagnostics))
  const at = probe.getVariableDeclarationOrThrow('selects')
  const selects = at.getType()
  const inserts = probe.getVariableDeclarationOrThrow('inserts').getType()
  const relations = new Map<string, Map<string, ColumnTypes>>()
  for (const relation of selects.getProperties()) {
    const selectRow = relation.getTypeAtLocation(at)
    const insertRow = inserts.getPropertyOrThrow(relation.getName()).getTypeAtLocation(at)
    const columns = new Map<string, ColumnTypes>()
    for (const column of selectRow.getProperties()) {
      columns.set(column.getName(), {
        select: column.getTypeAtLocation(at),
        insert: insertRow.getProperty(column.getName())?.getTypeAtLocation(at),
      })
    }
    relations.set(relation.getName(), columns)
  }
  return { at, relations }
}

/** Whether a TypeScript type admits a runtime value (recursively: arrays, objects, literal unions). */
function admits(type: Type, value: unknown, at: Node): boolean {
  if (type.isAny() || type.isUnknown()) return true
  if (type.isUnion()) return type.getUnionTypes().some((member) => admits(member, value, at))
  if (value === null) return type.isNull()
  if (value === undefined) return type.isUndefined()
  if (type.isStringLiteral()) return value === type.getLiteralValue()
  if (type.isString()) return typeof value === 'string'
  if (type.isNumberLiteral()) return value === type.getLiteralValue()
  if (type.isNumber()) return typeof value === 'number'
  if (type.isBooleanLiteral()) return value === (type.getText() === 'true')
  if (type.isBoolean()) return typeof value === 'boolean'
  if (type.isBigInt()) return typeof value === 'bigint'
  if (type.isArray()) {
    const element = type.getArrayElementTypeOrThrow()
    return Array.isArray(value) && value.every((item) => admits(element, item, at))
  }
  const name = type.getSymbol()?.getName()
  if (name === 'Date') return value instanceof Date
  if (name === 'Buffer') return Buffer.isBuffer(value)
  if (type.getCallSignatures().length > 0) return typeof value === 'function'
  if (!type.isObject() || typeof value !== 'object' || Array.isArray(value)) return false
  if (value instanceof Date || Buffer.isBuffer(value)) return false
  const record = value as Record<string, unknown>
  for (const property of type.getProperties()) {
    const propertyType = property.getTypeAtLocation(at)
    const present = property.getName() in record
    if (!present && !propertyType.isUnion()) return false
    if (!present && !propertyType.getUnionTypes().some((member) => member.isUndefined())) return false
    if (present && !admits(propertyType, record[property.getName()], at)) return false
  }
  const index = type.getStringIndexType()
  for (const [key, item] of Object.entries(record)) {
    if (type.getProperty(key) !== undefined) continue
    if (index === undefined || !admits(index, item, at)) return false
  }
  return true
}

/** A value for messages (bigints and Buffers survive). */
function show(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? `${item}n` : item)) ?? String(value)
}

function quoted(relation: string): string {
  return relation
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.')
}

describe('PostgreSQL codegen: the generated types admit what pg returns (default type parsers)', () => {
  it('inserts and reads every mapped type through pg; each value fits the generated insert and select types', async () => {
    const root = tempDir('glorious-pg-runtime-')
    const { db } = await pgSchema(root)
    const file = 'whole.db-types.ts'
    const session = await openSession(db.database)
    let dataTypes: Set<string>
    try {
      await generateTypes(session, [], { all: true, out: join(root, file) })
      // Every rule of the type map has a column in the fixture: each type pg parses, each array
      // it parses, numeric, text, an enum, an enum array, a domain, an array pg returns as text.
      const model = await postgresCodegen.introspect(session.db, { get: () => undefined }, RESERVED_TABLES)
      const columns = model.tables.flatMap((table) => table.columns)
      dataTypes = new Set(columns.map((column) => column.dataType ?? ''))
      for (const name of [...Object.keys(PARSED_SCALARS), ...Object.keys(PARSED_ARRAYS), 'numeric', 'text', 'money'])
        assert.ok(dataTypes.has(name), `the fixture has no column of type ${name}`)
      assert.ok(columns.some((column) => column.domainBase !== undefined))
      assert.ok(columns.some((column) => column.typeAlias !== undefined && column.elementType === undefined))
      assert.ok(columns.some((column) => column.typeAlias !== undefined && column.elementType !== undefined))
      assert.ok(columns.some((column) => column.elementType !== undefined && !(column.dataType! in PARSED_ARRAYS)))
      assert.ok(
        columns.some((column) => column.dataType?.startsWith('public.')),
        'an extension type (citext)',
      )
    } finally {
      await session.close()
    }

    const { at, relations } = await readGeneratedTypes(root, file)
    const pg = (await import('pg')).default
    const client = new pg.Client({ connectionString: db.database })
    await client.connect()
    const figures = { relations: 0, inserted: 0, read: 0 }
    try {
      // The checker can say no: wrong kinds are rejected.
      const kinds = relations.get('kinds') as Map<string, ColumnTypes>
      const select = (column: string) => (kinds.get(column) as ColumnTypes).select
      assert.equal(admits(select('c_int8'), 5, at), false, 'int8 reads as a string, not a number')
      assert.equal(admits(select('c_mood'), 'angry', at), false, 'an enum admits its labels only')
      assert.equal(admits(select('a_int8'), ['1', 2], at), false, 'every element is checked')
      assert.equal(admits(select('c_interval'), { hours: 1 }, at), false, 'an interval has its methods')
      assert.equal(admits(select('c_date'), '2024-01-01', at), false, 'a date reads as a Date')
      assert.equal(admits(select('a_float8'), [1.5], at), false, 'a 2-D array reads as nested arrays')
      assert.equal(
        admits((kinds.get('c_jsonb') as ColumnTypes).insert as Type, [1, 2], at),
        false,
        'no JS arrays into JSON',
      )

      const seen = new Map<string, Set<string>>()
      for (const [relation, rows] of Object.entries(rowsToInsert())) {
        const types = relations.get(relation)
        assert.ok(types, `no ${relation} in the generated DB`)
        for (const row of rows) {
          const names = Object.keys(row)
          for (const name of names) {
            const insert = types.get(name)?.insert
            assert.ok(insert, `${relation}.${name} cannot be inserted`)
            assert.ok(
              admits(insert, row[name], at),
              `${relation}.${name}: the insert type ${insert.getText()} does not admit ${show(row[name])}`,
            )
            figures.inserted++
          }
          await client.query(
            `INSERT INTO ${quoted(relation)} (${names.map(quoted).join(', ')}) VALUES (${names.map((_, index) => `$${index + 1}`).join(', ')})`,
            names.map((name) => row[name]),
          )
        }
      }
      await client.query('REFRESH MATERIALIZED VIEW mood_counts')
      for (const [relation, types] of relations) {
        const { rows } = await client.query(`SELECT * FROM ${quoted(relation)}`)
        assert.ok(rows.length > 0, `${relation}: no rows to check`)
        figures.relations++
        for (const row of rows as Row[]) {
          assert.deepEqual(Object.keys(row).sort(), [...types.keys()].sort(), `${relation}: the columns differ`)
          for (const [name, value] of Object.entries(row)) {
            const select = (types.get(name) as ColumnTypes).select
            assert.ok(
              admits(select, value, at),
              `${relation}.${name}: the select type ${select.getText()} does not admit ${show(value)} (what pg returned)`,
            )
            figures.read++
            if (value !== null) {
              const kind = Array.isArray(value)
                ? 'array'
                : value instanceof Date
                  ? 'Date'
                  : Buffer.isBuffer(value)
                    ? 'Buffer'
                    : typeof value
              seen.set(`${relation}.${name}`, (seen.get(`${relation}.${name}`) ?? new Set()).add(kind))
            }
          }
        }
        for (const name of types.keys())
          assert.ok(seen.has(`${relation}.${name}`), `${relation}.${name} was never read back as a non-null value`)
      }

      // pg's own kinds, as the table in the README says (so a pg upgrade that changes them fails here).
      const kindOf = (column: string) => [...(seen.get(`kinds.${column}`) ?? [])].sort().join('|')
      assert.deepEqual(
        Object.fromEntries(
          [
            'c_int8',
            'c_numeric',
            'c_float8',
            'c_bool',
            'c_date',
            'c_interval',
            'c_jsonb',
            'c_bytea',
            'c_point',
            'c_mood',
            'c_big_id',
            'a_int8',
            'a_mood',
            'a_positive',
            'c_money',
            'c_time',
          ].map((column) => [column, kindOf(column)]),
        ),
        {
          c_int8: 'string',
          c_numeric: 'string',
          c_float8: 'number',
          c_bool: 'boolean',
          c_date: 'Date',
          c_interval: 'object',
          c_jsonb: 'array|boolean|number|object',
          c_bytea: 'Buffer',
          c_point: 'object',
          c_mood: 'string',
          c_big_id: 'string',
          a_int8: 'array',
          a_mood: 'string',
          a_positive: 'string',
          c_money: 'string',
          c_time: 'string',
        },
      )

      // What the types leave out on purpose, as their JSDoc and the README say: ±infinity
      // timestamps come back as numbers, and array elements can be NULL.
      const { rows: odd } = await client.query(
        `SELECT 'infinity'::timestamptz AS forever, '-infinity'::date AS never, ARRAY[1, NULL]::int4[] AS holes`,
      )
      assert.deepEqual(odd[0], { forever: Infinity, never: -Infinity, holes: [1, null] })
      assert.equal(admits(select('c_timestamptz'), Infinity, at), false)
      assert.equal(admits(select('a_int4'), [1, null], at), false)
    } finally {
      await client.end()
    }
    console.log(
      `pg runtime check: ${figures.relations} relations, ${figures.inserted} inserted values and ${figures.read} values read back, ` +
        `all admitted by the generated types; ${dataTypes.size} distinct data types`,
    )
  })
})

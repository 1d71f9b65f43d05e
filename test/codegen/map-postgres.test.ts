/**
 * PostgreSQL type mapping without a server: schema model → TypeScript, enum and table names, the
 * emitted helpers and definitions, and Prettier-stable layout of every shape. (What pg really
 * returns is checked against a server in test/postgres/.)
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type EmitOptions, emitTypes } from '../../codegen/emit.js'
import { DEFAULT_MAP_OPTIONS } from '../../codegen/mapper.js'
import { enumDefinition, enumTypeNames, postgresTypeMapper } from '../../codegen/dialects/postgres/postgres-type-map.js'
import { type ColumnModel, type TableModel, columnModel, schemaModel, tableModel } from '../../codegen/model.js'
import { printType } from '../../codegen/type-expr.js'
import { prettierFormat } from './helpers.js'

const OPTIONS: EmitOptions = { ...DEFAULT_MAP_OPTIONS, camelCase: false }
const TABLE = tableModel({ name: 't', columns: [] })
const VIEW = tableModel({ name: 'v', columns: [], kind: 'view' })
const MATVIEW = tableModel({ name: 'm', columns: [], kind: 'materialized-view' })
const MOOD = { typeAlias: 'Mood', enumValues: ['happy', 'sad'] }

function map(column: Partial<ColumnModel>, table: TableModel = TABLE) {
  const mapped = postgresTypeMapper.mapColumn(columnModel({ name: 'c', ...column }), table, DEFAULT_MAP_OPTIONS)
  return {
    type: printType(mapped.type),
    doc: mapped.docs.join('\n'),
    definitions: (mapped.definitions ?? []).map((definition) => definition.name),
  }
}

describe('postgresTypeMapper.mapColumn', () => {
  const examples: [what: string, column: Partial<ColumnModel>, table: TableModel, type: string][] = [
    ['int2', { dataType: 'int2', declaredType: 'smallint', nullable: false }, TABLE, 'number'],
    ['int4 nullable', { dataType: 'int4', declaredType: 'integer' }, TABLE, 'number | null'],
    ['float4', { dataType: 'float4', declaredType: 'real', nullable: false }, TABLE, 'number'],
    ['float8', { dataType: 'float8', declaredType: 'double precision', nullable: false }, TABLE, 'number'],
    ['oid', { dataType: 'oid', declaredType: 'oid', nullable: false }, TABLE, 'number'],
    ['int8', { dataType: 'int8', declaredType: 'bigint', nullable: false }, TABLE, 'Int8'],
    ['numeric', { dataType: 'numeric', declaredType: 'numeric(10,2)', nullable: false }, TABLE, 'Numeric'],
    ['money', { dataType: 'money', declaredType: 'money', nullable: false }, TABLE, 'string'],
    ['bool', { dataType: 'bool', declaredType: 'boolean', nullable: false }, TABLE, 'boolean'],
    ['text', { dataType: 'text', declaredType: 'text', nullable: false }, TABLE, 'string'],
    ['uuid', { dataType: 'uuid', declaredType: 'uuid', nullable: false }, TABLE, 'string'],
    ['time', { dataType: 'time', declaredType: 'time without time zone', nullable: false }, TABLE, 'string'],
    ['timestamptz', { dataType: 'timestamptz', declaredType: 'timestamp with time zone' }, TABLE, 'Timestamp | null'],
    ['date', { dataType: 'date', declaredType: 'date', nullable: false }, TABLE, 'Timestamp'],
    ['interval', { dataType: 'interval', declaredType: 'interval', nullable: false }, TABLE, 'Interval'],
    ['jsonb', { dataType: 'jsonb', declaredType: 'jsonb' }, TABLE, 'Json | null'],
    ['bytea', { dataType: 'bytea', declaredType: 'bytea', nullable: false }, TABLE, 'Buffer'],
    ['point', { dataType: 'point', declaredType: 'point', nullable: false }, TABLE, 'Point'],
    ['circle', { dataType: 'circle', declaredType: 'circle', nullable: false }, TABLE, 'Circle'],
    ['an extension type', { dataType: 'public.citext', declaredType: 'citext' }, TABLE, 'string | null'],
    ['a user type named like a built-in', { dataType: 'public.int4', declaredType: 'int4' }, TABLE, 'string | null'],
    ['no data type known', { declaredType: 'whatever' }, TABLE, 'string | null'],
    ['enum', { dataType: 'public.mood', declaredType: 'mood', nullable: false, ...MOOD }, TABLE, 'Mood'],
    [
      'domain over int4',
      { dataType: 'int4', declaredType: 'positive_int', domainBase: 'integer' },
      TABLE,
      'number | null',
    ],
    ['int4[]', { dataType: '_int4', elementType: 'int4', declaredType: 'integer[]' }, TABLE, 'number[] | null'],
    ['int8[]', { dataType: '_int8', elementType: 'int8', declaredType: 'bigint[]' }, TABLE, 'ArrayType<Int8> | null'],
    ['numeric[]', { dataType: '_numeric', elementType: 'numeric', nullable: false }, TABLE, 'number[]'],
    [
      'float8[][]',
      { dataType: '_float8', elementType: 'float8', arrayDimensions: 2, nullable: false },
      TABLE,
      'number[][]',
    ],
    [
      'timestamptz[][]',
      { dataType: '_timestamptz', elementType: 'timestamptz', arrayDimensions: 2, nullable: false },
      TABLE,
      'ArrayType<ArrayType<Timestamp>>',
    ],
    ['enum[]', { dataType: 'public._mood', elementType: 'public.mood', ...MOOD }, TABLE, 'UnparsedArray<Mood> | null'],
    [
      'enum[][]',
      { dataType: 'public._mood', elementType: 'public.mood', arrayDimensions: 2, nullable: false, ...MOOD },
      TABLE,
      'UnparsedArray<Mood[]>',
    ],
    [
      'domain[] over int8',
      { dataType: 'public._big', elementType: 'int8', nullable: false },
      TABLE,
      'UnparsedArray<Int8>',
    ],
    [
      'a built-in array pg does not parse',
      { dataType: '_xml', elementType: 'xml', nullable: false },
      TABLE,
      'UnparsedArray<string>',
    ],
    [
      'serial',
      { dataType: 'int4', defaultExpression: "nextval('t_id_seq'::regclass)", nullable: false },
      TABLE,
      'Generated<number>',
    ],
    [
      'identity BY DEFAULT',
      { dataType: 'int8', autoIncrement: 'identity', generation: 'default', nullable: false },
      TABLE,
      'Generated<Int8>',
    ],
    [
      'identity ALWAYS',
      { dataType: 'int4', autoIncrement: 'identity', generation: 'always', nullable: false },
      TABLE,
      'GeneratedAlways<number>',
    ],
    [
      'GENERATED ALWAYS AS (…) STORED',
      { dataType: 'text', generation: 'always', computed: { expression: 'upper(a)', storage: 'stored' } },
      TABLE,
      'GeneratedAlways<string | null>',
    ],
    [
      'enum with a default',
      { dataType: 'public.mood', defaultExpression: "'happy'::mood", nullable: false, ...MOOD },
      TABLE,
      'Generated<Mood>',
    ],
    ['view column', { dataType: 'int8' }, VIEW, 'ColumnType<string | null, never, never>'],
    [
      'view column, array',
      { dataType: '_int8', elementType: 'int8' },
      VIEW,
      'ColumnType<string[] | null, never, never>',
    ],
    ['view column, enum', { dataType: 'public.mood', ...MOOD }, VIEW, 'ColumnType<Mood | null, never, never>'],
    ['materialized view column', { dataType: 'interval' }, MATVIEW, 'ColumnType<IntervalValue | null, never, never>'],
  ]
  for (const [what, column, table, type] of examples) {
    it(`${what} → ${type}`, () => assert.equal(map(column, table).type, type))
  }

  it('documents what the declared type, a domain, identity, default and expression say, then the comment', () => {
    assert.equal(map({ dataType: 'int4', declaredType: 'integer' }).doc, '')
    assert.equal(map({ dataType: '_text', elementType: 'text', declaredType: 'text[]' }).doc, '')
    assert.equal(map({ dataType: 'public.mood', declaredType: 'mood', ...MOOD }).doc, '')
    assert.equal(map({ dataType: 'varchar', declaredType: 'character varying(40)' }).doc, 'character varying(40)')
    assert.equal(
      map({ dataType: 'int4', declaredType: 'positive_int', domainBase: 'integer' }).doc,
      'positive_int (domain over integer)',
    )
    assert.equal(
      map({ dataType: 'int4', declaredType: 'integer', autoIncrement: 'identity', generation: 'always' }).doc,
      'integer GENERATED ALWAYS AS IDENTITY',
    )
    assert.equal(
      map({ dataType: 'int8', declaredType: 'bigint', autoIncrement: 'identity', generation: 'default' }).doc,
      'bigint GENERATED BY DEFAULT AS IDENTITY',
    )
    assert.equal(
      map({ dataType: 'timestamptz', declaredType: 'timestamp with time zone', defaultExpression: 'now()' }).doc,
      'DEFAULT now()',
    )
    assert.equal(
      map({
        dataType: 'text',
        declaredType: 'text',
        computed: { expression: 'upper(a)', storage: 'stored' },
        generation: 'always',
      }).doc,
      'text GENERATED ALWAYS AS (upper(a)) STORED',
    )
    assert.equal(
      map({ dataType: '_numeric', elementType: 'numeric', declaredType: 'numeric[]' }).doc,
      'pg parses numeric[] elements with parseFloat: digits beyond a double are lost',
    )
    assert.match(
      map({ dataType: 'public._mood', elementType: 'public.mood', declaredType: 'mood[]', ...MOOD }).doc,
      /^mood\[\]: pg has no parser for this array type: it returns the array's text/,
    )
    assert.equal(map({ dataType: 'text', declaredType: 'text', comment: 'Shown to users.' }).doc, 'Shown to users.')
  })

  it('defines an enum union for enum columns and arrays of them', () => {
    assert.deepEqual(map({ dataType: 'public.mood', ...MOOD }).definitions, ['Mood'])
    assert.deepEqual(map({ dataType: 'public._mood', elementType: 'public.mood', ...MOOD }).definitions, ['Mood'])
    assert.deepEqual(map({ dataType: 'text' }).definitions, [])
  })
})

describe('enumTypeNames: PascalCase, never a helper or relation name, unique', () => {
  it('names enums like tables, qualified by schema outside the current one', () => {
    assert.deepEqual(Object.fromEntries(enumTypeNames(['mood', 'audit.level', 'order_status'])), {
      'audit.level': 'AuditLevel',
      mood: 'Mood',
      order_status: 'OrderStatus',
    })
  })

  it('adds Enum when the name would read as a relation alias, a helper, a kysely type or a global', () => {
    const names = enumTypeNames(['user_row', 'json', 'int8', 'date', 'db', 'column_type', 'shop_table', 'audit_view'])
    assert.deepEqual(Object.fromEntries(names), {
      audit_view: 'AuditViewEnum',
      column_type: 'ColumnTypeEnum',
      date: 'DateEnum',
      db: 'Db',
      int8: 'Int8Enum',
      json: 'JsonEnum',
      shop_table: 'ShopTableEnum',
      user_row: 'UserRowEnum',
    })
  })

  it('numbers enums that still collide, the first in name order keeping the plain name, whatever the input order', () => {
    const names = ['a_b', 'aB', 'a.b', 'x_user_row', 'x.user_row']
    const expected = { 'a.b': 'AB', aB: 'AB2', a_b: 'AB3', 'x.user_row': 'XUserRowEnum', x_user_row: 'XUserRowEnum2' }
    assert.deepEqual(Object.fromEntries(enumTypeNames(names)), expected)
    assert.deepEqual(
      Object.fromEntries(enumTypeNames(['x.user_row', 'a.b', 'a_b', 'aB', 'x_user_row', 'aB'])),
      expected,
    )
  })

  it('skips numbers another enum has as its plain name', () => {
    assert.deepEqual(Object.fromEntries(enumTypeNames(['a', 'a.', 'a2'])), { a: 'A', 'a.': 'A3', a2: 'A2' })
  })
})

describe('enumDefinition: laid out as Prettier prints it', () => {
  const cases: [values: string[], alias: string][] = [
    [['happy', 'sad'], 'Mood'],
    [[], 'Empty'],
    [["it's", 'say "hi"', 'back\\slash', 'new\nline'], 'Odd'],
    [['a'.repeat(70)], 'One'],
    [['x'.repeat(30), 'y'.repeat(30), 'z'.repeat(30)], 'Long'],
    [['é'.repeat(40), '名'.repeat(20)], 'Wide'],
  ]
  for (const [values, alias] of cases) {
    it(`${alias}: ${values.length} values`, async () => {
      const text = enumDefinition(alias, `public.${alias.toLowerCase()}`, values)
      assert.equal(await prettierFormat(text), `${text}\n`)
    })
  }
  it('quotes each label as a string literal', () => {
    assert.equal(enumDefinition('Odd', 'odd', ["it's"]), '/** Enum `odd`. */\nexport type Odd = "it\'s";')
    assert.equal(enumDefinition('Empty', 'empty', []), '/** Enum `empty`. */\nexport type Empty = never;')
  })
})

describe('emitTypes with the PostgreSQL mapper', () => {
  const owner = { skill: 'core', version: 1 }
  const events = tableModel({
    name: 'audit.events',
    owner,
    columns: [
      columnModel({ name: 'id', dataType: 'int8', autoIncrement: 'identity', generation: 'always', nullable: false }),
      columnModel({ name: 'level', dataType: 'audit.level', typeAlias: 'AuditLevel', enumValues: ['info', 'warn'] }),
      columnModel({ name: 'moods', dataType: 'public._mood', elementType: 'public.mood', ...MOOD }),
    ],
  })
  const auditEvents = tableModel({
    name: 'audit_events',
    owner,
    comment: 'Kept for a year.',
    columns: [columnModel({ name: 'mood', dataType: 'public.mood', nullable: false, ...MOOD })],
  })

  it('keys tables outside the current schema schema.table, with collision-free interface names', async () => {
    const { text } = await emitTypes(
      schemaModel('postgres', [auditEvents, events]),
      postgresTypeMapper,
      { skill: 'core' },
      OPTIONS,
    )
    assert.ok(text.includes('/** Table `audit.events` (skill: core). */\nexport interface AuditEventsTable {'))
    assert.ok(
      text.includes(
        '/**\n * Table `audit_events` (skill: core).\n * Kept for a year.\n */\nexport interface AuditEvents2Table {',
      ),
    )
    assert.ok(
      text.endsWith(
        "export interface DB {\n  'audit.events': AuditEventsTable;\n  audit_events: AuditEvents2Table;\n}\n",
      ),
    )
    const reversed = await emitTypes(
      schemaModel('postgres', [events, auditEvents]),
      postgresTypeMapper,
      { skill: 'core' },
      OPTIONS,
    )
    assert.equal(reversed.text, text)
    assert.equal(await prettierFormat(text), text)
  })

  it('defines each enum once, sorted, after the helpers; and only the helpers used, with what they need', async () => {
    const { text } = await emitTypes(
      schemaModel('postgres', [auditEvents, events]),
      postgresTypeMapper,
      { skill: 'core' },
      OPTIONS,
    )
    assert.equal(text.match(/^export type Mood = /gm)?.length, 1)
    assert.ok(text.indexOf('export type AuditLevel =') < text.indexOf('export type Mood ='))
    assert.ok(text.indexOf('export type UnparsedArray<T>') < text.indexOf('export type AuditLevel ='))
    assert.ok(text.indexOf('export type Mood =') < text.indexOf('export interface AuditEventsTable'))
    for (const used of ['GeneratedAlways', 'Int8', 'UnparsedArray'])
      assert.ok(text.includes(`export type ${used}`), used)
    for (const unused of ['Generated<T>', 'Json', 'Timestamp', 'Interval', 'ArrayType', 'Point', 'Numeric'])
      assert.ok(!text.includes(`export type ${unused}`), unused)
  })

  it("uses PostgreSQL's Json (objects and JSON text in, parsed values out) and pulls in what helpers need", async () => {
    const table = tableModel({
      name: 't',
      columns: [
        columnModel({ name: 'doc', dataType: 'jsonb' }),
        columnModel({ name: 'span', dataType: '_interval', elementType: 'interval' }),
      ],
    })
    const { text } = await emitTypes(
      schemaModel('postgres', [table]),
      postgresTypeMapper,
      { wholeDatabase: true },
      OPTIONS,
    )
    assert.ok(text.includes('export type Json = ColumnType<\n  JsonValue,\n  JsonObject | string | number | boolean,'))
    assert.ok(!text.includes('ColumnType<JsonValue, string, string>'), "SQLite's Json is replaced")
    for (const needed of [
      'JsonValue',
      'JsonArray',
      'JsonObject',
      'JsonPrimitive',
      'ArrayType<T>',
      'Interval',
      'IntervalValue',
    ])
      assert.ok(text.includes(`export type ${needed}`), needed)
    assert.equal(await prettierFormat(text), text)
  })

  it('leaves nothing for Prettier to change, whatever the length of names (every PostgreSQL shape)', async () => {
    const shapes: Partial<ColumnModel>[] = [
      { dataType: 'int8' },
      { dataType: 'text' },
      { dataType: 'interval' },
      { dataType: 'public.mood', ...MOOD },
      { dataType: '_int4', elementType: 'int4' },
      { dataType: '_int8', elementType: 'int8' },
      { dataType: '_float8', elementType: 'float8', arrayDimensions: 2 },
      { dataType: '_timestamptz', elementType: 'timestamptz', arrayDimensions: 3 },
      { dataType: 'public._mood', elementType: 'public.mood', ...MOOD },
      { dataType: 'public._mood', elementType: 'public.mood', arrayDimensions: 2, ...MOOD },
      { dataType: 'public._big', elementType: 'int8' },
    ].flatMap((shape) => [
      { ...shape, nullable: false },
      { ...shape, nullable: true },
      { ...shape, nullable: true, defaultExpression: '0' },
      { ...shape, nullable: false, defaultExpression: '0' },
      {
        ...shape,
        nullable: true,
        generation: 'always' as const,
        computed: { expression: '1', storage: 'stored' as const },
      },
    ])
    const tables: TableModel[] = []
    for (const length of [1, 20, 30, 36, 40, 45, 50, 55, 60, 62, 64, 66, 70, 76, 80, 90]) {
      const key = (prefix: string) => `${prefix}_${'x'.repeat(length)}`.slice(0, Math.max(length, 3))
      const columns = shapes.map((shape, index) => columnModel({ name: key(`c${index}`), ...shape }))
      tables.push(tableModel({ name: `t${'_'.repeat(length)}${length}`, columns }))
      tables.push(
        tableModel({ name: `s.v${'_'.repeat(length)}${length}`, columns: columns.slice(0, 20), kind: 'view' }),
      )
      tables.push(
        tableModel({ name: `m${'_'.repeat(length)}${length}`, columns: columns.slice(20), kind: 'materialized-view' }),
      )
    }
    const { text } = await emitTypes(
      schemaModel('postgres', tables),
      postgresTypeMapper,
      { wholeDatabase: true },
      OPTIONS,
    )
    const formatted = await prettierFormat(text)
    if (formatted !== text) assert.equal(text, formatted, 'Prettier reformats the output')
    // The nested case: Prettier breaks the argument list inside the hugged `… | null`.
    assert.ok(text.includes('xxxxxxxx: Generated<ArrayType<\n    ArrayType<ArrayType<Timestamp>>\n  > | null>;\n'))
  })
})

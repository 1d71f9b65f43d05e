/**
 * The generated types against what mysql2 really returns: values of every mapped type are
 * inserted into the fixture schema, read back through Kysely + mysql2, and each value's runtime
 * kind is compared with the kinds its generated type admits; then the rows themselves, written
 * as TypeScript literals, are type-checked against the generated `Row` types with tsc.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { type Kysely, sql } from 'kysely'
import type { PoolOptions } from 'mysql2'
import { MYSQL_RULES, type MysqlRule, dataTypeOf, mysqlRule } from '../../codegen/dialects/mysql/mysql-type-map.js'
import { mysqlCodegen } from '../../codegen/dialects/mysql/mysql-codegen.js'
import { type EmitOptions, emitTypes } from '../../codegen/emit.js'
import { DEFAULT_MAP_OPTIONS } from '../../codegen/mapper.js'
import { isReadOnly } from '../../codegen/model.js'
import { uniquePascalNames } from '../../codegen/names.js'
import { type TypeExpr, printType } from '../../codegen/type-expr.js'
import { typecheck } from '../codegen/helpers.js'
import { tempDir } from '../helpers/temp.js'
import { loadFixture } from './codegen-fixture.js'

type Kind = 'null' | 'number' | 'string' | 'boolean' | 'bigint' | 'Date' | 'Buffer' | 'array' | 'object'
const ALL_KINDS: readonly Kind[] = [
  'null',
  'number',
  'string',
  'boolean',
  'bigint',
  'Date',
  'Buffer',
  'array',
  'object',
]
const JSON_KINDS: readonly Kind[] = ['null', 'number', 'string', 'boolean', 'array', 'object']

/** What each name the generated files use admits on select (the helpers' select side). */
const NAMED_KINDS: Readonly<Record<string, readonly Kind[]>> = {
  null: ['null'],
  number: ['number'],
  string: ['string'],
  boolean: ['boolean'],
  bigint: ['bigint'],
  Date: ['Date'],
  Buffer: ['Buffer'],
  unknown: ALL_KINDS,
  JsonValue: JSON_KINDS,
  Json: JSON_KINDS,
  Timestamp: ['Date'],
  Decimal: ['string'],
  Int8: ['string'],
}

interface Admitted {
  readonly kinds: Set<Kind>
  /** For string literal types: the strings admitted (any string when undefined). */
  literals: Set<string> | undefined
}

/** The runtime kinds a select of this type can give. */
function admitted(type: TypeExpr, into: Admitted = { kinds: new Set(), literals: undefined }): Admitted {
  switch (type.kind) {
    case 'name': {
      const kinds = NAMED_KINDS[type.name]
      assert.ok(kinds, `the test does not know the type ${type.name}`)
      for (const kind of kinds) into.kinds.add(kind)
      if (kinds.includes('string')) into.literals = undefined
      return into
    }
    case 'literal':
      if (!into.kinds.has('string')) into.literals = new Set()
      into.kinds.add('string')
      into.literals?.add(type.value)
      return into
    case 'union':
      for (const member of type.members) admitted(member, into)
      return into
    case 'generic':
      // Generated<T>, GeneratedAlways<T> and ColumnType<S, I, U> select their first argument.
      return admitted(type.args[0] as TypeExpr, into)
    case 'array':
      into.kinds.add('array' as Kind)
      return into
  }
}

function kindOf(value: unknown): Kind {
  if (value === null) return 'null'
  if (Buffer.isBuffer(value)) return 'Buffer'
  if (value instanceof Date) return 'Date'
  if (Array.isArray(value)) return 'array'
  return typeof value as Kind
}

/** A value as a TypeScript expression of the same runtime kind. */
function literalOf(value: unknown): string {
  switch (kindOf(value)) {
    case 'Date':
      return `new Date(${JSON.stringify((value as Date).toISOString?.() ?? null)})`
    case 'Buffer':
      return `Buffer.from(${JSON.stringify((value as Buffer).toString('hex'))}, 'hex')`
    case 'bigint':
      return `${String(value)}n`
    default:
      return JSON.stringify(value)
  }
}

const BIG = '9007199254740993' // 2^53 + 1: what `number` cannot hold

/** Values of every mapped type, inserted through mysql2 (Kysely over a default pool). */
async function insertRows(db: Kysely<any>): Promise<void> {
  const full = {
    email: 'ada@example.com',
    display_name: 'Ada',
    is_admin: 1,
    verified: 0,
    age: 200,
    score: -32768,
    rank_no: 8388607,
    visits: 3,
    big_signed: BIG,
    big_unsigned: '18446744073709551615',
    balance: '1234567890.12',
    ratio: 1.5,
    weight: 2.25,
    birth_year: 1990,
    birthday: '1990-12-31',
    last_login: new Date('2024-05-06T07:08:09.123Z'),
    updated_at: '2024-01-02 03:04:05',
    wake_time: '-12:34:56',
    status: 'active',
    roles: 'reader,admin',
    country: 'NZ',
    bio: 'bio',
    motto: 'motto',
    essay: 'essay',
    journal: 'journal',
    settings: '{"theme":"dark"}',
    profile: '[1,2,3]',
    tags: '"just a string"',
    avatar: Buffer.from([0, 1, 2]),
    thumb: Buffer.from('t'),
    scan: Buffer.from('s'),
    archive: Buffer.from('a'),
    api_key: Buffer.alloc(16, 7),
    salt: Buffer.from('salt'),
    flags: Buffer.from([0b1010]),
    location: sql`ST_GeomFromText('POINT(1 2)')`,
    external_id: '123e4567-e89b-12d3-a456-426614174000',
    last_ip: '::1',
    office_ip: '10.0.0.1',
    secret_note: 'shh',
    'column with spaces': 'x',
  }
  await db.insertInto('users').values(full).execute()
  await db.insertInto('users').values({ email: 'min@example.com' }).execute()
  await db
    .insertInto('users')
    .values({ email: 'odd@example.com', status: "it's complicated", tags: 'true', settings: 'null' })
    .execute()
  await db
    .insertInto('events')
    .values([
      { user_id: 1, kind: 'login', payload: '{"ip":"::1"}', raw_payload: '[1]' },
      { user_id: 1, kind: 'logout', payload: '42', at: new Date() },
      { user_id: 2, kind: 'login', payload: 'false' },
    ])
    .execute()
  await db
    .insertInto('invoices')
    .values({ user_id: 1, total: 19.99, lines: '[{"sku":"a","qty":2}]', issued_on: new Date(2024, 0, 31) })
    .execute()
  await db.insertInto('price_history').values({ sku: 'a', price: '1.50' }).execute()
  await db.insertInto('AuditLog').values({ message: 'hello' }).execute()
}

/** tinyint(1) as booleans, the typeCast `booleans: 'boolean'` is meant for. */
const BOOLEAN_TYPE_CAST: PoolOptions['typeCast'] = (field, next) => {
  if (field.type === 'TINY' && field.length === 1) {
    const text = field.string()
    return text === null ? null : text === '1'
  }
  return next()
}

const BASE: EmitOptions = { ...DEFAULT_MAP_OPTIONS, camelCase: false }
const CONFIGURATIONS: readonly { name: string; pool: PoolOptions; options: EmitOptions }[] = [
  { name: 'mysql2 defaults', pool: {}, options: BASE },
  {
    name: "supportBigNumbers + bigNumberStrings, bigNumbers: 'string'",
    pool: { supportBigNumbers: true, bigNumberStrings: true },
    options: { ...BASE, bigNumbers: 'string' },
  },
  {
    name: "a typeCast for tinyint(1), booleans: 'boolean'",
    pool: { typeCast: BOOLEAN_TYPE_CAST },
    options: { ...BASE, booleans: 'boolean' },
  },
]

/** Rules MariaDB 10.11 cannot exercise: a native JSON type (MySQL only) and types codegen does not know. */
const NOT_ON_MARIADB: readonly MysqlRule[] = ['json', 'unknown']

describe('MySQL/MariaDB codegen: the generated types admit what mysql2 returns', () => {
  it('for every column of every table and view, in each driver configuration, and tsc accepts the rows', async () => {
    const { scratch, db, model } = await loadFixture('cg_runtime')
    await insertRows(db)
    const interfaceNames = uniquePascalNames(model.tables.map((table) => table.name))
    const dir = tempDir('glorious-mysql-runtime-')
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }')
    const failures: string[] = []
    const rulesSeen = new Set<MysqlRule>()
    const checkedFiles: string[] = []
    let values = 0

    for (const [index, configuration] of CONFIGURATIONS.entries()) {
      const reader = await scratch.kysely(configuration.pool)
      const { text } = await emitTypes(model, mysqlCodegen.mapper, { wholeDatabase: true }, configuration.options)
      writeFileSync(join(dir, `types${index}.ts`), text)
      const literals: string[] = [`import type * as T from './types${index}.js';`]
      for (const table of model.tables) {
        const names = table.columns.map((column) => column.name)
        const rows = await reader.selectFrom(table.name).select(names).execute()
        assert.ok(rows.length > 0, `${table.name} has rows to check`)
        for (const column of table.columns) {
          const type = mysqlCodegen.mapper.mapColumn(column, table, configuration.options).type
          const allowed = admitted(type)
          for (const row of rows) {
            const value = (row as Record<string, unknown>)[column.name]
            const kind = kindOf(value)
            values++
            if (kind !== 'null') rulesSeen.add(mysqlRule(column, dataTypeOf(column.declaredType)))
            const literalOk = kind !== 'string' || !allowed.literals || allowed.literals.has(value as string)
            if (!allowed.kinds.has(kind) || !literalOk) {
              failures.push(
                `${configuration.name}: ${table.name}.${column.name} (${column.declaredType}) is ${kind} ${inspect(value)}, ` +
                  `but ${printType(type)} admits ${[...allowed.kinds].join(', ')}`,
              )
            }
          }
        }
        const rowType = `T.${interfaceNames.get(table.name)}Row`
        for (const [rowIndex, row] of rows.entries()) {
          const properties = Object.entries(row as Record<string, unknown>).map(
            ([key, value]) => `${JSON.stringify(key)}: ${literalOf(value)}`,
          )
          literals.push(
            `export const ${isReadOnly(table) ? 'v' : 't'}${literals.length}_${rowIndex}: ${rowType} = { ${properties.join(', ')} };`,
          )
        }
      }
      writeFileSync(join(dir, `rows${index}.ts`), `${literals.join('\n')}\n`)
      checkedFiles.push(`rows${index}.ts`)
    }

    assert.deepEqual(failures, [], failures.join('\n'))
    const expected = MYSQL_RULES.filter((rule) => !NOT_ON_MARIADB.includes(rule))
    assert.deepEqual(
      expected.filter((rule) => !rulesSeen.has(rule)),
      [],
      'every mapping rule is exercised by a non-null value',
    )
    assert.ok(values > 300, `${values} values checked`)
    const result = typecheck(dir, checkedFiles)
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)
  })
})

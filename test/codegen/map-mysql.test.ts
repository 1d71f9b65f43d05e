import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { typeValues, unquoteLiteral } from '../../codegen/dialects/mysql/mysql-column-type.js'
import { type MysqlColumnRow, defaultExpression, toColumn } from '../../codegen/dialects/mysql/mysql-introspector.js'
import { isJsonCheck } from '../../codegen/dialects/mysql/mysql-json-check.js'
import { mysqlRule, mysqlTypeMapper } from '../../codegen/dialects/mysql/mysql-type-map.js'
import { type ColumnJsonLookup, traceViewJson } from '../../codegen/dialects/mysql/mysql-view-json.js'
import { type EmitOptions, emitTypes } from '../../codegen/emit.js'
import { DEFAULT_MAP_OPTIONS, type MapOptions } from '../../codegen/mapper.js'
import { type ColumnModel, type TableModel, columnModel, schemaModel, tableModel } from '../../codegen/model.js'
import { printType } from '../../codegen/type-expr.js'
import { prettierFormat } from './helpers.js'

const TABLE = tableModel({ name: 't', columns: [] })
const VIEW = tableModel({ name: 'v', columns: [], kind: 'view' })

function map(column: Partial<ColumnModel>, table: TableModel = TABLE, options: MapOptions = DEFAULT_MAP_OPTIONS) {
  const mapped = mysqlTypeMapper.mapColumn(columnModel({ name: 'c', nullable: false, ...column }), table, options)
  return { type: printType(mapped.type), doc: mapped.docs.join('\n') }
}

describe('mysqlTypeMapper.mapColumn (what mysql2 returns with its default options)', () => {
  const examples: [declared: string, extra: Partial<ColumnModel>, type: string][] = [
    ['tinyint(4)', {}, 'number'],
    ['smallint(6)', {}, 'number'],
    ['mediumint(9)', {}, 'number'],
    ['int(11)', {}, 'number'],
    ['int(10) unsigned', {}, 'number'],
    ['int', {}, 'number'], // MySQL 8.0.19+ drops display widths
    ['year(4)', {}, 'number'],
    ['float', {}, 'number'],
    ['double', {}, 'number'],
    ['tinyint(1)', {}, 'number'],
    ['tinyint(1) unsigned', {}, 'number'],
    ['bigint(20)', {}, 'number'],
    ['bigint(20) unsigned', {}, 'number'],
    ['decimal(10,2)', {}, 'Decimal'],
    ['date', {}, 'Timestamp'],
    ['datetime', {}, 'Timestamp'],
    ['datetime(6)', {}, 'Timestamp'],
    ['timestamp', {}, 'Timestamp'],
    ['time', {}, 'string'],
    ['char(3)', {}, 'string'],
    ['varchar(255)', {}, 'string'],
    ['text', {}, 'string'],
    ['longtext', {}, 'string'],
    ['uuid', {}, 'string'],
    ['inet6', {}, 'string'],
    ["enum('draft','published')", { enumValues: ['draft', 'published'] }, "'draft' | 'published'"],
    ["enum('it''s','a\"b')", {}, `"it's" | 'a"b'`],
    ["set('a','b')", {}, 'string'],
    ['json', {}, 'Json'],
    ['longtext', { format: 'json' }, 'Json'],
    ['varchar(100)', { format: 'json' }, 'Json'],
    ['longblob', { format: 'json' }, 'Json'],
    ['int(11)', { format: 'json' }, 'number'], // only text and blob columns carry the mark
    ['longtext', { format: 'json-or-text' }, 'JsonValue'],
    ['blob', {}, 'Buffer'],
    ['binary(16)', {}, 'Buffer'],
    ['varbinary(10)', {}, 'Buffer'],
    ['bit(1)', {}, 'Buffer'],
    ['point', {}, 'unknown'],
    ['vector(3)', {}, 'unknown'],
  ]
  for (const [declared, extra, type] of examples) {
    it(`${declared}${extra.format ? ` (${extra.format})` : ''} → ${type}`, () => {
      assert.equal(map({ declaredType: declared, ...extra }).type, type)
    })
  }

  it('adds | null to nullable columns, except unknown', () => {
    assert.equal(map({ declaredType: 'varchar(5)', nullable: true }).type, 'string | null')
    assert.equal(map({ declaredType: "enum('a','b')", nullable: true }).type, "'a' | 'b' | null")
    assert.equal(map({ declaredType: 'point', nullable: true }).type, 'unknown')
  })

  it("types tinyint(1) boolean with booleans: 'boolean', and says it needs a typeCast", () => {
    const { type, doc } = map({ declaredType: 'tinyint(1)' }, TABLE, { ...DEFAULT_MAP_OPTIONS, booleans: 'boolean' })
    assert.equal(type, 'boolean')
    assert.match(doc, /typeCast/)
    assert.equal(
      map({ declaredType: 'tinyint(2)' }, TABLE, { ...DEFAULT_MAP_OPTIONS, booleans: 'boolean' }).type,
      'number',
    )
  })

  it("types BIGINT as Int8 (a string) with bigNumbers: 'string', and warns about precision by default", () => {
    const options = { ...DEFAULT_MAP_OPTIONS, bigNumbers: 'string' as const }
    assert.equal(map({ declaredType: 'bigint(20)' }, TABLE, options).type, 'Int8')
    assert.equal(map({ declaredType: 'bigint(20) unsigned', nullable: true }, TABLE, options).type, 'Int8 | null')
    assert.equal(map({ declaredType: 'int(11)' }, TABLE, options).type, 'number')
    assert.match(map({ declaredType: 'bigint(20)' }).doc, /2\^53 - 1.*bigNumbers: 'string'/)
  })

  it('ignores the json option: mysql2 itself parses JSON (a string is a JsonValue too)', () => {
    for (const json of ['string', 'json'] as const) {
      assert.equal(map({ declaredType: 'json' }, TABLE, { ...DEFAULT_MAP_OPTIONS, json }).type, 'Json')
      assert.equal(map({ declaredType: 'longtext' }, TABLE, { ...DEFAULT_MAP_OPTIONS, json }).type, 'string')
    }
  })

  it('applies the shared modifiers: Generated, GeneratedAlways, read-only view columns', () => {
    assert.equal(
      map({ declaredType: 'int(11)', autoIncrement: 'autoincrement', primaryKey: true }).type,
      'Generated<number>',
    )
    assert.equal(
      map({ declaredType: 'datetime', defaultExpression: 'current_timestamp()' }).type,
      'Generated<Timestamp>',
    )
    assert.equal(
      map({
        declaredType: 'int(11)',
        nullable: true,
        generation: 'always',
        computed: { expression: '1', storage: 'virtual' },
      }).type,
      'GeneratedAlways<number | null>',
    )
    assert.equal(map({ declaredType: 'decimal(5,2)' }, VIEW).type, 'ColumnType<string | null, never, never>')
    assert.equal(map({ declaredType: 'json' }, VIEW).type, 'ColumnType<JsonValue | null, never, never>')
    assert.equal(map({ declaredType: 'date' }, VIEW).type, 'ColumnType<Date | null, never, never>')
  })

  it('documents the declaration: type, AUTO_INCREMENT, DEFAULT, GENERATED, options, then the comment', () => {
    assert.deepEqual(
      mysqlTypeMapper.mapColumn(
        columnModel({
          name: 'c',
          declaredType: 'datetime(3)',
          defaultExpression: 'current_timestamp(3)',
          options: ['ON UPDATE current_timestamp(3)'],
          comment: 'when it changed',
        }),
        TABLE,
        DEFAULT_MAP_OPTIONS,
      ).docs,
      ['datetime(3) DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3)', 'when it changed'],
    )
    assert.equal(map({ declaredType: 'int(11)' }).doc, '', 'a plain int needs no note')
    assert.equal(
      map({ declaredType: 'int(10) unsigned', autoIncrement: 'autoincrement' }).doc,
      'int(10) unsigned AUTO_INCREMENT',
    )
    assert.match(map({ declaredType: 'int(11)', options: ['INVISIBLE'] }).doc, /^INVISIBLE: not returned by SELECT \*/)
    assert.match(map({ declaredType: 'longtext', format: 'json' }).doc, /^MariaDB JSON .*mysql2 3\.23/)
    assert.match(map({ declaredType: 'date' }).doc, /midnight/)
  })

  it('names a rule for every data type it knows, and unknown for the rest', () => {
    assert.equal(mysqlRule({ declaredType: 'tinyint(1)', format: undefined }, 'tinyint'), 'boolean')
    assert.equal(mysqlRule({ declaredType: 'longtext', format: 'json' }, 'longtext'), 'mariadb-json')
    assert.equal(mysqlRule({ declaredType: 'geometry', format: undefined }, 'geometry'), 'geometry')
    assert.equal(mysqlRule({ declaredType: 'frobnicate', format: undefined }, 'frobnicate'), 'unknown')
  })
})

describe('COLUMN_TYPE: enum and set values', () => {
  it('reads values as the server quotes them (doubled quotes, backslash escapes)', () => {
    assert.deepEqual(typeValues("enum('a','b c','it''s')"), ['a', 'b c', "it's"])
    assert.deepEqual(typeValues("enum('a\\\\b','x\\ny','','ü','e\"f')"), ['a\\b', 'x\ny', '', 'ü', 'e"f'])
    assert.deepEqual(typeValues("set('x','y')"), ['x', 'y'])
    assert.deepEqual(typeValues("ENUM('A')"), ['A'])
    assert.equal(typeValues('varchar(10)'), undefined)
    assert.equal(typeValues("enum('a'"), undefined)
  })

  it('undoes each backslash escape', () => {
    assert.equal(unquoteLiteral("'\\0\\b\\n\\r\\t\\Z\\\\\\'\\%'"), "\0\b\n\r\t\x1a\\'%")
  })
})

describe('MariaDB JSON columns: the CHECK rule', () => {
  const examples: [clause: string, json: boolean][] = [
    ['json_valid(`doc`)', true],
    ['json_valid(`other`)', true], // the server does not look at the argument
    ['json_valid(`doc`) and json_length(`doc`) > 0', true],
    ['json_length(`doc`) > 0 and json_valid(`doc`)', true],
    ['!json_valid(`doc`) and json_valid(`doc`)', true],
    ['JSON_VALID(`doc`)', true],
    ['json_valid(`doc`) or `doc` is null', false],
    ['json_valid(`doc`) = 1', false],
    ['(json_valid(`doc`) or 1) and 1', false],
    ['json_length(`doc`) > 0', false],
    ["`doc` <> 'json_valid(x)'", false],
    ['', false],
  ]
  for (const [clause, json] of examples) {
    it(`${JSON.stringify(clause)} → ${json ? 'JSON' : 'text'}`, () => assert.equal(isJsonCheck(clause), json))
  }
})

describe('MariaDB views: tracing columns to JSON sources', () => {
  const JSON_COLUMNS = new Set(['db.t.doc', 'db.t.meta'])
  const lookup: ColumnJsonLookup = (schema, table, column) => {
    if ((schema ?? 'db') !== 'db' || table !== 't') return 'unknown'
    return JSON_COLUMNS.has(`db.t.${column}`) ? 'json' : 'text'
  }
  const examples: [definition: string, kinds: string[] | undefined][] = [
    ['select `db`.`t`.`id` AS `id`,`db`.`t`.`doc` AS `doc` from `db`.`t`', ['text', 'json']],
    [
      'select `x`.`doc` AS `d`,`y`.`name` AS `n` from (`db`.`t` `x` join `db`.`t` `y` on(`x`.`id` = `y`.`id`))',
      ['json', 'text'],
    ],
    ['select distinct `t`.`doc` AS `p` from `db`.`t`', ['json']],
    ["select json_object('k',1) AS `o`,json_extract(`db`.`t`.`name`,'$.a') AS `e` from `db`.`t`", ['json', 'json']],
    ["select json_value(`db`.`t`.`doc`,'$.a') AS `v`,concat(`db`.`t`.`doc`) AS `c` from `db`.`t`", ['text', 'text']],
    [
      'select coalesce(`db`.`t`.`doc`,`db`.`t`.`meta`) AS `c`,`db`.`t`.`id` + 1 AS `n` from `db`.`t`',
      ['unknown', 'text'],
    ],
    ['select (select `db`.`t`.`doc` from `db`.`t` limit 1) AS `s` from `db`.`t`', ['json']],
    ['select `d`.`doc` AS `doc` from (select `db`.`t`.`doc` AS `doc` from `db`.`t`) `d`', ['json']],
    ['with c as (select `db`.`t`.`doc` AS `e` from `db`.`t`)select `c`.`e` AS `e` from `c`', ['json']],
    ['with c(z) as (select `db`.`t`.`doc` AS `e` from `db`.`t`)select `c`.`z` AS `z` from `c`', ['json']],
    ['select `db`.`t`.`doc` AS `d` from `db`.`t` union select `db`.`t`.`doc` AS `d` from `db`.`t`', ['json']],
    ['select `db`.`t`.`doc` AS `d` from `db`.`t` union all select `db`.`t`.`name` AS `d` from `db`.`t`', ['unknown']],
    ['select `other`.`t`.`doc` AS `d` from `other`.`t`', ['unknown']],
    ["select 'x' AS `x`,1 AS `one`", ['text', 'text']],
    ["select `jt`.`a` AS `a` from json_table('[]', '$[*]' columns (`a` int path '$')) `jt`", ['unknown']],
    ['select `db`.`t`.`doc` AS `d` from `db`.`t` where `db`.`t`.`id` > 1 order by `db`.`t`.`id`', ['json']],
    ['not a query', undefined],
  ]
  for (const [definition, kinds] of examples) {
    it(definition, () => assert.deepEqual(traceViewJson(definition, lookup), kinds))
  }
})

describe('information_schema rows → column model', () => {
  const row = (extra: Partial<MysqlColumnRow>): MysqlColumnRow => ({
    table_name: 't',
    name: 'c',
    data_type: 'varchar',
    column_type: 'varchar(10)',
    is_nullable: 'YES',
    column_default: null,
    extra: '',
    generation_expression: null,
    column_key: '',
    comment: '',
    ...extra,
  })

  it("reads MariaDB's defaults: 'NULL' is no default, literals come quoted", () => {
    assert.equal(defaultExpression(row({ column_default: 'NULL' }), 'mariadb'), undefined)
    assert.equal(defaultExpression(row({ column_default: "'NULL'" }), 'mariadb'), "'NULL'")
    assert.equal(defaultExpression(row({ column_default: "'hi'" }), 'mariadb'), "'hi'")
    assert.equal(defaultExpression(row({ column_default: 'current_timestamp()' }), 'mariadb'), 'current_timestamp()')
    assert.equal(defaultExpression(row({ column_default: null }), 'mariadb'), undefined)
  })

  it("reads MySQL's defaults: literals bare (quoted here for text), expressions marked DEFAULT_GENERATED", () => {
    assert.equal(defaultExpression(row({ column_default: 'NULL' }), 'mysql'), "'NULL'")
    assert.equal(defaultExpression(row({ column_default: "it's" }), 'mysql'), "'it''s'")
    assert.equal(defaultExpression(row({ data_type: 'int', column_default: '0' }), 'mysql'), '0')
    assert.equal(
      defaultExpression(
        row({ data_type: 'json', column_default: "_utf8mb4\\'{}\\'", extra: 'DEFAULT_GENERATED' }),
        'mysql',
      ),
      "_utf8mb4\\'{}\\'",
    )
    assert.equal(
      defaultExpression(row({ data_type: 'timestamp', column_default: 'CURRENT_TIMESTAMP' }), 'mysql'),
      'CURRENT_TIMESTAMP',
    )
  })

  it('reads generation from EXTRA: auto_increment, defaults, VIRTUAL/STORED GENERATED, DEFAULT_GENERATED', () => {
    const generation = (extra: Partial<MysqlColumnRow>, flavor: 'mysql' | 'mariadb' = 'mariadb') =>
      toColumn(row(extra), flavor, false, 'text').generation
    assert.equal(generation({ extra: 'auto_increment' }), 'default')
    assert.equal(generation({ column_default: "'x'" }), 'default')
    assert.equal(generation({ column_default: 'NULL' }), 'none')
    assert.equal(generation({ extra: 'VIRTUAL GENERATED', generation_expression: '`a` + 1' }), 'always')
    assert.equal(generation({ extra: 'STORED GENERATED' }), 'always')
    assert.equal(generation({ extra: 'PERSISTENT GENERATED' }), 'always')
    assert.equal(generation({ extra: 'DEFAULT_GENERATED', column_default: 'now()' }, 'mysql'), 'default')
    assert.equal(generation({ extra: 'DEFAULT_GENERATED' }, 'mysql'), 'default')
    assert.equal(generation({ extra: 'ROW START INVISIBLE' }), 'always')
    const computed = toColumn(
      row({ extra: 'STORED GENERATED', generation_expression: '`a` * 2' }),
      'mariadb',
      false,
      'text',
    )
    assert.deepEqual(computed.computed, { expression: '`a` * 2', storage: 'stored' })
  })

  it('keeps ON UPDATE and INVISIBLE as column options, and view columns nullable, plain and read-only', () => {
    const column = toColumn(
      row({ extra: 'DEFAULT_GENERATED on update CURRENT_TIMESTAMP INVISIBLE', column_default: 'CURRENT_TIMESTAMP' }),
      'mysql',
      false,
      'text',
    )
    assert.deepEqual(column.options, ['ON UPDATE CURRENT_TIMESTAMP', 'INVISIBLE'])
    const inView = toColumn(
      row({ is_nullable: 'NO', column_default: "'x'", extra: 'auto_increment' }),
      'mariadb',
      true,
      'json',
    )
    assert.equal(inView.nullable, true)
    assert.equal(inView.generation, 'none')
    assert.equal(inView.defaultExpression, undefined)
    assert.equal(inView.format, 'json')
  })

  it('marks JSON only on text and blob columns; a traced unknown becomes json-or-text', () => {
    assert.equal(toColumn(row({}), 'mariadb', false, 'json').format, 'json')
    assert.equal(toColumn(row({}), 'mariadb', true, 'unknown').format, 'json-or-text')
    assert.equal(
      toColumn(row({ data_type: 'int', column_type: 'int(11)' }), 'mariadb', true, 'unknown').format,
      undefined,
    )
    assert.equal('format' in toColumn(row({}), 'mariadb', false, 'text'), false, 'no key at all, so fingerprints stay')
  })
})

describe('the bigNumbers option in the emitted file', () => {
  it("changes the fingerprint and header only when 'string', so files made before it stay current", async () => {
    const model = schemaModel('mysql', [
      tableModel({ name: 't', columns: [columnModel({ name: 'n', declaredType: 'bigint(20)', nullable: false })] }),
    ])
    const base: EmitOptions = { ...DEFAULT_MAP_OPTIONS, camelCase: false }
    const emit = (options: EmitOptions) => emitTypes(model, mysqlTypeMapper, { skill: 's' }, options)
    const [none, number, string] = await Promise.all([
      emit(base),
      emit({ ...base, bigNumbers: 'number' }),
      emit({ ...base, bigNumbers: 'string' }),
    ])
    assert.equal(number.text, none.text)
    assert.notEqual(string.fingerprint, none.fingerprint)
    assert.match(string.text, /Options: \{ bigNumbers: 'string' \}/)
    assert.match(string.text, /^  n: Int8;$/m)
    assert.match(none.text, /^  n: number;$/m)
  })
})

describe('MySQL types are laid out as Prettier prints them', () => {
  it('leaves nothing for Prettier to change: enum unions of every length, in tables and views, wrapped or not', async () => {
    const columns: ColumnModel[] = []
    for (let count = 1; count <= 12; count++) {
      for (const width of [1, 5, 9, 20, 70]) {
        const values = Array.from({ length: count }, (_, i) => `${'v'.repeat(width)}${i}`)
        const declaredType = `enum(${values.map((v) => `'${v}'`).join(',')})`
        for (const nullable of [false, true]) {
          for (const generation of ['none', 'default', 'always'] as const) {
            columns.push(
              columnModel({
                name: `c_${count}_${width}_${nullable ? 'n' : 'x'}_${generation}`,
                declaredType,
                nullable,
                generation,
                defaultExpression: generation === 'default' ? `'${values[0]}'` : undefined,
              }),
            )
          }
        }
      }
    }
    for (let length = 1; length <= 78; length += 7) {
      columns.push(
        columnModel({ name: `k${'x'.repeat(length)}`, declaredType: "enum('a','b','it''s')", nullable: true }),
      )
      columns.push(columnModel({ name: `d${'x'.repeat(length)}`, declaredType: 'decimal(5,2)', nullable: true }))
      columns.push(
        columnModel({ name: `t${'x'.repeat(length)}`, declaredType: 'datetime', defaultExpression: 'now()' }),
      )
    }
    const tables = [tableModel({ name: 'wide', columns }), tableModel({ name: 'wide_view', columns, kind: 'view' })]
    for (const bigNumbers of ['number', 'string'] as const) {
      const options: EmitOptions = { ...DEFAULT_MAP_OPTIONS, camelCase: false, bigNumbers }
      const { text } = await emitTypes(schemaModel('mysql', tables), mysqlTypeMapper, { wholeDatabase: true }, options)
      const formatted = await prettierFormat(text)
      if (formatted !== text) assert.equal(text, formatted, 'Prettier reformats the output')
    }
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_MAP_OPTIONS, type MapOptions } from '../../codegen/mapper.js'
import { sqliteAffinity, sqliteTypeMapper } from '../../codegen/dialects/sqlite/sqlite-type-map.js'
import { type ColumnModel, type TableModel, columnModel, tableModel } from '../../codegen/model.js'
import { printType } from '../../codegen/type-expr.js'

describe('sqliteAffinity (SQLite rules 1-5, in order, by substring)', () => {
  const examples: [declared: string, affinity: string][] = [
    ['INTEGER', 'INTEGER'],
    ['INT', 'INTEGER'],
    ['BIGINT', 'INTEGER'],
    ['unsigned big int', 'INTEGER'],
    ['INT8', 'INTEGER'],
    ['FLOATING POINT', 'INTEGER'], // "INT" in "POINT", rule 1 wins
    ['CHARINT', 'INTEGER'], // rule 1 before rule 2
    ['TEXT', 'TEXT'],
    ['VARCHAR(255)', 'TEXT'],
    ['NATIVE CHARACTER(70)', 'TEXT'],
    ['clob', 'TEXT'],
    ['BLOB', 'BLOB'],
    ['', 'BLOB'],
    ['  ', 'BLOB'],
    ['REAL', 'REAL'],
    ['DOUBLE PRECISION', 'REAL'],
    ['FLOAT', 'REAL'],
    ['NUMERIC', 'NUMERIC'],
    ['DECIMAL(10,5)', 'NUMERIC'],
    ['BOOLEAN', 'NUMERIC'],
    ['DATETIME', 'NUMERIC'],
    ['JSON', 'NUMERIC'],
    ['STRING', 'NUMERIC'], // a common mistake: not TEXT
    ['ANY', 'NUMERIC'],
  ]
  for (const [declared, affinity] of examples) {
    it(`${JSON.stringify(declared)} → ${affinity}`, () => assert.equal(sqliteAffinity(declared), affinity))
  }
})

describe('sqliteTypeMapper.mapColumn', () => {
  const TABLE = tableModel({ name: 't', columns: [] })
  const STRICT = tableModel({ name: 's', columns: [], options: ['STRICT'] })
  const VIEW = tableModel({ name: 'v', columns: [], kind: 'view' })
  const FTS = tableModel({ name: 'docs', columns: [], kind: 'virtual-table', module: 'fts5' })

  function map(column: Partial<ColumnModel>, table: TableModel = TABLE, options: MapOptions = DEFAULT_MAP_OPTIONS) {
    const mapped = sqliteTypeMapper.mapColumn(columnModel({ name: 'c', ...column }), table, options)
    return { type: printType(mapped.type), doc: mapped.docs.join('\n') }
  }

  const examples: [what: string, column: Partial<ColumnModel>, table: TableModel, type: string][] = [
    ['INTEGER NOT NULL', { declaredType: 'INTEGER', nullable: false }, TABLE, 'number'],
    ['INT nullable', { declaredType: 'INT' }, TABLE, 'number | null'],
    ['BIGINT', { declaredType: 'BIGINT', nullable: false }, TABLE, 'number'],
    ['TEXT', { declaredType: 'TEXT' }, TABLE, 'string | null'],
    ['VARCHAR(255) NOT NULL', { declaredType: 'VARCHAR(255)', nullable: false }, TABLE, 'string'],
    ['CLOB', { declaredType: 'CLOB', nullable: false }, TABLE, 'string'],
    ['REAL', { declaredType: 'REAL', nullable: false }, TABLE, 'number'],
    ['DOUBLE', { declaredType: 'DOUBLE', nullable: false }, TABLE, 'number'],
    ['FLOAT', { declaredType: 'FLOAT', nullable: false }, TABLE, 'number'],
    ['NUMERIC', { declaredType: 'NUMERIC', nullable: false }, TABLE, 'number'],
    ['DECIMAL(10,2)', { declaredType: 'DECIMAL(10,2)', nullable: false }, TABLE, 'number'],
    ['BOOLEAN', { declaredType: 'BOOLEAN', nullable: false }, TABLE, 'number'],
    ['BOOL', { declaredType: 'BOOL' }, TABLE, 'number | null'],
    ['DATE', { declaredType: 'DATE', nullable: false }, TABLE, 'string'],
    ['DATETIME', { declaredType: 'DATETIME' }, TABLE, 'string | null'],
    ['TIMESTAMP', { declaredType: 'TIMESTAMP', nullable: false }, TABLE, 'string'],
    ['JSON (a numeric document reads back as a number)', { declaredType: 'JSON' }, TABLE, 'string | number | null'],
    ['BLOB', { declaredType: 'BLOB', nullable: false }, TABLE, 'Buffer'],
    ['no declared type', { declaredType: '' }, TABLE, 'unknown'],
    ['no declared type, NOT NULL', { declaredType: '', nullable: false }, TABLE, 'unknown'],
    [
      'STRING (NUMERIC affinity: text, or a number when it reads as one)',
      { declaredType: 'STRING', nullable: false },
      TABLE,
      'string | number',
    ],
    ['FLOATING POINT (INTEGER affinity)', { declaredType: 'FLOATING POINT', nullable: false }, TABLE, 'number'],
    ['STRICT ANY', { declaredType: 'ANY' }, STRICT, 'unknown'],
    ['ANY outside STRICT (NUMERIC affinity)', { declaredType: 'ANY', nullable: false }, TABLE, 'string | number'],
    [
      'INTEGER PRIMARY KEY (rowid alias, not null)',
      { declaredType: 'INTEGER', nullable: false, primaryKey: true, autoIncrement: 'rowid-alias' },
      TABLE,
      'Generated<number>',
    ],
    [
      'AUTOINCREMENT',
      { declaredType: 'INTEGER', nullable: false, autoIncrement: 'autoincrement' },
      TABLE,
      'Generated<number>',
    ],
    [
      'DEFAULT, NOT NULL',
      { declaredType: 'TEXT', nullable: false, defaultExpression: "'x'" },
      TABLE,
      'Generated<string>',
    ],
    ['DEFAULT, nullable', { declaredType: 'TEXT', defaultExpression: 'NULL' }, TABLE, 'Generated<string | null>'],
    [
      'generated column',
      { declaredType: 'INT', generation: 'always', computed: { expression: 'a * 2', storage: 'stored' } },
      TABLE,
      'GeneratedAlways<number | null>',
    ],
    ['view column', { declaredType: 'TEXT', nullable: false }, VIEW, 'ColumnType<string | null, never, never>'],
    ['view column without type', { declaredType: '' }, VIEW, 'ColumnType<unknown, never, never>'],
    ['FTS5 column', { declaredType: '' }, FTS, 'string | null'],
  ]
  for (const [what, column, table, type] of examples) {
    it(`${what} → ${type}`, () => assert.equal(map(column, table).type, type))
  }

  it('types booleans as boolean on request, and says a plugin must convert', () => {
    const { type, doc } = map({ declaredType: 'BOOLEAN', nullable: false, defaultExpression: '0' }, TABLE, {
      ...DEFAULT_MAP_OPTIONS,
      booleans: 'boolean',
    })
    assert.equal(type, 'Generated<boolean>')
    assert.match(doc, /plugin/)
  })

  it('types JSON as Json on request (parsed on select, text on insert), and as its select type in views', () => {
    const options: MapOptions = { ...DEFAULT_MAP_OPTIONS, json: 'json' }
    assert.equal(map({ declaredType: 'JSON' }, TABLE, options).type, 'Json | null')
    assert.equal(map({ declaredType: 'JSON' }, VIEW, options).type, 'ColumnType<JsonValue | null, never, never>')
    assert.equal(map({ declaredType: 'TEXT' }, TABLE, options).type, 'string | null', 'only JSON columns')
  })

  it('documents notable facts: declared type, default, generated expression, rowid alias, affinity surprises', () => {
    assert.equal(
      map({ declaredType: 'INTEGER', nullable: false, autoIncrement: 'rowid-alias' }).doc,
      'INTEGER PRIMARY KEY (rowid alias)',
    )
    assert.equal(
      map({ declaredType: 'TEXT', nullable: false, defaultExpression: 'CURRENT_TIMESTAMP' }).doc,
      "DEFAULT CURRENT_TIMESTAMP ('YYYY-MM-DD HH:MM:SS', UTC)",
    )
    assert.equal(
      map({ declaredType: 'TEXT', generation: 'always', computed: { expression: "a || 'x'", storage: 'virtual' } }).doc,
      "GENERATED ALWAYS AS (a || 'x') VIRTUAL",
    )
    assert.equal(map({ declaredType: 'VARCHAR(255)' }).doc, 'VARCHAR(255)')
    assert.equal(map({ declaredType: 'TEXT' }).doc, '', 'plain types need no doc')
    assert.match(map({ declaredType: 'STRING' }).doc, /^STRING: NUMERIC affinity.*declare TEXT/)
    assert.match(map({ declaredType: 'FLOATING POINT' }).doc, /^FLOATING POINT: INTEGER affinity/)
    assert.match(map({ declaredType: 'BOOLEAN', defaultExpression: '0' }).doc, /^BOOLEAN DEFAULT 0: stored as 0\/1/)
    assert.match(map({ declaredType: 'JSON' }).doc, /'123' is read back as a number/)
    assert.equal(map({ declaredType: 'BIGINT' }).doc, 'BIGINT', 'an integer name is no surprise')
  })
})

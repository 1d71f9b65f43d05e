import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mysqlCodegen } from '../../codegen/dialects/mysql/mysql-codegen.js'
import { codegenDialectFor } from '../../codegen/dialects/registry.js'
import type { ColumnModel, SchemaModel, TableModel } from '../../codegen/model.js'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'
import { FIXTURE_OWNERS, loadFixture } from './codegen-fixture.js'
import { scratchDatabase } from './scratch-database.js'

function table(model: SchemaModel, name: string): TableModel {
  const found = model.tables.find((candidate) => candidate.name === name)
  assert.ok(found, `table ${name} is in the model`)
  return found
}

function column(relation: TableModel, name: string): ColumnModel {
  const found = relation.columns.find((candidate) => candidate.name === name)
  assert.ok(found, `column ${relation.name}.${name} is in the model`)
  return found
}

describe('MySQL/MariaDB introspection (information_schema)', () => {
  it('is what the registry gives MySQL sessions', async () => {
    assert.equal(await codegenDialectFor('mysql'), mysqlCodegen)
  })

  it('reads the fixture: tables and views sorted, owners, the toolkit tables and sequences left out', async () => {
    const { model } = await loadFixture('cg_intro')
    assert.equal(model.dialect, 'mysql')
    assert.deepEqual(
      model.tables.map((relation) => [relation.name, relation.kind, relation.owner?.skill]),
      [
        ['AuditLog', 'table', undefined],
        ['active_users', 'view', 'core'],
        ['events', 'table', 'core'],
        ['invoices', 'table', 'billing'],
        ['price_history', 'table', 'core'],
        ['user_summaries', 'view', 'core'],
        ['users', 'table', 'core'],
      ],
    )
    assert.deepEqual(model.problems, [])
    assert.deepEqual(table(model, 'price_history').options, ['WITH SYSTEM VERSIONING'])
    assert.equal(table(model, 'users').comment, 'People who sign in.')
    assert.equal(table(model, 'active_users').comment, undefined, "a view's TABLE_COMMENT ('VIEW') is no comment")
  })

  it('reads columns in declaration order, with COLUMN_TYPE, EXTRA and the MariaDB quirks', async () => {
    const { model } = await loadFixture('cg_columns')
    const users = table(model, 'users')
    assert.deepEqual(
      users.columns.slice(0, 5).map((c) => c.name),
      ['id', 'email', 'display_name', 'is_admin', 'verified'],
    )
    assert.equal(users.columns.length, 46)

    const id = column(users, 'id')
    assert.deepEqual(
      [id.declaredType, id.primaryKey, id.nullable, id.autoIncrement, id.generation],
      ['int(10) unsigned', true, false, 'autoincrement', 'default'],
    )
    const displayName = column(users, 'display_name')
    assert.deepEqual(
      [displayName.nullable, displayName.defaultExpression, displayName.generation],
      [true, undefined, 'none'],
      "MariaDB's COLUMN_DEFAULT 'NULL' of a nullable column is no default",
    )
    assert.equal(column(users, 'email').comment, 'Login name, unique.')
    assert.equal(column(users, 'is_admin').declaredType, 'tinyint(1)')
    assert.equal(column(users, 'balance').defaultExpression, '0.00')
    assert.equal(column(users, 'shard').defaultExpression, '(1 + 1)')
    assert.equal(column(users, 'created_at').defaultExpression, 'current_timestamp()')
    assert.deepEqual(column(users, 'updated_at').options, ['ON UPDATE current_timestamp()'])
    assert.deepEqual(column(users, 'secret_note').options, ['INVISIBLE'])
    assert.deepEqual(column(users, 'status').enumValues, ['active', 'suspended', "it's complicated"])
    assert.deepEqual(column(users, 'email_domain').computed, {
      expression: "substring_index(`email`,'@',-1)",
      storage: 'virtual',
    })
    assert.equal(column(users, 'email_domain').generation, 'always')
    assert.equal(column(users, 'name_length').computed?.storage, 'stored')

    // JSON: the JSON type, and LONGTEXT with a json_valid CHECK; not a JSON whose own CHECK replaced it.
    assert.deepEqual(
      ['settings', 'profile', 'tags', 'journal'].map((name) => column(users, name).format),
      ['json', 'json', 'json', undefined],
    )
    const events = table(model, 'events')
    assert.deepEqual([column(events, 'payload').format, column(events, 'raw_payload').format], ['json', undefined])
    const summaries = table(model, 'user_summaries')
    assert.deepEqual(
      summaries.columns.map((c) => [c.name, c.format, c.nullable, c.generation]),
      [
        ['id', undefined, true, 'none'],
        ['summary', 'json', true, 'none'],
        ['theme', undefined, true, 'none'],
        ['either_doc', 'json-or-text', true, 'none'],
        ['event_count', undefined, true, 'none'],
        ['doubled', undefined, true, 'none'],
      ],
    )
    assert.deepEqual(
      table(model, 'active_users').columns.map((c) => [c.name, c.format]),
      [
        ['id', undefined],
        ['email', undefined],
        ['is_admin', undefined],
        ['balance', undefined],
        ['created_at', undefined],
        ['status', undefined],
        ['settings', 'json'],
        ['profile', 'json'],
      ],
    )
  })

  it('compares names exactly (lower_case_table_names = 0): Notes and notes are two tables, _Migrations is not ours', async () => {
    const scratch = await scratchDatabase('cg_case')
    await scratch.run(`
      CREATE TABLE \`Notes\` (a INT);
      CREATE TABLE \`notes\` (b INT);
      CREATE TABLE \`_Migrations\` (c INT);
      CREATE TABLE \`_migrations\` (d INT);`)
    const db = await scratch.kysely()
    const owners = { get: (name: string) => (name === 'Notes' ? { skill: 'upper', version: 1 } : undefined) }
    const model = await mysqlCodegen.introspect(db, owners, RESERVED_TABLES)
    assert.deepEqual(
      model.tables.map((relation) => [relation.name, relation.owner?.skill, relation.columns[0]?.name]),
      [
        ['Notes', 'upper', 'a'],
        ['_Migrations', undefined, 'c'],
        ['notes', undefined, 'b'],
      ],
    )
  })

  it("leaves out a view the server cannot read, with the server's reason, and reads the rest", async () => {
    const scratch = await scratchDatabase('cg_broken')
    await scratch.run(`
      CREATE TABLE t (a INT, b INT);
      CREATE VIEW good AS SELECT b FROM t;
      CREATE VIEW broken AS SELECT a FROM t;
      ALTER TABLE t DROP COLUMN a;`)
    const db = await scratch.kysely()
    const model = await mysqlCodegen.introspect(db, FIXTURE_OWNERS, RESERVED_TABLES)
    assert.deepEqual(
      model.tables.map((relation) => relation.name),
      ['good', 't'],
    )
    assert.equal(model.problems.length, 1)
    assert.equal(model.problems[0]?.relation, 'broken')
    assert.equal(model.problems[0]?.owner, 'core')
    assert.match(model.problems[0]?.reason ?? '', /^view "broken" is left out: View '.*broken' references invalid/)
  })

  it('reads an empty database as no tables', async () => {
    const scratch = await scratchDatabase('cg_empty')
    const model = await mysqlCodegen.introspect(await scratch.kysely(), FIXTURE_OWNERS, RESERVED_TABLES)
    assert.deepEqual([model.tables, model.problems], [[], []])
  })
})

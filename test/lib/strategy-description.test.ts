/**
 * How the plan describes a migration's run, from the engine's strategy and the dialect's
 * analysis of the file: every case, with each engine's real analysis. Pure: no server needed.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MigrationDialect } from '../../lib/dialects/dialect.js'
import { mysqlDialect } from '../../lib/dialects/mysql/mysql-dialect.js'
import { postgresDialect } from '../../lib/dialects/postgres/postgres-dialect.js'
import { sqliteDialect } from '../../lib/dialects/sqlite/sqlite-dialect.js'
import { describeStrategy } from '../../lib/runner/strategy-description.js'
import { hasNoTransactionMarker } from '../../lib/files/directives.js'

function describeFile(dialect: MigrationDialect, text: string): string {
  const statements = dialect.split(text).statements
  const noTransaction = hasNoTransactionMarker(text)
  const analysis = dialect.analyze(statements, { noTransaction, reservedTables: ['_migrations'] })
  const how = describeStrategy(dialect.capabilities, analysis, noTransaction)
  return `${how.strategy}: ${how.description}`
}

test('SQLite: a savepoint of the run, foreign keys off alone, or outside a transaction as asked', () => {
  assert.match(describeFile(sqliteDialect, 'CREATE TABLE a (x);'), /^transactional-batch: atomic: in a savepoint/)
  assert.match(
    describeFile(sqliteDialect, 'PRAGMA foreign_keys = OFF;\nCREATE TABLE b (x);\nPRAGMA foreign_keys = ON;'),
    /^transactional-batch: atomic: in a transaction of its own, foreign keys switched off/,
  )
  assert.equal(
    describeFile(sqliteDialect, '-- glorious:no-transaction\nVACUUM;'),
    'transactional-batch: not atomic: statement by statement outside a transaction, as the file asks (-- glorious:no-transaction)',
  )
})

test('PostgreSQL: a transaction of its own, or outside one automatically or as asked', () => {
  assert.match(
    describeFile(postgresDialect, 'ALTER TABLE a ADD COLUMN x int;'),
    /^per-migration-transaction: atomic: in a transaction of its own .* its locks are held until it commits$/,
  )
  assert.match(
    describeFile(postgresDialect, 'CREATE INDEX CONCURRENTLY i ON a (x);'),
    /^per-migration-transaction: not atomic: .* chosen automatically .*; each lock is held until its statement ends$/,
  )
  assert.match(
    describeFile(postgresDialect, '-- glorious:no-transaction\nALTER TABLE a ADD COLUMN x int;'),
    /^per-migration-transaction: not atomic: .* as the file asks/,
  )
})

test('MySQL: atomic when only DML, else statement by statement with progress, counting implicit commits', () => {
  assert.match(
    describeFile(mysqlDialect, 'INSERT INTO a VALUES (1);\nUPDATE a SET x = 2;'),
    /^statement-progress: atomic: only statements that do not commit implicitly \(DML\)/,
  )
  assert.match(
    describeFile(mysqlDialect, 'CREATE TABLE a (x INT);\nCREATE TABLE b (x INT);\nINSERT INTO a VALUES (1);'),
    /^statement-progress: not atomic: statement by statement with its progress recorded after each, because 2 of its 3 statements commit implicitly/,
  )
})

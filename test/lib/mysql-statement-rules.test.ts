/**
 * Unit tests of the MySQL/MariaDB statement rules (`analyzeMysqlMigration`) and object changes
 * (`mysqlObjectChanges`), pure. Which statements commit implicitly was measured on this machine's
 * MariaDB 10.11 (a row inserted in a transaction survives a ROLLBACK after the statement) where
 * the manuals differ; see the comments in mysql-statement-rules.ts.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { splitMysqlStatements } from '../../lib/dialects/mysql/mysql-splitter.js'
import { analyzeMysqlMigration } from '../../lib/dialects/mysql/mysql-statement-rules.js'
import { mysqlObjectChanges } from '../../lib/dialects/mysql/mysql-object-changes.js'

const RESERVED = ['_migrations', '_migration_objects']
const analyze = (text: string, noTransaction = false) =>
  analyzeMysqlMigration(splitMysqlStatements(text).statements, { noTransaction, reservedTables: RESERVED })
const commits = (sql: string): boolean => analyze(sql).statements[0]!.commitsImplicitly
const changes = (text: string, database?: string) =>
  mysqlObjectChanges(splitMysqlStatements(text).statements, database === undefined ? {} : { database })

describe('implicit commits decide the mode', () => {
  test('only DML: one transaction', () => {
    const analysis = analyze(
      "INSERT INTO t VALUES (1); UPDATE t SET a = 2; DELETE FROM t; SELECT 1; DO 1; SET @x = 'a';",
    )
    assert.equal(analysis.mode, 'transaction')
    assert.deepEqual(analysis.problems, [])
    assert.ok(analysis.statements.every((s) => !s.commitsImplicitly))
  })

  test('one DDL statement: statement by statement with progress', () => {
    const analysis = analyze('INSERT INTO t VALUES (1);\nCREATE TABLE u (a INT);')
    assert.equal(analysis.mode, 'statement-progress')
    assert.deepEqual(
      analysis.statements.map((s) => [s.commitsImplicitly, s.commitReason]),
      [
        [false, undefined],
        [true, 'DDL (CREATE TABLE)'],
      ],
    )
  })

  test('the opt-in marker wins', () => {
    assert.equal(analyze('CREATE TABLE u (a INT);', true).mode, 'no-transaction')
  })

  test('statements that commit', () => {
    for (const sql of [
      'CREATE TABLE t (a INT)',
      'CREATE OR REPLACE VIEW v AS SELECT 1',
      'CREATE INDEX i ON t (a)',
      'CREATE PROCEDURE p() SELECT 1',
      'CREATE DATABASE d',
      'CREATE USER u',
      'CREATE SEQUENCE s',
      'DROP TABLE t',
      'DROP VIEW v',
      'ALTER TABLE t ADD b INT',
      'ALTER TABLE tmp ADD b INT', // even on a temporary table (both manuals; measured)
      'RENAME TABLE a TO b',
      'TRUNCATE TABLE t',
      'GRANT SELECT ON d.* TO u',
      'REVOKE SELECT ON d.* FROM u',
      "SET PASSWORD FOR u = PASSWORD('x')",
      'LOCK TABLES t READ',
      'UNLOCK TABLES',
      'ANALYZE TABLE t',
      'CHECK TABLE t',
      'OPTIMIZE TABLE t',
      'REPAIR TABLE t',
      'CACHE INDEX t IN c',
      'LOAD INDEX INTO CACHE t',
      'FLUSH TABLES',
      'RESET QUERY CACHE',
      'START SLAVE',
      'STOP SLAVE',
      'CALL p()', // may: the procedure's statements are not visible
      'EXECUTE s',
      'BEGIN NOT ATOMIC SELECT 1; END',
      'BACKUP STAGE START', // not known to keep the transaction open
    ]) {
      assert.equal(commits(sql), true, sql)
    }
  })

  test('statements that keep the transaction open', () => {
    for (const sql of [
      'CREATE TEMPORARY TABLE t (a INT)',
      'CREATE OR REPLACE TEMPORARY TABLE t (a INT)',
      'DROP TEMPORARY TABLE t',
      'ANALYZE SELECT 1',
      "LOAD DATA INFILE 'x' INTO TABLE t",
      'CHECKSUM TABLE t',
      'SET NAMES utf8mb4',
      'SET foreign_key_checks = 0',
      'SET ROLE NONE',
      'PREPARE s FROM "SELECT 1"',
      'SAVEPOINT a',
      'ROLLBACK TO SAVEPOINT a',
      'RELEASE SAVEPOINT a',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'REPLACE INTO t VALUES (1)',
      '/*!40101 SET @x = 1 */',
    ]) {
      assert.equal(commits(sql), false, sql)
    }
  })
})

describe('refused statements', () => {
  test('transaction control, in every mode', () => {
    for (const [sql, named] of [
      ['BEGIN', 'BEGIN'],
      ['BEGIN WORK', 'BEGIN'],
      ['START TRANSACTION', 'START TRANSACTION'],
      ['COMMIT', 'COMMIT'],
      ['ROLLBACK', 'ROLLBACK'],
      ['ROLLBACK WORK', 'ROLLBACK'],
      ['SET autocommit = 0', 'SET autocommit'],
      ['SET @@session.autocommit = 1', 'SET autocommit'],
      ['SET SESSION autocommit = 1', 'SET autocommit'],
      ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'SET TRANSACTION'],
      ["XA START 'x'", 'XA'],
    ] as const) {
      for (const noTransaction of [false, true]) {
        const problems = analyze(sql, noTransaction).problems
        assert.equal(problems.length, 1, sql)
        assert.equal(problems[0]!.reason, `(${named}) controls the transaction itself`)
        assert.match(problems[0]!.hint, /^remove it/)
      }
    }
    // A user variable named autocommit, and ROLLBACK TO, are fine.
    assert.deepEqual(analyze('SET @autocommit = 1; ROLLBACK TO a; ROLLBACK WORK TO SAVEPOINT a').problems, [])
  })

  test('USE switches the database: refused with a hint', () => {
    const [problem] = analyze('USE other;').problems
    assert.equal(problem?.reason, '(USE) switches to another database')
    assert.match(problem!.hint, /runs in the database it is applied to/)
  })

  test("the toolkit's tables, however they are written", () => {
    for (const sql of [
      'SELECT * FROM _migrations',
      'DELETE FROM `_migrations`',
      'DROP TABLE db._migrations',
      'DROP TABLE `db`.`_migration_objects`',
      'SELECT * FROM "_migrations"', // ANSI_QUOTES
      'SELECT * FROM _Migrations', // case-insensitive on Windows and macOS
      '/*!40000 ALTER TABLE _migrations DISABLE KEYS */',
    ]) {
      const problems = analyze(sql).problems
      assert.equal(problems.length, 1, sql)
      assert.match(problems[0]!.reason, /the toolkit's own bookkeeping table/)
    }
    assert.deepEqual(
      analyze("SELECT '_migrations' FROM my_migrations; CREATE TABLE _migrations_2 (a INT)").problems,
      [],
    )
  })
})

test('session settings a migration changes are listed, to be put back', () => {
  assert.deepEqual(
    [
      ...analyze(
        "SET foreign_key_checks = 0, @@session.sql_mode = '', @x = 1, GLOBAL max_connections = 10; SET NAMES utf8mb4; SET SESSION time_zone = '+00:00';",
      ).connectionSettings,
    ],
    [
      'foreign_key_checks',
      'sql_mode',
      'character_set_client',
      'character_set_connection',
      'character_set_results',
      'collation_connection',
      'time_zone',
    ],
  )
  // CALL, EXECUTE and compound statements may set any of them unseen.
  for (const sql of [
    'CALL p()',
    'EXECUTE s',
    'BEGIN NOT ATOMIC SET foreign_key_checks = 0; END',
    'l: LOOP LEAVE l; END LOOP l',
  ]) {
    const settings = analyze(sql).connectionSettings
    assert.ok(settings.includes('foreign_key_checks') && settings.includes('sql_mode'), sql)
  }
  assert.deepEqual([...analyze('INSERT INTO t VALUES (1)').connectionSettings], [])
})

test('statements that only set the session are marked, to be run again when a migration resumes', () => {
  const marks = analyze(
    "SET foreign_key_checks = 0; SET @x = 1; /*!40101 SET NAMES utf8mb4 */; SET GLOBAL max_connections = 10; SET STATEMENT max_statement_time = 1 FOR SELECT 1; SET PASSWORD = PASSWORD('x'); SET ROLE r; CREATE TABLE t (a INT); SELECT 1;",
  ).statements.map((statement) => statement.sessionOnly)
  assert.deepEqual(marks, [true, true, true, false, false, false, true, false, false])
})

describe('object changes', () => {
  test('tables and views created, dropped and renamed', () => {
    assert.deepEqual(
      changes(
        'CREATE TABLE IF NOT EXISTS a (x INT);\n' +
          'CREATE OR REPLACE ALGORITHM = MERGE DEFINER = `u`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1;\n' +
          'CREATE TABLE b LIKE a;\nCREATE TABLE c AS SELECT 1;\n' +
          'DROP TABLE IF EXISTS x, `y`;\nDROP VIEW v;\n' +
          'RENAME TABLE a TO a2, b TO b2;\n' +
          'ALTER TABLE c ADD d INT, RENAME TO c2;\nALTER TABLE c2 RENAME COLUMN d TO e;\nALTER TABLE b2 RENAME AS b3;\n' +
          'CREATE TEMPORARY TABLE t (a INT);\nDROP TEMPORARY TABLE t;\nCREATE INDEX i ON a2 (x);\nINSERT INTO a2 VALUES (1);',
      ),
      [
        { kind: 'create', name: 'a', type: 'table', ifNotExists: true },
        { kind: 'create', name: 'v', type: 'view', ifNotExists: false },
        { kind: 'create', name: 'b', type: 'table', ifNotExists: false },
        { kind: 'create', name: 'c', type: 'table', ifNotExists: false },
        { kind: 'drop', name: 'x' },
        { kind: 'drop', name: 'y' },
        { kind: 'drop', name: 'v' },
        { kind: 'rename', from: 'a', to: 'a2' },
        { kind: 'rename', from: 'b', to: 'b2' },
        { kind: 'rename', from: 'c', to: 'c2' },
        { kind: 'rename', from: 'b2', to: 'b3' },
      ],
    )
  })

  test('qualified names need the database; other databases are left out', () => {
    assert.equal(changes('CREATE TABLE app.t (a INT)'), undefined)
    assert.deepEqual(changes('CREATE TABLE app.t (a INT); DROP TABLE other.u', 'app'), [
      { kind: 'create', name: 't', type: 'table', ifNotExists: false },
    ])
  })

  test('statements whose effect is not in their text make the changes unreadable', () => {
    for (const sql of [
      'CALL p()',
      'EXECUTE s',
      'BEGIN NOT ATOMIC CREATE TABLE t (a INT); END',
      'CREATE SEQUENCE s',
      'DROP DATABASE d',
    ])
      assert.equal(changes(`CREATE TABLE a (x INT); ${sql}`), undefined, sql)
  })
})

test("RELEASE_ALL_LOCKS() and RELEASE_LOCK of the toolkit's lock are refused; other locks are not", () => {
  for (const sql of [
    'DO RELEASE_ALL_LOCKS()',
    'SELECT release_all_locks()',
    "DO RELEASE_LOCK('glorious-migrate:db')",
    "SELECT Release_Lock('GLORIOUS-MIGRATE:x')",
    'CREATE PROCEDURE p() DO RELEASE_ALL_LOCKS()',
  ]) {
    const problems = analyze(sql).problems
    assert.equal(problems.length, 1, sql)
    assert.match(problems[0]!.reason, /releases the toolkit's migration lock/, sql)
  }
  for (const sql of ["DO RELEASE_LOCK('mine')", "SELECT 'RELEASE_ALL_LOCKS()'", "DO GET_LOCK('glorious-migrate:x', 0)"])
    assert.deepEqual(analyze(sql).problems, [], sql)
})

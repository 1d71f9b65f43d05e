/**
 * Which MySQL statements cannot reach the toolkit's tables whatever names they use (after a
 * migration of those alone, the guard does not read the toolkit's tables again): DDL that runs no
 * code and acts only on what it names. Anything that may run code (a query, DML, CALL, EXECUTE),
 * may act on objects it does not name (DROP TRIGGER), carries a DEFINER or an executable comment,
 * or names a toolkit table in any spelling, is guarded.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { cannotReachReservedTables } from '../../lib/dialects/mysql/mysql-dialect.js'
import { splitMysqlStatements } from '../../lib/dialects/mysql/mysql-splitter.js'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'

function inert(text: string): boolean {
  const { statements } = splitMysqlStatements(text)
  assert.equal(statements.length, 1, text)
  return cannotReachReservedTables(statements[0]!, RESERVED_TABLES)
}

describe('MySQL statements that cannot reach the toolkit tables', () => {
  test('DDL that runs nothing and acts on what it names', () => {
    for (const text of [
      "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10) DEFAULT 'x;y', CHECK (id > 0))",
      'CREATE TABLE IF NOT EXISTS db.t (a INT, b INT AS (a + 1), FOREIGN KEY (a) REFERENCES p (id))',
      'CREATE OR REPLACE TEMPORARY TABLE t (a INT)',
      'CREATE TABLE t LIKE u',
      'CREATE INDEX i ON t (a)',
      'CREATE UNIQUE INDEX i ON t (a)',
      'CREATE OR REPLACE INDEX i ON t (a)',
      "ALTER TABLE t ADD COLUMN c VARCHAR(40) DEFAULT 'x', ALGORITHM=INPLACE",
      'ALTER ONLINE IGNORE TABLE t ADD UNIQUE (c)',
      'ALTER TABLE t RENAME TO u',
      'CREATE VIEW v AS SELECT a, f(a) FROM t',
      'CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW v AS SELECT 1',
      "CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.a < 0 THEN SIGNAL SQLSTATE '45000'; END IF; END",
    ]) {
      assert.equal(inert(text), true, text)
    }
  })

  test('anything that may run code, act on what it does not name, or names a toolkit table', () => {
    for (const text of [
      // A query runs the functions it calls, which may write any table.
      'CREATE TABLE t AS SELECT evil() AS e',
      'CREATE TABLE t (a INT) SELECT evil() AS a',
      'CREATE TABLE t (a INT) IGNORE SELECT 1',
      'CREATE TABLE t TABLE u',
      'CREATE TABLE t AS VALUES (1)',
      // DML, code, dynamic SQL, settings.
      'INSERT INTO t VALUES (1)',
      'UPDATE t SET a = 1',
      'CALL p()',
      'EXECUTE s',
      'SET @a = evil()',
      'DO evil()',
      // Acts on what it does not name, or on more than one table.
      'DROP TRIGGER g',
      'DROP TABLE t',
      'RENAME TABLE a TO b',
      'TRUNCATE TABLE t',
      'CREATE PROCEDURE p() UPDATE t SET a = 1',
      'CREATE EVENT e ON SCHEDULE EVERY 1 SECOND DO DELETE FROM t',
      'CREATE DATABASE d',
      // Definers and executable comments.
      'CREATE DEFINER = CURRENT_USER TRIGGER g BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1',
      "CREATE DEFINER = 'view'@'%' PROCEDURE p() SELECT 1",
      'CREATE TABLE t (a INT) /*!50100 ENGINE = InnoDB */',
      'CREATE TABLE t (a INT) /*M!100100 ENGINE = InnoDB */',
      // A toolkit table's name, however written.
      'CREATE TRIGGER g BEFORE INSERT ON _migrations FOR EACH ROW SET NEW.checksum = 1',
      'CREATE INDEX i ON `_migration_objects` (skill_name)',
      'ALTER TABLE db._MIGRATION_EVENTS ADD COLUMN x INT',
      'ALTER TABLE t EXCHANGE PARTITION p WITH TABLE `_migration_fingerprints`',
      'CREATE VIEW v AS SELECT * FROM "_migrations"',
      'CREATE TABLE t (a INT) ENGINE = MERGE UNION = (_Migrations)',
      "CREATE TABLE t (a INT) ENGINE = FEDERATED CONNECTION = 'mysql://u@h/db/_migrations'",
    ]) {
      assert.equal(inert(text), false, text)
    }
  })
})

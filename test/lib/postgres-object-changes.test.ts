/**
 * Unit tests of `postgresObjectChanges`: the tables, views, materialized views, foreign tables
 * and enums a PostgreSQL migration creates, drops, renames or moves, with names as PostgreSQL
 * resolves them, and `undefined` when a statement may change them in a way its text does not
 * tell. Pure: no server needed.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { CORPUS } from '../helpers/corpus.js'
import { splitPostgresStatements } from '../../lib/dialects/postgres/postgres-splitter.js'
import {
  postgresObjectChanges,
  type PostgresObjectChange,
} from '../../lib/dialects/postgres/postgres-object-changes.js'

function changes(text: string): readonly PostgresObjectChange[] | undefined {
  const split = splitPostgresStatements(text)
  assert.equal(split.problem, undefined)
  return postgresObjectChanges(split.statements)
}

const create = (
  name: string,
  type: PostgresObjectChange['type'] = 'table',
  extra: { schema?: string; ifNotExists?: boolean; orReplace?: boolean } = {},
): PostgresObjectChange => ({
  kind: 'create',
  type,
  schema: extra.schema,
  name,
  ifNotExists: extra.ifNotExists ?? false,
  orReplace: extra.orReplace ?? false,
})

describe('created tables and views', () => {
  test('CREATE [UNLOGGED] TABLE [IF NOT EXISTS] [schema.]name, also AS and PARTITION OF', () => {
    assert.deepEqual(
      changes(
        [
          'CREATE TABLE users (id int);',
          'create unlogged table if not exists app.Items (id int);',
          'CREATE TABLE "Mixed;Case" AS SELECT 1;',
          'CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);',
        ].join('\n'),
      ),
      [
        create('users'),
        create('items', 'table', { schema: 'app', ifNotExists: true }),
        create('Mixed;Case'),
        create('p1'),
      ],
    )
  })

  test('names as PostgreSQL resolves them: unquoted folded (ASCII only), quoted kept, U& decoded, 63 bytes', () => {
    assert.deepEqual(
      changes(
        [
          'CREATE TABLE ÉtÉ_Users (a int);',
          'CREATE TABLE "public"."Users" (a int);',
          'CREATE TABLE U&"d\\0061t\\+000061" (a int);',
          'CREATE TABLE U&"d!0061ta!!" UESCAPE \'!\' (a int);',
          `CREATE TABLE ${'a'.repeat(70)} (a int);`,
          `CREATE TABLE "${'é'.repeat(40)}" (a int);`,
        ].join('\n'),
      ),
      [
        create('ÉtÉ_users'),
        create('Users', 'table', { schema: 'public' }),
        create('data'),
        create('data!'),
        create('a'.repeat(63)),
        create('é'.repeat(31)),
      ],
    )
  })

  test('CREATE [OR REPLACE] [RECURSIVE|MATERIALIZED] VIEW, FOREIGN TABLE', () => {
    assert.deepEqual(
      changes(
        [
          'CREATE VIEW v AS SELECT 1;',
          'CREATE OR REPLACE VIEW s.v2 AS SELECT 1;',
          'CREATE RECURSIVE VIEW r (n) AS SELECT 1;',
          'CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1 WITH NO DATA;',
          "CREATE FOREIGN TABLE f (a int) SERVER s OPTIONS (table_name 'x');",
        ].join('\n'),
      ),
      [
        create('v', 'view'),
        create('v2', 'view', { schema: 's', orReplace: true }),
        create('r', 'view'),
        create('mv', 'materialized-view', { ifNotExists: true }),
        create('f', 'foreign-table'),
      ],
    )
  })

  test('temporary tables and views are left out: they vanish with the session', () => {
    assert.deepEqual(
      changes(
        'CREATE TEMP TABLE t (a int);\nCREATE TEMPORARY VIEW v AS SELECT 1;\nCREATE GLOBAL TEMPORARY TABLE g (a int);\nCREATE TABLE pg_temp.x (a int);\nSELECT 1 INTO TEMP t2;',
      ),
      [],
    )
  })

  test('SELECT … INTO creates a table; INSERT INTO and MERGE INTO do not', () => {
    assert.deepEqual(
      changes(
        [
          'SELECT a, b INTO archive FROM t;',
          'SELECT * INTO UNLOGGED TABLE s.copy FROM t;',
          'WITH x AS (SELECT 1 AS insert) SELECT * INTO from_cte FROM x;',
          'INSERT INTO t SELECT * FROM u;',
          'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x;',
          'MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DO NOTHING;',
          'SELECT (SELECT 1) AS into_x FROM t;',
        ].join('\n'),
      ),
      [create('archive'), create('copy', 'table', { schema: 's' }), create('from_cte')],
    )
  })

  test('enum types; other types are not tracked', () => {
    assert.deepEqual(
      changes(
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TYPE app.pair AS (a int, b int);\nCREATE TYPE r AS RANGE (subtype = int);",
      ),
      [create('mood', 'enum')],
    )
  })
})

describe('dropped, renamed and moved objects', () => {
  test('DROP TABLE|VIEW|MATERIALIZED VIEW|FOREIGN TABLE|TYPE [IF EXISTS] a, b [CASCADE]', () => {
    assert.deepEqual(
      changes(
        'DROP TABLE IF EXISTS a, s."B" CASCADE;\nDROP VIEW v;\nDROP MATERIALIZED VIEW mv RESTRICT;\nDROP FOREIGN TABLE f;\nDROP TYPE mood;',
      ),
      [
        { kind: 'drop', type: 'table', schema: undefined, name: 'a', ifExists: true, cascade: true },
        { kind: 'drop', type: 'table', schema: 's', name: 'B', ifExists: true, cascade: true },
        { kind: 'drop', type: 'view', schema: undefined, name: 'v', ifExists: false, cascade: false },
        { kind: 'drop', type: 'materialized-view', schema: undefined, name: 'mv', ifExists: false, cascade: false },
        { kind: 'drop', type: 'foreign-table', schema: undefined, name: 'f', ifExists: false, cascade: false },
        { kind: 'drop', type: 'type', schema: undefined, name: 'mood', ifExists: false, cascade: false },
      ],
    )
  })

  test('ALTER … [IF EXISTS] [ONLY] x RENAME TO y stays in its schema; SET SCHEMA moves', () => {
    assert.deepEqual(
      changes(
        [
          'ALTER TABLE packages RENAME TO crates;',
          'ALTER TABLE IF EXISTS ONLY app."Old" RENAME TO "New";',
          'ALTER VIEW v RENAME TO w;',
          'ALTER MATERIALIZED VIEW mv RENAME TO mv2;',
          'ALTER TYPE mood RENAME TO feeling;',
          'ALTER TABLE t SET SCHEMA archive;',
        ].join('\n'),
      ),
      [
        { kind: 'rename', type: 'table', schema: undefined, from: 'packages', to: 'crates' },
        { kind: 'rename', type: 'table', schema: 'app', from: 'Old', to: 'New' },
        { kind: 'rename', type: 'view', schema: undefined, from: 'v', to: 'w' },
        { kind: 'rename', type: 'materialized-view', schema: undefined, from: 'mv', to: 'mv2' },
        { kind: 'rename', type: 'type', schema: undefined, from: 'mood', to: 'feeling' },
        { kind: 'set-schema', type: 'table', schema: undefined, name: 't', to: 'archive' },
      ],
    )
  })

  test('columns, constraints, indexes, functions and data keep the set of objects', () => {
    assert.deepEqual(
      changes(
        [
          'ALTER TABLE t RENAME COLUMN a TO b;',
          'ALTER TABLE t RENAME a TO b;',
          'ALTER TABLE t RENAME CONSTRAINT c TO d;',
          'ALTER TABLE t ADD COLUMN x int;',
          "ALTER TYPE mood ADD VALUE 'meh';",
          'ALTER INDEX i RENAME TO j;',
          'CREATE INDEX i ON t (a);',
          'CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1;',
          'CREATE SEQUENCE s;',
          'INSERT INTO t VALUES (1);',
          'DROP INDEX i;',
          'DROP SCHEMA old;',
          'CREATE SCHEMA app;',
          'ALTER TABLE ALL IN TABLESPACE a SET TABLESPACE b;',
        ].join('\n'),
      ),
      [],
    )
  })
})

describe('statements whose effect the text does not tell: undefined', () => {
  for (const sql of [
    'DO $$ BEGIN EXECUTE $q$CREATE TABLE x (a int)$q$; END $$',
    'CALL make_tables()',
    'CREATE EXTENSION postgis',
    'ALTER EXTENSION postgis UPDATE',
    'DROP SCHEMA old CASCADE',
    'ALTER SCHEMA old RENAME TO new',
    'DROP OWNED BY app',
    'CREATE SCHEMA app CREATE TABLE t (a int)',
    'IMPORT FOREIGN SCHEMA remote FROM SERVER s INTO local',
    'EXECUTE make_table_plan',
    'DROP TABLE a, 42',
    'ALTER TABLE t RENAME TO s.u',
  ]) {
    test(sql, () => {
      assert.equal(changes(`CREATE TABLE before (a int);\n${sql};`), undefined)
    })
  }
})

describe('the corpus of real histories', () => {
  test('every file is read, except those with DO blocks or CREATE EXTENSION', () => {
    let read = 0
    let unknown = 0
    for (const history of ['atuin-postgres', 'authelia-postgres', 'cratesio-postgres', 'harbor-postgres']) {
      const folder = join(CORPUS, history, 'migrations')
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.sql'))) {
        const text = readFileSync(join(folder, file), 'utf8')
        const result = changes(text)
        const opaque = /^\s*(do\b|create extension)/im.test(text)
        assert.equal(result === undefined, opaque, `${history}/${file}`)
        if (result === undefined) unknown++
        else read++
      }
    }
    assert.ok(read >= 330 && unknown > 0, `${read} read, ${unknown} undefined`)
    assert.deepEqual(
      changes(
        readFileSync(join(CORPUS, 'cratesio-postgres', 'migrations', '002_dumped_migration_1.sql'), 'utf8'),
      )?.slice(0, 1),
      [create('users')],
    )
  })
})

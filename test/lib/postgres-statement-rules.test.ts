/**
 * Unit tests of PostgreSQL's statement rules (`analyzePostgresMigration`,
 * `classifyPostgresStatement`): which statements PostgreSQL refuses inside a transaction block
 * (checked by hand on PostgreSQL 15.20: each of them fails with "cannot run inside a transaction
 * block" after BEGIN), how a migration runs, transaction control, psql-only COPY, the toolkit's
 * reserved tables, the session settings a migration changes, and the corpus of real histories.
 * Pure: no server needed.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { CORPUS } from '../helpers/corpus.js'
import { splitPostgresStatements } from '../../lib/dialects/postgres/postgres-splitter.js'
import {
  analyzePostgresMigration,
  classifyPostgresStatement,
  type PostgresMigrationAnalysis,
  type PostgresStatementClass,
} from '../../lib/dialects/postgres/postgres-statement-rules.js'

const RESERVED = ['_migrations', '_migration_objects']

function analyze(text: string, noTransaction = false): PostgresMigrationAnalysis {
  const split = splitPostgresStatements(text)
  assert.equal(split.problem, undefined)
  return analyzePostgresMigration(split.statements, { noTransaction, reservedTables: RESERVED })
}

function classify(sql: string): PostgresStatementClass {
  const statement = splitPostgresStatements(sql).statements[0]
  assert.ok(statement, sql)
  return classifyPostgresStatement(statement)
}

describe('statements PostgreSQL refuses inside a transaction block', () => {
  const cases: [string, string][] = [
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX CONCURRENTLY'],
    ['create unique index concurrently if not exists i on t (a)', 'CREATE INDEX CONCURRENTLY'],
    ['CREATE /* c */ INDEX -- c\n CONCURRENTLY ON t (a)', 'CREATE INDEX CONCURRENTLY'],
    ['DROP INDEX CONCURRENTLY IF EXISTS i', 'DROP INDEX CONCURRENTLY'],
    ['REINDEX INDEX CONCURRENTLY i', 'REINDEX CONCURRENTLY'],
    ['REINDEX (CONCURRENTLY, VERBOSE) TABLE t', 'REINDEX CONCURRENTLY'],
    ['REINDEX SCHEMA public', 'REINDEX SCHEMA'],
    ['REINDEX DATABASE db', 'REINDEX DATABASE'],
    ['reindex system db', 'REINDEX SYSTEM'],
    ['VACUUM', 'VACUUM'],
    ['VACUUM (ANALYZE) t', 'VACUUM'],
    ['CLUSTER', 'CLUSTER'],
    ['CLUSTER VERBOSE', 'CLUSTER'],
    ['CLUSTER (VERBOSE);', 'CLUSTER'],
    ['CREATE DATABASE x', 'CREATE DATABASE'],
    ['DROP DATABASE IF EXISTS x', 'DROP DATABASE'],
    ['ALTER DATABASE x SET TABLESPACE pg_default', 'ALTER DATABASE SET TABLESPACE'],
    ["CREATE TABLESPACE s LOCATION '/srv/pg'", 'CREATE TABLESPACE'],
    ['DROP TABLESPACE s', 'DROP TABLESPACE'],
    ["ALTER SYSTEM SET work_mem = '4MB'", 'ALTER SYSTEM'],
    ["CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p", 'CREATE SUBSCRIPTION'],
    ['DROP SUBSCRIPTION s', 'DROP SUBSCRIPTION'],
    ['ALTER SUBSCRIPTION s REFRESH PUBLICATION', 'ALTER SUBSCRIPTION … REFRESH PUBLICATION'],
    ['ALTER SUBSCRIPTION s SET PUBLICATION p', 'ALTER SUBSCRIPTION … SET PUBLICATION'],
    ['ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY', 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY'],
    ['DISCARD ALL', 'DISCARD ALL'],
  ]
  for (const [sql, label] of cases) {
    test(sql, () => {
      const klass = classify(sql)
      assert.equal(klass.kind, 'non-transactional')
      assert.equal(klass.label, label)
    })
  }

  test('the transactional forms of the same commands', () => {
    for (const sql of [
      'CREATE INDEX i ON t (a)',
      'CREATE INDEX concurrently_made ON t (a)',
      'DROP INDEX i',
      'REINDEX TABLE t',
      'REINDEX INDEX i',
      'VACUUM_LOG',
      'CLUSTER t',
      'CLUSTER VERBOSE t USING i',
      'DISCARD TEMP',
      'ALTER DATABASE x SET search_path = a',
      "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (create_slot = false)",
      "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (connect = 'off')",
      'ALTER SUBSCRIPTION s ADD PUBLICATION q WITH (refresh = false)',
      'ALTER TABLE p DETACH PARTITION p1',
      'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
      'ANALYZE t',
      'CHECKPOINT',
      "SELECT 'VACUUM'",
    ]) {
      assert.equal(classify(sql).kind, 'transactional', sql)
    }
  })

  test('what a failure leaves behind outside a transaction', () => {
    const named = classify('CREATE INDEX CONCURRENTLY IF NOT EXISTS "Idx" ON app.t (a)').onFailure
    assert.match(
      named ?? '',
      /leaves the index "app\.Idx" behind, INVALID: the next run drops and rebuilds it \(by hand: DROP INDEX CONCURRENTLY IF EXISTS "app"\."Idx"\)/,
    )
    assert.match(classify('create index concurrently on t (a)').onFailure ?? '', /pg_index WHERE NOT indisvalid/)
    assert.match(classify('REINDEX TABLE CONCURRENTLY t').onFailure ?? '', /_ccnew/)
    assert.match(classify('ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY').onFailure ?? '', /FINALIZE/)
  })

  test('ALTER TYPE … ADD VALUE runs in a transaction, with a caveat', () => {
    const klass = classify("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'")
    assert.equal(klass.kind, 'transactional')
    assert.match(klass.caveat ?? '', /cannot be used until the migration commits/)
    const analysis = analyze("ALTER TYPE mood ADD VALUE 'meh';\nSELECT 1;")
    assert.equal(analysis.mode, 'transaction')
    assert.deepEqual(
      analysis.caveats.map((c) => c.statement.index),
      [1],
    )
  })
})

describe('how a migration runs', () => {
  test('ordinary statements: in a transaction', () => {
    const analysis = analyze('CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\n')
    assert.equal(analysis.mode, 'transaction')
    assert.deepEqual(analysis.problems, [])
  })

  test('only statements refused in a transaction: outside one, automatically', () => {
    const analysis = analyze('-- add indexes\nCREATE INDEX CONCURRENTLY a ON t (a);\nDROP INDEX CONCURRENTLY b;\n')
    assert.equal(analysis.mode, 'no-transaction-required')
    assert.deepEqual(analysis.problems, [])
    assert.deepEqual(
      analysis.classes.map((c) => c.kind),
      ['non-transactional', 'non-transactional'],
    )
  })

  test('mixed with other statements: refused, with a hint to split the file or opt out', () => {
    const analysis = analyze('CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY a ON t (a);\nVACUUM t;\n')
    assert.equal(analysis.mode, 'transaction')
    assert.deepEqual(
      analysis.problems.map((p) => [p.statement.index, p.statement.line]),
      [
        [2, 2],
        [3, 3],
      ],
    )
    assert.match(analysis.problems[0]!.reason, /\(CREATE INDEX CONCURRENTLY\) cannot run inside a transaction block/)
    assert.match(analysis.problems[0]!.hint, /migration file of its own.*-- glorious:no-transaction/)
  })

  test('-- glorious:no-transaction: outside a transaction, mixed statements and transaction control allowed', () => {
    const analysis = analyze(
      'CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY a ON t (a);\nBEGIN;\nSELECT 1;\nCOMMIT;',
      true,
    )
    assert.equal(analysis.mode, 'no-transaction')
    assert.deepEqual(analysis.problems, [])
  })

  test('an empty migration runs in a transaction', () => {
    assert.equal(analyze('-- nothing yet\n').mode, 'transaction')
  })
})

describe('transaction control is refused: every migration has its own transaction', () => {
  for (const sql of [
    'BEGIN',
    'begin transaction isolation level serializable',
    'START TRANSACTION',
    'COMMIT',
    'COMMIT AND CHAIN',
    'END',
    'ROLLBACK',
    'ROLLBACK WORK',
    'ABORT',
    "PREPARE TRANSACTION 'x'",
    "COMMIT PREPARED 'x'",
    "ROLLBACK PREPARED 'x'",
  ]) {
    test(sql, () => {
      const analysis = analyze(`CREATE TABLE t (a int);\n${sql};`)
      assert.equal(analysis.problems.length, 1)
      assert.match(analysis.problems[0]!.reason, /controls the transaction itself/)
      assert.match(analysis.problems[0]!.hint, /already runs in its own transaction/)
      assert.equal(analysis.problems[0]!.statement.index, 2)
    })
  }

  test('savepoints stay inside the migration: allowed', () => {
    const analysis = analyze(
      'SAVEPOINT a;\nSELECT 1;\nROLLBACK TO SAVEPOINT a;\nROLLBACK TRANSACTION TO a;\nRELEASE a;\nPREPARE q AS SELECT 1;',
    )
    assert.deepEqual(analysis.problems, [])
  })
})

describe('COPY to and from the client needs psql', () => {
  test('COPY … FROM stdin and COPY … TO stdout are refused, even outside a transaction', () => {
    for (const noTransaction of [false, true]) {
      const statements = [
        'COPY t FROM STDIN',
        'COPY t (a, b) FROM stdin WITH (FORMAT csv)',
        'COPY (SELECT 1) TO STDOUT',
        'copy t to stdout',
      ].map((sql, i) => ({ index: i + 1, line: i + 1, sql, head: [] }))
      const analysis = analyzePostgresMigration(statements, { noTransaction, reservedTables: RESERVED })
      assert.equal(analysis.problems.length, 4)
      for (const problem of analysis.problems) {
        assert.match(problem.reason, /COPY … (FROM stdin|TO stdout)\) is a psql feature/)
        assert.match(problem.hint, /without psql/)
      }
    }
    assert.deepEqual(analyze("COPY t FROM '/srv/x.csv';\nCOPY (SELECT 'to stdout') TO '/srv/y';").problems, [])
  })
})

describe("the toolkit's own tables", () => {
  const refused = [
    'SELECT * FROM _migrations',
    'DELETE FROM _MIGRATIONS',
    'DROP TABLE public._migrations',
    'UPDATE "_migrations" SET checksum = NULL',
    'ALTER TABLE _migration_objects ADD COLUMN x int',
    'SELECT * FROM U&"\\005fmigrations"',
    'DO $$ BEGIN DELETE FROM _migrations; END $$',
    "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'DELETE FROM _migrations'",
    'CREATE OR REPLACE FUNCTION f() RETURNS void AS $f$ BEGIN EXECUTE $q$ TRUNCATE _migrations $q$; END $f$ LANGUAGE plpgsql',
  ]
  for (const sql of refused) {
    test(`refused: ${sql}`, () => {
      const analysis = analyze(sql)
      assert.equal(analysis.problems.length, 1)
      assert.match(
        analysis.problems[0]!.reason,
        /refers to "_migration(s|_objects)", the toolkit's own bookkeeping table/,
      )
    })
  }

  test('refused in every mode', () => {
    assert.equal(analyze('SELECT * FROM _migrations;', true).problems.length, 1)
  })

  test('other names and literals are fine: "_Migrations" is another table', () => {
    for (const sql of [
      'SELECT * FROM "_Migrations"',
      "SELECT count(*) FROM pg_tables WHERE tablename = '_migrations'",
      'SELECT $$_migrations$$',
      'CREATE TABLE my_migrations (a int)',
      'CREATE TABLE _migrations_archive (a int)',
      "DO $$ BEGIN RAISE NOTICE '_migrations'; END $$",
      '-- _migrations\nSELECT 1',
    ]) {
      assert.deepEqual(analyze(sql).problems, [], sql)
    }
  })
})

describe('session settings a migration changes', () => {
  const settings = (text: string): readonly string[] => analyze(text).connectionSettings

  test('SET, RESET and set_config(…, false); not SET LOCAL, SET TRANSACTION or set_config(…, true)', () => {
    assert.deepEqual(settings("SET search_path TO app, public;\nSET SESSION statement_timeout = '5s';"), [
      'search_path',
      'statement_timeout',
    ])
    assert.deepEqual(
      settings("SET LOCAL lock_timeout = '1s';\nSET TRANSACTION READ ONLY;\nSET CONSTRAINTS ALL DEFERRED;"),
      [],
    )
    assert.deepEqual(settings("SET TIME ZONE 'UTC';\nSET ROLE app;\nSET SESSION AUTHORIZATION app;\nSET SCHEMA 'x';"), [
      'timezone',
      'role',
      'session_authorization',
      'search_path',
    ])
    assert.deepEqual(settings('RESET search_path;\nRESET ALL;'), ['search_path', 'all'])
    assert.deepEqual(settings("SET app.user_id = '1';\nSET \"Work_Mem\" = '4MB';"), ['app.user_id', 'work_mem'])
    assert.deepEqual(
      settings(
        "SELECT set_config('search_path', 'app', false);\nSELECT set_config('app.x', '1', true);\nSELECT set_config(name, 'v', false) FROM t;",
      ),
      ['search_path', 'all'],
    )
  })
})

describe('the corpus of real histories', () => {
  test("crates.io's CONCURRENTLY files run outside a transaction, every other file in one, with no problem", () => {
    const noTransaction = new Set(
      readFileSync(join(CORPUS, 'cratesio-postgres', 'no-transaction.txt'), 'utf8')
        .split('\n')
        .filter(Boolean),
    )
    assert.equal(noTransaction.size, 7)
    let files = 0
    for (const history of ['atuin-postgres', 'authelia-postgres', 'cratesio-postgres', 'harbor-postgres']) {
      const folder = join(CORPUS, history, 'migrations')
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.sql'))) {
        const analysis = analyze(readFileSync(join(folder, file), 'utf8'))
        assert.deepEqual(analysis.problems, [], `${history}/${file}`)
        const expected =
          history === 'cratesio-postgres' && noTransaction.has(file) ? 'no-transaction-required' : 'transaction'
        assert.equal(analysis.mode, expected, `${history}/${file}`)
        files++
      }
    }
    assert.ok(files >= 340, `${files} files`)
  })
})

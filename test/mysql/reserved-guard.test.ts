/**
 * The guard of the toolkit's own tables on MariaDB, by effect. The analysis refuses any statement
 * that names them; these migrations reach them without naming them — dynamic SQL (PREPARE …
 * EXECUTE) and an updatable view made outside the toolkit — and every change must be caught:
 * rows old and new (from an earlier run, from the migration just before in the same run), in
 * each of the tables, and their definitions; on both MySQL paths (statement by statement with
 * progress, and a DML-only migration in one transaction).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ReservedTableError, createMigrator } from '../../lib/index.js'
import { freshDatabase } from '../helpers/mysql-server.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

/** Dynamic SQL that the analysis cannot read a table name from. */
function hidden(statement: string): string {
  const [head, tail] = [statement.slice(0, 12), statement.slice(12)]
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`
  return `SET @evil = CONCAT(${quote(head)}, ${quote(tail)});\nPREPARE evil FROM @evil;\nEXECUTE evil;\nDEALLOCATE PREPARE evil;`
}

/** A database with the `victim` skill applied (two migrations, a table and a view), and the admin query. */
async function withVictim(purpose: string) {
  const db = await freshDatabase(purpose)
  const victim = migrationsDir(tempDir(), {
    '001_a.sql': 'CREATE TABLE a (x INT);',
    '002_v.sql': 'CREATE VIEW va AS SELECT x FROM a;',
  })
  const first = await createMigrator({
    database: db.url,
    skill: 'victim',
    migrationsDir: victim,
    codegen: false,
  }).migrateToLatest()
  assert.equal(first.error, undefined, String(first.error))
  return db
}

async function runEvil(url: string, files: Record<string, string>) {
  const dir = migrationsDir(tempDir(), files)
  return createMigrator({ database: url, skill: 'evil', migrationsDir: dir, codegen: false }).migrateToLatest()
}

const ledgerRows = (db: Awaited<ReturnType<typeof freshDatabase>>) =>
  db.query('SELECT skill_name, version, checksum, status FROM _migrations ORDER BY skill_name, version') as Promise<
    Record<string, unknown>[]
  >

/** Each case: what the evil migration does, and its expected failing file. */
const PROGRESS_CASES: readonly { name: string; files: Record<string, string>; failing: string }[] = [
  {
    name: 'updates a ledger row of an earlier run',
    files: {
      '001_t.sql': `CREATE TABLE t1 (x INT);\n${hidden("UPDATE _migrations SET checksum = 'forged' WHERE skill_name = 'victim' AND version = 1")}`,
    },
    failing: '001_t.sql',
  },
  {
    name: 'updates the ledger row of the migration just before it, in the same run',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': 'CREATE TABLE t2 (x INT);',
      '003_t.sql': `CREATE TABLE t3 (x INT);\n${hidden("UPDATE _migrations SET duration_ms = duration_ms + 1 WHERE skill_name = 'evil' AND version = 2")}`,
    },
    failing: '003_t.sql',
  },
  {
    name: 'updates a ledger row written earlier in the same run',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': 'CREATE TABLE t2 (x INT);',
      '003_t.sql': `CREATE TABLE t3 (x INT);\n${hidden("UPDATE _migrations SET sql_checksum = NULL WHERE skill_name = 'evil' AND version = 1")}`,
    },
    failing: '003_t.sql',
  },
  {
    name: 'moves an ownership row written by the migration just before it',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': `${hidden("UPDATE _migration_objects SET skill_name = 'victim' WHERE object_name = 't1'")}\nCREATE TABLE t2 (x INT);`,
    },
    failing: '002_t.sql',
  },
  {
    name: 'deletes an ownership row of an earlier run',
    files: { '001_t.sql': hidden("DELETE FROM _migration_objects WHERE object_name = 'va'") },
    failing: '001_t.sql',
  },
  {
    name: 'adds an audit event',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': hidden(
        "INSERT INTO _migration_events (skill_name, version, event, at) VALUES ('victim', 1, 'accepted', '2020-01-01T00:00:00Z')",
      ),
    },
    failing: '002_t.sql',
  },
  {
    name: 'changes the definition of a toolkit table',
    files: { '001_t.sql': hidden('ALTER TABLE _migration_events ADD COLUMN evil INT') },
    failing: '001_t.sql',
  },
  {
    name: 'adds an index to a toolkit table',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': hidden('CREATE INDEX evil ON _migration_objects (skill_name)'),
    },
    failing: '002_t.sql',
  },
  {
    name: 'creates a trigger on a toolkit table (a prepared CREATE TRIGGER), after migrations that could not',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);\nINSERT INTO t1 VALUES (1);',
      '002_t.sql': 'ALTER TABLE t1 ADD COLUMN y INT;\nCREATE INDEX t1_y ON t1 (y);',
      '003_t.sql': `CREATE TABLE t3 (x INT);\n${hidden("CREATE TRIGGER evil BEFORE INSERT ON _migrations FOR EACH ROW SET NEW.checksum = 'forged'")}`,
    },
    failing: '003_t.sql',
  },
  {
    name: 'adds a column to a toolkit table after a DML-only migration (one transaction) in the same run',
    files: {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': 'INSERT INTO t1 VALUES (1);',
      '003_t.sql': `CREATE TABLE t3 (x INT);\n${hidden('ALTER TABLE _migration_objects ADD COLUMN evil INT')}`,
    },
    failing: '003_t.sql',
  },
  {
    name: 'creates a trigger on a toolkit table in its only statement',
    files: {
      '001_t.sql': hidden(
        'CREATE TRIGGER evil AFTER DELETE ON _migration_objects FOR EACH ROW SET @gone = OLD.object_name',
      ),
    },
    failing: '001_t.sql',
  },
]

describe("MariaDB: the toolkit's tables are guarded by effect, whatever name reaches them", () => {
  for (const scenario of PROGRESS_CASES) {
    it(`statement by statement: a migration that ${scenario.name} is refused`, async () => {
      const db = await withVictim('guard')
      const { error, results } = await runEvil(db.url, scenario.files)
      assert.ok(error instanceof ReservedTableError, String(error))
      assert.match(error.message, new RegExp(`migration "${scenario.failing}" changed the toolkit's own tables`))
      assert.equal(results.find((result) => result.status === 'Error')?.filename, scenario.failing)
    })
  }

  it('statement by statement: dropping a trigger on a toolkit table (made outside the toolkit) is refused', async () => {
    const db = await withVictim('guard_drop_trigger')
    await db.query("CREATE TRIGGER audit_note BEFORE INSERT ON _migration_events FOR EACH ROW SET NEW.detail = 'noted'")
    const { error } = await runEvil(db.url, {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': `CREATE TABLE t2 (x INT);\n${hidden('DROP TRIGGER audit_note')}`,
    })
    assert.ok(error instanceof ReservedTableError, String(error))
    assert.match(error.message, /migration "002_t\.sql" changed the toolkit's own tables/)
  })

  it('statement by statement: a plain DROP TRIGGER of a trigger on a toolkit table (it names no toolkit table) is refused', async () => {
    const db = await withVictim('guard_drop_trigger_plain')
    await db.query("CREATE TRIGGER audit_note BEFORE INSERT ON _migration_events FOR EACH ROW SET NEW.detail = 'noted'")
    const { error } = await runEvil(db.url, {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': 'DROP TRIGGER audit_note;',
    })
    assert.ok(error instanceof ReservedTableError, String(error))
    assert.match(error.message, /migration "002_t\.sql" changed the toolkit's own tables/)
  })

  it('in one transaction (DML only): an update through a view made outside the toolkit is refused and rolled back', async () => {
    const db = await withVictim('guard_view')
    await db.query('CREATE VIEW ledger_view AS SELECT * FROM _migrations')
    const before = await ledgerRows(db)
    const { error } = await runEvil(db.url, {
      '001_t.sql': "UPDATE ledger_view SET checksum = 'forged' WHERE skill_name = 'victim' AND version = 2;",
    })
    assert.ok(error instanceof ReservedTableError, String(error))
    assert.deepEqual(await ledgerRows(db), before, 'nothing of it was kept')
  })

  it('in one transaction (DML only): the row of the migration just before, in the same run, through a view', async () => {
    const db = await withVictim('guard_view2')
    await db.query('CREATE VIEW ledger_view AS SELECT * FROM _migrations')
    await db.query('CREATE TABLE notes (x INT)')
    const { error, results } = await runEvil(db.url, {
      '001_t.sql': 'INSERT INTO notes VALUES (1);',
      '002_t.sql': "UPDATE ledger_view SET filename = 'forged.sql' WHERE skill_name = 'evil' AND version = 1;",
    })
    assert.ok(error instanceof ReservedTableError, String(error))
    assert.deepEqual(
      results.map((result) => [result.filename, result.status]),
      [
        ['001_t.sql', 'Success'],
        ['002_t.sql', 'Error'],
      ],
    )
    const rows = await ledgerRows(db)
    assert.equal(rows.find((row) => row.skill_name === 'evil' && Number(row.version) === 1)?.status, 'applied')
  })

  it('in one transaction (DML only), right after a migration with DDL: its ledger and ownership rows, through views', async () => {
    // The DML-only migration's guard starts from the rows the DDL migration's guard read,
    // carried past the toolkit's own writes (not read again): a change to those rows is caught.
    for (const [view, change] of [
      ['ledger_view AS SELECT * FROM _migrations', "UPDATE ledger_view SET filename = 'forged.sql' WHERE version = 1"],
      [
        'objects_view AS SELECT * FROM _migration_objects',
        "UPDATE objects_view SET object_type = 'view' WHERE object_name = 't1'",
      ],
      ['objects_view AS SELECT * FROM _migration_objects', "DELETE FROM objects_view WHERE object_name = 'a'"],
    ] as const) {
      const db = await withVictim('guard_carried')
      await db.query(`CREATE VIEW ${view}`)
      const { error, results } = await runEvil(db.url, {
        '001_t.sql': 'CREATE TABLE t1 (x INT);\nINSERT INTO t1 VALUES (1);',
        '002_t.sql': `INSERT INTO t1 VALUES (2);\n${change};`,
      })
      assert.ok(error instanceof ReservedTableError, `${change}: ${String(error)}`)
      assert.deepEqual(
        results.map((result) => [result.filename, result.status]),
        [
          ['001_t.sql', 'Success'],
          ['002_t.sql', 'Error'],
        ],
      )
    }
  })

  it('statement by statement: CREATE TABLE … SELECT of a function (made outside the toolkit) that writes the ledger is refused', async () => {
    // CREATE TABLE without a query cannot reach the toolkit's tables, and after such DDL alone the
    // guard does not read them again; with a query it runs code, and is guarded.
    const db = await withVictim('guard_ctas')
    await db.query(
      "CREATE FUNCTION evil() RETURNS INT MODIFIES SQL DATA BEGIN UPDATE _migrations SET checksum = 'forged' WHERE skill_name = 'victim'; RETURN 1; END",
    )
    const { error, results } = await runEvil(db.url, {
      '001_t.sql': 'CREATE TABLE t1 (x INT);\nALTER TABLE t1 ADD COLUMN y INT;',
      '002_t.sql': 'CREATE TABLE t2 AS SELECT evil() AS e;',
    })
    assert.ok(error instanceof ReservedTableError, String(error))
    assert.deepEqual(
      results.map((result) => [result.filename, result.status]),
      [
        ['001_t.sql', 'Success'],
        ['002_t.sql', 'Error'],
      ],
    )
  })

  it('after migrations of DDL that cannot reach the toolkit tables, a change by the next one is caught', async () => {
    for (const [file, failing] of [
      ["UPDATE ledger_view SET filename = 'forged.sql' WHERE skill_name = 'evil' AND version = 2;", 'DML only'],
      [
        `CREATE TABLE t9 (x INT);\n${hidden("UPDATE _migrations SET filename = CONCAT(filename, '.forged') WHERE skill_name = 'evil' AND version = 1")}`,
        'DDL',
      ],
    ] as const) {
      const fresh = await withVictim('guard_after_inert')
      await fresh.query('CREATE VIEW ledger_view AS SELECT * FROM _migrations')
      const { error, results } = await runEvil(fresh.url, {
        '001_t.sql': 'CREATE TABLE t1 (x INT);\nCREATE INDEX t1_x ON t1 (x);',
        '002_t.sql':
          'CREATE VIEW v1 AS SELECT x FROM t1;\nCREATE TRIGGER g1 BEFORE INSERT ON t1 FOR EACH ROW SET NEW.x = NEW.x + 1;',
        '003_t.sql': file,
      })
      assert.ok(error instanceof ReservedTableError, `${failing}: ${String(error)}`)
      assert.deepEqual(
        results.map((result) => result.status),
        ['Success', 'Success', 'Error'],
        failing,
      )
    }
  })

  it('statement by statement: a last DML statement that changed the ledger is rolled back with the refused migration, and runs again on resume', async () => {
    // The last statement (no implicit commit) commits together with the final record, after the
    // guard: refused, neither it nor the record stays.
    const db = await withVictim('guard_last_dml')
    await db.query('CREATE VIEW ledger_view AS SELECT * FROM _migrations')
    const before = (await ledgerRows(db)).filter((row) => row.skill_name === 'victim')
    const { error } = await runEvil(db.url, {
      '001_t.sql':
        "CREATE TABLE t1 (x INT);\nINSERT INTO t1 VALUES (1);\nUPDATE ledger_view SET checksum = 'forged' WHERE skill_name = 'victim';",
    })
    assert.ok(error instanceof ReservedTableError, String(error))
    assert.deepEqual(
      (await ledgerRows(db)).filter((row) => row.skill_name === 'victim'),
      before,
      'the update was rolled back',
    )
    const [row] = await db.query(
      "SELECT status, statements_applied, statements_total FROM _migrations WHERE skill_name = 'evil' AND version = 1",
    )
    assert.deepEqual([row?.status, Number(row?.statements_applied), Number(row?.statements_total)], ['running', 2, 3])
    assert.deepEqual(await db.query('SELECT x FROM t1'), [{ x: 1 }], 'the statements before it stay')
  })

  it('statement by statement: the same view, with DDL in the migration', async () => {
    const db = await withVictim('guard_view3')
    await db.query('CREATE VIEW objects_view AS SELECT * FROM _migration_objects')
    const { error } = await runEvil(db.url, {
      '001_t.sql': 'CREATE TABLE t1 (x INT);',
      '002_t.sql': "CREATE TABLE t2 (x INT);\nUPDATE objects_view SET object_type = 'view' WHERE object_name = 't1';",
    })
    assert.ok(error instanceof ReservedTableError, String(error))
  })

  it('a run of harmless migrations of every kind passes (no false alarm)', async () => {
    const db = await withVictim('guard_ok')
    await db.query('CREATE TABLE notes (x INT)')
    const { error, applied } = await runEvil(db.url, {
      '001_t.sql': 'CREATE TABLE t1 (x INT);\nINSERT INTO t1 VALUES (1);',
      '002_t.sql': 'INSERT INTO notes VALUES (1);',
      '003_t.sql': 'CREATE VIEW v1 AS SELECT x FROM t1;\nDROP VIEW v1;',
      '004_t.sql': 'RENAME TABLE t1 TO t1b;',
      '005_t.sql': hidden('UPDATE notes SET x = 2'),
      '006_t.sql': 'UPDATE notes SET x = 3;',
      '007_t.sql': 'CREATE TABLE IF NOT EXISTS t1b (x INT);\nDROP TABLE IF EXISTS nothing_here;',
    })
    assert.equal(error, undefined, String(error))
    assert.equal(applied.length, 7)
    // Ownership as the catalog before and after each migration says (a rename on MySQL: the old
    // name gone, the new one made by the renaming migration; IF NOT EXISTS of an existing table: nothing).
    assert.deepEqual(
      (await db.query('SELECT object_name, object_type, skill_name, version FROM _migration_objects ORDER BY 1')).map(
        (row) => [row.object_name, row.object_type, row.skill_name, Number(row.version)],
      ),
      [
        ['a', 'table', 'victim', 1],
        ['t1b', 'table', 'evil', 4],
        ['va', 'view', 'victim', 2],
      ],
    )
  })
})

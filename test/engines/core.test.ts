import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  ChecksumMismatchError,
  ForbiddenStatementError,
  LedgerChangedError,
  MigrationFailedError,
  OutOfOrderMigrationError,
  createMigrator,
  getHistory,
  getStatus,
  previewRollback,
  rollbackMigrations,
  verifyMigrations,
} from '../../lib/index.js'
import { ENGINES } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

/** The same behaviour on every engine the run tests (GLORIOUS_TEST_ENGINES). */
for (const engine of ENGINES) {
  describe(`core behaviour on ${engine.name}`, () => {
    it('applies pending migrations in version order, records each, and a second run does nothing', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), {
        '9_nine.sql': "INSERT INTO log (what) VALUES ('nine');",
        '10_ten.sql': "INSERT INTO log (what) VALUES ('ten');",
        '1_init.sql': 'CREATE TABLE log (what VARCHAR(20) NOT NULL);',
      })
      const migrator = createMigrator({ database: db.database, skill: 'notes', migrationsDir: dir, codegen: false })
      const first = await migrator.migrateToLatest()
      assert.equal(first.error, undefined, String(first.error))
      assert.deepEqual(
        first.applied.map((m) => m.version),
        [1, 9, 10],
      )
      assert.deepEqual(
        (await db.query('SELECT what FROM log ORDER BY what')).map((row) => row.what),
        ['nine', 'ten'],
      )
      const second = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(second.error, undefined)
      assert.deepEqual(second.applied, [])
      const ledger = await db.query('SELECT skill_name, version, filename, checksum FROM _migrations ORDER BY version')
      assert.deepEqual(
        ledger.map((row) => [row.skill_name, Number(row.version), row.filename, String(row.checksum).length]),
        [
          ['notes', 1, '1_init.sql', 64],
          ['notes', 9, '9_nine.sql', 64],
          ['notes', 10, '10_ten.sql', 64],
        ],
      )
    })

    it('a failing migration names skill, file, statement and line, and the fixed file applies', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), {
        '001_init.sql': "CREATE TABLE items (name VARCHAR(20) NOT NULL);\nINSERT INTO items VALUES ('kept');",
        // DML only: atomic on every engine.
        '002_broken.sql':
          "INSERT INTO items VALUES ('added');\n-- next one fails\nINSERT INTO missing_table VALUES (1);",
        '003_later.sql': 'CREATE TABLE later (a INTEGER);',
      })
      const migrator = createMigrator({ database: db.database, skill: 'shop', migrationsDir: dir, codegen: false })
      const failed = await migrator.migrateToLatest()
      assert.ok(failed.error instanceof MigrationFailedError, String(failed.error))
      assert.equal(failed.error.skill, 'shop')
      assert.equal(failed.error.filename, '002_broken.sql')
      assert.equal(failed.error.statementIndex, 2)
      assert.equal(failed.error.line, 3)
      assert.match(failed.error.message, /Nothing of this migration was applied/)
      assert.deepEqual(
        failed.results.map((r) => [r.filename, r.status]),
        [
          ['001_init.sql', 'Success'],
          ['002_broken.sql', 'Error'],
          ['003_later.sql', 'NotExecuted'],
        ],
      )
      assert.deepEqual(
        (await db.query('SELECT name FROM items')).map((row) => row.name),
        ['kept'],
      )
      writeFileSync(join(dir, '002_broken.sql'), "INSERT INTO items VALUES ('added');")
      const retry = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(retry.error, undefined, String(retry.error))
      assert.deepEqual(
        retry.applied.map((m) => m.filename),
        ['002_broken.sql', '003_later.sql'],
      )
    })

    it('refuses edited history with the contract message, and out-of-order files', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), {
        '001_a.sql': 'CREATE TABLE a (x INTEGER);',
        '003_c.sql': 'CREATE TABLE c (x INTEGER);',
      })
      const migrator = createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false })
      assert.equal((await migrator.migrateToLatest()).error, undefined)
      writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER, y INTEGER);')
      const edited = await migrator.migrateToLatest()
      assert.ok(edited.error instanceof ChecksumMismatchError)
      assert.match(edited.error.message, /^Migration checksum mismatch! Do not modify applied migrations\./)
      writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER);')
      writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x INTEGER);')
      const late = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.ok(late.error instanceof OutOfOrderMigrationError)
      assert.deepEqual(await db.tables().then((names) => names.filter((n) => !n.startsWith('_'))), ['a', 'c'])
    })

    it("refuses any statement naming the toolkit's tables", async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), { '001_evil.sql': "DELETE FROM _migrations WHERE skill_name = 'x';" })
      const { error } = await createMigrator({
        database: db.database,
        skill: 's',
        migrationsDir: dir,
        codegen: false,
      }).migrateToLatest()
      assert.ok(error instanceof ForbiddenStatementError, String(error))
    })

    it('status, history and verify read the ledger without changing anything', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), {
        '001_a.sql': 'CREATE TABLE a (x INTEGER);',
        '002_b.sql': 'CREATE TABLE b (x INTEGER);',
      })
      await createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false }).migrateTo(1)
      const before = await db.dump()
      const [status] = await getStatus({ database: db.database, skills: [{ name: 's', migrationsDir: dir }] })
      assert.equal(status?.state, 'pending')
      assert.equal(status?.version, 1)
      assert.equal(status?.pending, 1)
      const history = await getHistory({ database: db.database })
      assert.deepEqual(
        history.map((row) => row.filename),
        ['001_a.sql'],
      )
      const report = await verifyMigrations({ database: db.database, skills: [{ name: 's', migrationsDir: dir }] })
      assert.deepEqual(report.problems, [])
      assert.equal(await db.dump(), before)
    })

    it('rollback removes exactly the rows it showed, and refuses when the ledger changed', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), {
        '001_a.sql': 'CREATE TABLE a (x INTEGER);',
        '002_b.sql': 'CREATE TABLE b (x INTEGER);',
      })
      await createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false }).migrateTo(1)
      const shown = await previewRollback({ database: db.database, skill: 's', steps: 1 })
      await createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false }).migrateToLatest()
      await assert.rejects(
        rollbackMigrations({ database: db.database, skill: 's', steps: 1, expected: shown }),
        LedgerChangedError,
      )
      const again = await previewRollback({ database: db.database, skill: 's', steps: 2 })
      const done = await rollbackMigrations({ database: db.database, skill: 's', steps: 2, expected: again })
      assert.deepEqual(
        done.removed.map((row) => row.filename),
        ['002_b.sql', '001_a.sql'],
      )
      assert.deepEqual(await db.query('SELECT count(*) AS n FROM _migrations').then((rows) => Number(rows[0]?.n)), 0)
    })

    it('runs in one process serialise: three migrators at once apply each migration once', async () => {
      const db = await engine.create()
      const files: Record<string, string> = {}
      for (let n = 1; n <= 12; n++) files[`${String(n).padStart(3, '0')}_m.sql`] = `CREATE TABLE t${n} (x INTEGER);`
      const dir = migrationsDir(tempDir(), files)
      const runs = await Promise.all(
        [1, 2, 3].map(() =>
          createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false }).migrateToLatest(),
        ),
      )
      for (const run of runs) assert.equal(run.error, undefined, String(run.error))
      assert.equal(
        runs.reduce((sum, run) => sum + run.applied.length, 0),
        12,
      )
      assert.equal(Number((await db.query('SELECT count(*) AS n FROM _migrations'))[0]?.n), 12)
    })

    it('generates db-types.ts for the skill after a run', async () => {
      const db = await engine.create()
      const root = tempDir()
      const dir = migrationsDir(root, {
        '001_a.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100) NOT NULL);',
      })
      const migrator = createMigrator({ database: db.database, skill: 'notes', migrationsDir: dir })
      const run = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(run.error, undefined, String(run.error))
      assert.equal(run.types[0]?.status, 'written', run.warnings.join('\n'))
    })
  })
}

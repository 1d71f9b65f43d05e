import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type MigrationResultSet, createMigrator, getStatus } from '../../lib/index.js'
import { migrationChecksum } from '../../lib/files/checksum.js'
import { ENGINES, type TestDatabase } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const INIT = 'CREATE TABLE items (name VARCHAR(20) NOT NULL);'
const SEED = "INSERT INTO items (name) VALUES ('seed');"

/** Runs skill "items" `times` times with one migrator, and returns each run's results. */
async function migrate(db: TestDatabase, dir: string, times = 1): Promise<readonly MigrationResultSet[]> {
  const migrator = createMigrator({ database: db.database, skill: 'items', migrationsDir: dir, codegen: false })
  try {
    const results: MigrationResultSet[] = []
    for (let i = 0; i < times; i++) results.push(await migrator.migrateToLatest())
    return results
  } finally {
    await migrator.destroy()
  }
}

/** A ledger as the first release wrote it (five columns), recording 001_init.sql with `checksum`. */
async function firstReleaseLedger(db: TestDatabase, checksum: string): Promise<void> {
  await db.query(
    'CREATE TABLE _migrations (skill_name VARCHAR(255) NOT NULL, version INTEGER NOT NULL, filename VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(64) NOT NULL, PRIMARY KEY (skill_name, version))',
  )
  await db.query(
    `INSERT INTO _migrations (skill_name, version, filename, checksum, applied_at) VALUES ('items', 1, '001_init.sql', '${checksum}', '2025-01-01T00:00:00.000Z')`,
  )
}

/**
 * The ledger as the run first reads it, whatever its shape: MySQL reads the current columns at
 * once and asks for the columns only when that fails, the others ask first; every engine must
 * come to the same plan.
 */
for (const engine of ENGINES) {
  describe(`reading the ledger's shapes on ${engine.name}`, () => {
    it('a database without a ledger: everything is pending and applies', async () => {
      const db = await engine.create()
      const [run] = await migrate(db, migrationsDir(tempDir(), { '001_init.sql': INIT }))
      assert.equal(run?.error, undefined, String(run?.error))
      assert.deepEqual(
        run?.applied.map((m) => m.version),
        [1],
      )
    })

    it("a first release's ledger (five columns) is read as applied and brought up to date by the next run", async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), { '001_init.sql': INIT, '002_seed.sql': SEED })
      await db.query(INIT)
      await firstReleaseLedger(db, migrationChecksum(Buffer.from(INIT)))
      const before = await getStatus({ database: db.database, skills: [{ name: 'items', migrationsDir: dir }] })
      assert.deepEqual(
        before.map((skill) => [skill.skill, skill.migrations, skill.pending]),
        [['items', 1, 1]],
      )
      const [run, again] = await migrate(db, dir, 2)
      assert.equal(run?.error, undefined, String(run?.error))
      assert.deepEqual(
        run?.applied.map((m) => m.version),
        [2],
      )
      assert.deepEqual(again?.applied, [])
      assert.deepEqual(
        (await db.query('SELECT name FROM items')).map((row) => row.name),
        ['seed'],
      )
      const ledger = await db.query('SELECT version, status FROM _migrations ORDER BY version')
      assert.deepEqual(
        ledger.map((row) => [Number(row.version), row.status]),
        [
          [1, 'applied'],
          [2, 'applied'],
        ],
      )
    })

    it('an edited file under an old ledger is still refused by its checksum', async () => {
      const db = await engine.create()
      await firstReleaseLedger(db, '0'.repeat(64))
      const [run] = await migrate(db, migrationsDir(tempDir(), { '001_init.sql': INIT }))
      assert.match(String(run?.error?.message), /Migration checksum mismatch! Do not modify applied migrations\./)
      assert.deepEqual(run?.applied, [])
    })
  })
}

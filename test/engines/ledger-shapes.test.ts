import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMigrator, getStatus } from '../../lib/index.js'
import { migrationChecksum } from '../../lib/files/checksum.js'
import { ENGINES } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const INIT = 'CREATE TABLE items (name VARCHAR(20) NOT NULL);'
const SEED = "INSERT INTO items (name) VALUES ('seed');"

/**
 * The ledger as the run first reads it, whatever its shape: MySQL reads the current columns at
 * once and asks for the columns only when that fails, the others ask first; every engine must
 * come to the same plan.
 */
for (const engine of ENGINES) {
  describe(`reading the ledger's shapes on ${engine.name}`, () => {
    it('a database without a ledger: everything is pending and applies', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), { '001_init.sql': INIT })
      const migrator = createMigrator({ database: db.database, skill: 'items', migrationsDir: dir, codegen: false })
      const run = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(run.error, undefined, String(run.error))
      assert.deepEqual(
        run.applied.map((m) => m.version),
        [1],
      )
    })

    it("a first release's ledger (five columns) is read as applied and brought up to date by the next run", async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), { '001_init.sql': INIT, '002_seed.sql': SEED })
      await db.query(INIT)
      await db.query(
        'CREATE TABLE _migrations (skill_name VARCHAR(255) NOT NULL, version INTEGER NOT NULL, filename VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(64) NOT NULL, PRIMARY KEY (skill_name, version))',
      )
      await db.query(
        `INSERT INTO _migrations (skill_name, version, filename, checksum, applied_at) VALUES ('items', 1, '001_init.sql', '${migrationChecksum(Buffer.from(INIT))}', '2025-01-01T00:00:00.000Z')`,
      )
      const before = await getStatus({ database: db.database, skills: [{ name: 'items', migrationsDir: dir }] })
      assert.deepEqual(
        before.map((skill) => [skill.skill, skill.migrations, skill.pending]),
        [['items', 1, 1]],
      )
      const migrator = createMigrator({ database: db.database, skill: 'items', migrationsDir: dir, codegen: false })
      const run = await migrator.migrateToLatest()
      const again = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(run.error, undefined, String(run.error))
      assert.deepEqual(
        run.applied.map((m) => m.version),
        [2],
      )
      assert.deepEqual(again.applied, [])
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
      const dir = migrationsDir(tempDir(), { '001_init.sql': INIT })
      await db.query(
        'CREATE TABLE _migrations (skill_name VARCHAR(255) NOT NULL, version INTEGER NOT NULL, filename VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(64) NOT NULL, PRIMARY KEY (skill_name, version))',
      )
      await db.query(
        `INSERT INTO _migrations (skill_name, version, filename, checksum, applied_at) VALUES ('items', 1, '001_init.sql', '${'0'.repeat(64)}', '2025-01-01T00:00:00.000Z')`,
      )
      const migrator = createMigrator({ database: db.database, skill: 'items', migrationsDir: dir, codegen: false })
      const run = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.match(String(run.error?.message), /Migration checksum mismatch! Do not modify applied migrations\./)
      assert.deepEqual(run.applied, [])
    })
  })
}

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { ForeignKeyViolationError, LockTimeoutError, createMigrator, migrateSkills } from '../../lib/index.js'
import { fullDump, rows } from '../helpers/sqlite.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const PARENT_CHILD = `
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE);
INSERT INTO parent VALUES (1, 'p');
INSERT INTO child VALUES (10, 1), (11, 1);
`

// Prisma's table-rebuild idiom: without special handling, DROP TABLE parent cascades to child.
const REBUILD = `PRAGMA foreign_keys=OFF;
CREATE TABLE "new_parent" (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
INSERT INTO "new_parent" (id, name) SELECT id, coalesce(name, '') FROM parent;
DROP TABLE parent;
ALTER TABLE "new_parent" RENAME TO parent;
PRAGMA foreign_key_check;
PRAGMA foreign_keys=ON;
`

describe('SQLite specifics', () => {
  it('runs a foreign_keys=OFF table rebuild with foreign keys really off: no cascade, setting restored', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_init.sql': PARENT_CHILD,
      '002_rebuild.sql': REBUILD,
      '003_after.sql': 'CREATE TABLE after_rebuild (x);',
    })
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(database) }) })
    const migrator = createMigrator({ database: db, skill: 'fk', migrationsDir: dir })
    const { error, applied } = await migrator.migrateToLatest()
    assert.equal(error, undefined)
    assert.deepEqual(
      applied.map((m) => m.mode),
      ['transaction', 'foreign-keys-off', 'transaction'],
    )
    assert.deepEqual(
      rows(database, 'SELECT id FROM child ORDER BY id').map((r) => r.id),
      [10, 11],
    )
    const fk = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db)
    assert.equal(fk.rows[0]?.foreign_keys, 1)
    await migrator.destroy()
    await db.destroy()
  })

  it('fails a foreign_keys=OFF migration that leaves violations, keeping nothing of it', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_init.sql': PARENT_CHILD,
      '002_orphan.sql': 'PRAGMA foreign_keys=OFF;\nDELETE FROM parent;\nPRAGMA foreign_keys=ON;',
    })
    const first = createMigrator({ database, skill: 'fk', migrationsDir: dir })
    await first.migrateTo(1)
    const before = fullDump(database)
    const { error } = await first.migrateToLatest()
    await first.destroy()
    assert.ok(error instanceof ForeignKeyViolationError)
    assert.match(
      error.message,
      /"002_orphan.sql" leaves 2 foreign key violation\(s\) \(first: table "child" row 10 → "parent"\): nothing was applied/,
    )
    assert.equal(fullDump(database), before)
  })

  it('puts back connection settings a migration changes, so it cannot leak into the next one', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, { '001_legacy.sql': 'PRAGMA legacy_alter_table = ON;\nCREATE TABLE a (x);' })
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(database) }) })
    const { error } = await createMigrator({ database: db, skill: 's', migrationsDir: dir }).migrateToLatest()
    assert.equal(error, undefined)
    const setting = await sql<{ legacy_alter_table: number }>`PRAGMA legacy_alter_table`.execute(db)
    assert.equal(setting.rows[0]?.legacy_alter_table, 0)
    const timeout = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(db)
    assert.equal(timeout.rows[0]?.timeout, 5000, "the caller's busy timeout is restored")
    await db.destroy()
  })

  it('upgrades a ledger made by the older tool (no duration_ms column) and keeps its rows', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const raw = new Database(database)
    raw.exec(`CREATE TABLE _migrations (
      id INTEGER PRIMARY KEY AUTOINCREMENT, skill_name TEXT NOT NULL, version INTEGER NOT NULL,
      filename TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      UNIQUE (skill_name, version));
      CREATE TABLE a (x);`)
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x);', '002_b.sql': 'CREATE TABLE b (x);' })
    const { migrationChecksum } = await import('../../lib/index.js')
    const { readFileSync } = await import('node:fs')
    raw
      .prepare(
        "INSERT INTO _migrations (skill_name, version, filename, checksum, applied_at) VALUES ('s', 1, '001_a.sql', ?, '2025-11-16 00:00:00')",
      )
      .run(migrationChecksum(readFileSync(join(dir, '001_a.sql'))))
    raw.close()
    const migrator = createMigrator({ database, skill: 's', migrationsDir: dir })
    const { error, results } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(error, undefined)
    assert.deepEqual(
      results.map((r) => r.filename),
      ['002_b.sql'],
    )
    assert.deepEqual(
      rows(database, 'SELECT version, duration_ms IS NOT NULL AS timed FROM _migrations ORDER BY version'),
      [
        { version: 1, timed: 0 },
        { version: 2, timed: 1 },
      ],
    )
  })

  it('records which skill created which table and view; renames and rebuilds keep the owner, drops remove it', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const core = migrationsDir(
      root,
      {
        '001_core.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE tmp (x);\nCREATE TABLE legacy (x);',
      },
      'core',
    )
    const billing = migrationsDir(
      root,
      {
        '001_billing.sql':
          'CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER);\nALTER TABLE users ADD COLUMN plan TEXT;\nCREATE VIEW paying AS SELECT * FROM users;',
        '002_cleanup.sql': 'DROP TABLE tmp;\nALTER TABLE legacy RENAME TO archive;',
      },
      'billing',
    )
    const { error } = await migrateSkills(
      [
        { name: 'core', migrationsDir: core },
        { name: 'billing', migrationsDir: billing },
      ],
      { database },
    )
    assert.equal(error, undefined)
    assert.deepEqual(
      rows(
        database,
        'SELECT object_name, object_type, skill_name, version FROM _migration_objects ORDER BY object_name',
      ),
      [
        { object_name: 'archive', object_type: 'table', skill_name: 'core', version: 1 },
        { object_name: 'invoices', object_type: 'table', skill_name: 'billing', version: 1 },
        { object_name: 'paying', object_type: 'view', skill_name: 'billing', version: 1 },
        { object_name: 'users', object_type: 'table', skill_name: 'core', version: 1 },
      ],
    )
  })

  it('migrates several skills in one run; a failing skill stops alone', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const good = migrationsDir(
      root,
      { '001_a.sql': 'CREATE TABLE good_a (x);', '002_b.sql': 'CREATE TABLE good_b (x);' },
      'good',
    )
    const bad = migrationsDir(
      root,
      { '001_a.sql': 'CREATE TABLE bad_a (x);', '002_b.sql': 'CREATE TABLE bad_a (x);', '003_c.sql': 'SELECT 1;' },
      'bad',
    )
    const result = await migrateSkills(
      [
        { name: 'bad', migrationsDir: bad },
        { name: 'good', migrationsDir: good },
      ],
      { database },
    )
    assert.match(result.error?.message ?? '', /skill "bad": migration "002_b.sql" failed at statement 1/)
    const bySkill = Object.fromEntries(result.skills.map((s) => [s.skill, s]))
    assert.deepEqual(
      bySkill.bad?.applied.map((m) => m.filename),
      ['001_a.sql'],
    )
    assert.equal(bySkill.bad?.failed?.filename, '002_b.sql')
    assert.deepEqual(
      bySkill.bad?.notExecuted.map((m) => m.filename),
      ['003_c.sql'],
    )
    assert.deepEqual(
      bySkill.good?.applied.map((m) => m.filename),
      ['001_a.sql', '002_b.sql'],
    )
    assert.deepEqual(rows(database, 'SELECT skill_name, version FROM _migrations ORDER BY skill_name, version'), [
      { skill_name: 'bad', version: 1 },
      { skill_name: 'good', version: 1 },
      { skill_name: 'good', version: 2 },
    ])
  })

  it("waits for another process's write lock, then gives up after lockTimeoutMs with a clear error and no change", async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x);' })
    new Database(database).close()
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(database)}); db.exec('BEGIN IMMEDIATE');
         process.stdout.write('locked\\n'); setTimeout(() => { db.exec('ROLLBACK'); db.close() }, 3000)`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()))
    const started = Date.now()
    const migrator = createMigrator({ database, skill: 's', migrationsDir: dir, lockTimeoutMs: 400 })
    const { error } = await migrator.migrateToLatest()
    await migrator.destroy()
    const waited = Date.now() - started
    holder.kill()
    assert.ok(error instanceof LockTimeoutError, String(error))
    assert.match(
      error.message,
      /stayed locked by another process for 400 ms: wait for it to finish and run again, or raise the lock timeout/,
    )
    assert.ok(waited >= 350, `waited ${waited} ms`)
    assert.deepEqual(rows(database, "SELECT name FROM sqlite_master WHERE type = 'table'"), [])
  })
})

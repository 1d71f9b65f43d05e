/**
 * What one PostgreSQL migration leaves in the run's session must not reach the next one: a run
 * applies several migrations on one connection (several in one message), and a later run may
 * apply the same files one at a time, or on another connection. A temporary table outlived its
 * migration, so a later file's `INSERT INTO notes` went into a temporary `notes` and vanished
 * at the end of the run, recorded as applied. A deferred constraint that fails at a migration's
 * COMMIT names that migration, and keeps nothing of it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MigrationFailedError, createMigrator } from '../../lib/index.js'
import { postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

async function run(database: string, dir: string) {
  const migrator = createMigrator({ database, skill: 'notes', migrationsDir: dir, codegen: false })
  try {
    return await migrator.migrateToLatest()
  } finally {
    await migrator.destroy()
  }
}

const FIRST = 'CREATE TABLE notes (id int PRIMARY KEY, body text);'

describe('session state between PostgreSQL migrations', () => {
  // The temporary table is made by the run's first migration (step by step) or by one in the
  // middle of a message; the file that uses it comes in a message after it.
  for (const shape of ['step by step', 'in one message'] as const) {
    const files = (temp: string, use: string): Record<string, string> =>
      shape === 'step by step'
        ? { '001_init.sql': `${FIRST}\n${temp}`, '002_use.sql': use }
        : {
            '001_init.sql': FIRST,
            '002_other.sql': 'CREATE TABLE other (id int);',
            '003_temp.sql': temp,
            '004_use.sql': use,
          }

    it(`a temporary table that shadows a table does not outlive its migration (${shape})`, async () => {
      const db = await postgres.create()
      const dir = migrationsDir(
        tempDir(),
        files('CREATE TEMP TABLE notes (id int, body text);', "INSERT INTO notes VALUES (1, 'kept');"),
      )
      const result = await run(db.database, dir)
      assert.equal(result.error, undefined)
      // The insert reached the real table, as it does when the file runs alone.
      assert.deepEqual(await db.query('SELECT id, body FROM public.notes'), [{ id: 1, body: 'kept' }])
    })

    it(`a later migration cannot read a temporary table of an earlier one (${shape})`, async () => {
      const db = await postgres.create()
      const dir = migrationsDir(
        tempDir(),
        files('CREATE TEMP TABLE scratch AS SELECT 7 AS n;', "INSERT INTO notes SELECT n, 'x' FROM scratch;"),
      )
      const result = await run(db.database, dir)
      // As it would fail alone, it fails here: its file depends on another's scratch table.
      assert.ok(result.error instanceof MigrationFailedError, String(result.error))
      assert.match(result.error.message, /_use\.sql" failed .*relation "scratch" does not exist/)
      assert.deepEqual(await db.query('SELECT id FROM notes'), [])
    })
  }

  // A setting changed without naming it (only running the statement tells which) is put back too.
  for (const [what, change] of [
    ['a computed set_config name', "SELECT set_config(lower('SESSION_REPLICATION_ROLE'), 'replica', false);"],
    ['a SET run by a DO block', "DO $$ BEGIN EXECUTE 'SET session_replication_role = replica'; END $$;"],
  ] as const) {
    it(`a setting changed by ${what} does not reach the next migration (its foreign keys still hold)`, async () => {
      const db = await postgres.create()
      const dir = migrationsDir(tempDir(), {
        '001_init.sql': 'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p int REFERENCES p);',
        '002_other.sql': 'CREATE TABLE other (id int);',
        '003_setting.sql': change,
        '004_orphan.sql': 'INSERT INTO c VALUES (42);',
      })
      const result = await run(db.database, dir)
      assert.ok(result.error instanceof MigrationFailedError, String(result.error))
      assert.match(result.error.message, /"004_orphan\.sql" failed .*violates foreign key constraint/)
      assert.deepEqual(await db.query('SELECT * FROM c'), [])
    })
  }

  it("RESET ALL does not reset the run's lock_timeout or search_path (--schema) for the next migrations", async () => {
    const db = await postgres.create()
    const dir = migrationsDir(tempDir(), {
      '001_init.sql': FIRST,
      '002_reset.sql': 'RESET ALL;',
      '003_check.sql': "SELECT 1 / (current_setting('lock_timeout') = '5s')::int;\nCREATE TABLE after_reset (id int);",
    })
    const migrator = createMigrator({
      database: db.database,
      schema: 'app',
      skill: 'notes',
      migrationsDir: dir,
      codegen: false,
    })
    try {
      const result = await migrator.migrateToLatest()
      assert.equal(result.error, undefined, String(result.error))
    } finally {
      await migrator.destroy()
    }
    assert.deepEqual(await db.query("SELECT schemaname FROM pg_tables WHERE tablename = 'after_reset'"), [
      { schemaname: 'app' },
    ])
  })

  for (const shape of ['alone', 'in one message'] as const) {
    it(`a deferred foreign key that fails at COMMIT names its migration and keeps nothing of it (${shape})`, async () => {
      const db = await postgres.create()
      const files: Record<string, string> = {
        '001_init.sql':
          'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);',
        '002_other.sql': 'CREATE TABLE other (id int);',
        '003_orphan.sql': 'INSERT INTO c VALUES (1);',
      }
      if (shape === 'in one message') files['004_after.sql'] = 'CREATE TABLE after_it (id int);'
      else delete files['002_other.sql']
      const dir = migrationsDir(tempDir(), files)
      const result = await run(db.database, dir)
      assert.ok(result.error instanceof MigrationFailedError, String(result.error))
      assert.equal(result.error.skill, 'notes')
      assert.match(result.error.message, /migration "003_orphan\.sql" failed/)
      assert.match(result.error.message, /violates foreign key constraint/)
      assert.match(result.error.message, /Nothing of this migration was applied/)
      assert.deepEqual(await db.query('SELECT * FROM c'), [])
      const versions = (await db.query('SELECT version FROM _migrations ORDER BY version')).map((r) =>
        Number(r.version),
      )
      assert.deepEqual(versions, shape === 'alone' ? [1] : [1, 2])
      assert.deepEqual(await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'after_it'"), [])
    })
  }
})

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { SqlFileMigrationProvider } from '../../lib/index.js'
import { rows } from '../helpers/sqlite.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

describe("SqlFileMigrationProvider with Kysely's own Migrator", () => {
  it('runs the SQL files in order, each file atomically', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '009_nine.sql': "INSERT INTO log VALUES ('nine');",
      '010_ten.sql': "INSERT INTO log VALUES ('ten');\nINSERT INTO nope VALUES (1);",
      '001_init.sql': 'CREATE TABLE log (what TEXT);\nCREATE TRIGGER t AFTER INSERT ON log BEGIN SELECT 1; END;',
    })
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(database) }) })
    const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider({ migrationsDir: dir }) })
    const { error, results } = await migrator.migrateToLatest()
    await db.destroy()
    assert.match(String(error), /no such table: nope/)
    assert.deepEqual(
      results?.map((r) => [r.migrationName, r.status]),
      [
        ['001_init', 'Success'],
        ['009_nine', 'Success'],
        ['010_ten', 'Error'],
      ],
    )
    // 10_ten's first INSERT was rolled back with its failing statement.
    assert.deepEqual(
      rows(database, 'SELECT what FROM log').map((r) => r.what),
      ['nine'],
    )
  })

  it('refuses a folder with a bad file name', async () => {
    const dir = migrationsDir(tempDir(), { 'init.sql': 'SELECT 1;' })
    await assert.rejects(
      new SqlFileMigrationProvider({ migrationsDir: dir }).getMigrations(),
      /migration file name "init.sql" is invalid/,
    )
  })

  it('refuses versions whose string order differs from their numeric order', async () => {
    const dir = migrationsDir(tempDir(), { '9_a.sql': 'SELECT 1;', '10_b.sql': 'SELECT 2;' })
    await assert.rejects(
      new SqlFileMigrationProvider({ migrationsDir: dir }).getMigrations(),
      /Kysely's Migrator orders names as strings, so "10_b" would run before "9_a"; pad the versions to one width/,
    )
  })
})

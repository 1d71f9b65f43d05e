/**
 * PostgreSQL's one-message migrations (BEGIN, statements, check, ledger row, COMMIT in one round
 * trip): the check of the toolkit's tables catches every way a migration can reach them, by
 * effect; failures are located and leave nothing; values with quotes and backslashes reach the
 * ledger intact. Each case runs after a first migration, since the first one of a run creates
 * the ledger on the step-by-step path.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import pg from 'pg'
import { MigrationFailedError, ReservedTableError, createMigrator } from '../../lib/index.js'
import { type TestDatabase, postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const FIRST = { '001_init.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text);' }

async function run(database: string, dir: string, options: Partial<Parameters<typeof createMigrator>[0]> = {}) {
  const migrator = createMigrator({ database, skill: 'notes', migrationsDir: dir, codegen: false, ...options })
  try {
    return await migrator.migrateToLatest()
  } finally {
    await migrator.destroy()
  }
}

/**
 * The first migration applied in one run, then `file` in a second run: as that run's first
 * migration (the step-by-step path, which also creates or upgrades the ledger) or after another
 * one (the one-message path).
 */
async function applyInSecondRun(name: string, text: string, position: 'first' | 'later' = 'later') {
  const db = await postgres.create()
  const dir = migrationsDir(tempDir(), FIRST)
  assert.equal((await run(db.database, dir)).error, undefined)
  if (position === 'later') writeFileSync(join(dir, '002_benign.sql'), "INSERT INTO notes VALUES (100, 'x');")
  writeFileSync(join(dir, name), text)
  const result = await run(db.database, dir)
  return { db, dir, result }
}

/** Nothing of the failed third migration stayed: not its row in `notes`, not a ledger row. */
async function assertKeptNothing(db: TestDatabase, position: 'first' | 'later' = 'later'): Promise<void> {
  assert.deepEqual(await db.query('SELECT id FROM notes WHERE id = 1'), [])
  const versions = (await db.query('SELECT version FROM _migrations ORDER BY version')).map((r) => Number(r.version))
  assert.deepEqual(versions, position === 'later' ? [1, 2] : [1])
}

const TOUCHING: readonly (readonly [string, string])[] = [
  [
    'an insert by dynamic SQL',
    "DO $$ BEGIN EXECUTE 'INSERT INTO _migr' || 'ations (skill_name, version, filename, checksum, applied_at) VALUES (''x'', 1, ''f'', ''c'', ''t'')'; END $$;",
  ],
  ['a delete by dynamic SQL', "DO $$ BEGIN EXECUTE 'DELETE FROM _migr' || 'ations'; END $$;"],
  [
    'an update through a function',
    "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'UPDATE _migr' || 'ations SET checksum = checksum'; END $$;\nSELECT f();",
  ],
  [
    'a trigger on a ledger table',
    "CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nDO $$ BEGIN EXECUTE 'CREATE TRIGGER x BEFORE INSERT ON _migr' || 'ations FOR EACH ROW EXECUTE FUNCTION t()'; END $$;",
  ],
  ['an ALTER TABLE', "DO $$ BEGIN EXECUTE 'ALTER TABLE _migration_obj' || 'ects ADD COLUMN extra int'; END $$;"],
  ['a TRUNCATE', "DO $$ BEGIN EXECUTE 'TRUNCATE _migration_obj' || 'ects'; END $$;"],
  ['a rename of a ledger table', "DO $$ BEGIN EXECUTE 'ALTER TABLE _migr' || 'ations RENAME TO old_ledger'; END $$;"],
  [
    'a temporary table that shadows the ledger',
    "DO $$ BEGIN EXECUTE 'CREATE TEMP TABLE _migr' || 'ations (LIKE notes)'; END $$;",
  ],
  [
    'a temporary table put first in search_path by dynamic SQL',
    "DO $$ BEGIN EXECUTE 'SET LOCAL search_path = pg_temp, public'; EXECUTE 'CREATE TEMP TABLE _migr' || 'ations (LIKE notes)'; END $$;",
  ],
  ['a LOCK TABLE', "DO $$ BEGIN EXECUTE 'LOCK TABLE _migr' || 'ations IN EXCLUSIVE MODE'; END $$;"],
]

describe('one-message migrations on PostgreSQL', () => {
  for (const position of ['first', 'later'] as const) {
    for (const [what, text] of TOUCHING) {
      it(`refuses ${what} on the toolkit's tables (${position} in its run) and keeps nothing of it`, async () => {
        const { db, result } = await applyInSecondRun(
          '003_sneaky.sql',
          `INSERT INTO notes VALUES (1, 'a');\n${text}`,
          position,
        )
        assert.ok(result.error instanceof ReservedTableError, String(result.error))
        assert.match(String(result.error.message), /003_sneaky\.sql.*_migration/)
        await assertKeptNothing(db, position)
      })
    }
  }

  it("lets a migration read the toolkit's tables and ANALYZE the whole database", async () => {
    const { db, result } = await applyInSecondRun(
      '003_reads.sql',
      "DO $$ BEGIN EXECUTE 'SELECT count(*) FROM _migr' || 'ations'; END $$;\nANALYZE;\nINSERT INTO notes VALUES (1, 'a');",
    )
    assert.equal(result.error, undefined, String(result.error))
    const versions = (await db.query('SELECT version FROM _migrations ORDER BY version')).map((r) => Number(r.version))
    assert.deepEqual(versions, [1, 2, 3])
  })

  it('names the statement, line and column of an error with a position, and keeps nothing of it', async () => {
    const { db, result } = await applyInSecondRun(
      '003_typo.sql',
      "INSERT INTO notes VALUES (1, 'a');\n\nSELECT body FROM notes\n  WHERE nosuch = 1;",
    )
    assert.ok(result.error instanceof MigrationFailedError, String(result.error))
    assert.equal(result.error.statementIndex, 2)
    assert.equal(result.error.line, 4)
    assert.equal(result.error.column, 9)
    await assertKeptNothing(db)
  })

  it('explains an error without a position by its statement, and keeps nothing of it', async () => {
    const { db, result } = await applyInSecondRun(
      '003_dup.sql',
      "INSERT INTO notes VALUES (1, 'a');\nINSERT INTO notes VALUES (2, 'b');\nINSERT INTO notes VALUES (1, 'c');",
    )
    assert.ok(result.error instanceof MigrationFailedError, String(result.error))
    assert.equal(result.error.statementIndex, 3)
    assert.equal(result.error.sqlState, '23505')
    await assertKeptNothing(db)
  })

  it('records what the step-by-step path records, values with quotes and backslashes intact', async () => {
    const files = {
      ...FIRST,
      '002_more.sql': "CREATE TABLE tags (name text);\nINSERT INTO tags VALUES ('it''s \\ here');",
      '003_rename.sql': 'ALTER TABLE tags RENAME TO labels;\nDROP TABLE notes;\nCREATE VIEW v AS SELECT 1 AS one;',
    }
    const ledger = async (database: { query(text: string): Promise<Record<string, unknown>[]> }) => ({
      rows: (await database.query('SELECT * FROM _migrations ORDER BY version')).map(
        ({ applied_at: _at, duration_ms: duration, ...row }): Record<string, unknown> => ({
          ...row,
          measured: Number.isInteger(duration),
        }),
      ),
      owners: await database.query('SELECT * FROM _migration_objects ORDER BY object_name'),
      labels: await database.query('SELECT name FROM labels'),
    })
    const folder = join(tempDir(), "it's a \\ folder")
    // One run: the second and third migrations go as one message each.
    const together = await postgres.create()
    const dir = migrationsDir(folder, files)
    assert.equal((await run(together.database, dir)).error, undefined)
    // One run per migration: each is the first of its run, step by step.
    const apart = await postgres.create()
    const stepDir = migrationsDir(folder, {}, 'step-by-step')
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(stepDir, name), text)
      assert.equal((await run(apart.database, stepDir)).error, undefined)
    }
    const expected = await ledger(apart)
    const actual = await ledger(together)
    assert.deepEqual(
      actual.rows.map((row) => ({ ...row, migrations_dir: row.migrations_dir === dir ? 'same' : row.migrations_dir })),
      expected.rows.map((row) => ({
        ...row,
        migrations_dir: row.migrations_dir === stepDir ? 'same' : row.migrations_dir,
      })),
    )
    assert.deepEqual(actual.owners, expected.owners)
    assert.deepEqual(actual.labels, [{ name: "it's \\ here" }])
    assert.ok(actual.rows.every((row) => row.measured))
    assert.ok(dir.includes("'") && dir.includes('\\'))
  })

  for (const releaseAfterMs of [undefined, 450]) {
    const outcome =
      releaseAfterMs === undefined
        ? 'fails, naming its statement, after its retries'
        : 'applies on a retry once the lock is released'
    it(`a migration behind another session's lock ${outcome}`, async () => {
      const db = await postgres.create()
      const dir = migrationsDir(tempDir(), FIRST)
      assert.equal((await run(db.database, dir)).error, undefined)
      writeFileSync(join(dir, '002_benign.sql'), "INSERT INTO notes VALUES (100, 'x');")
      writeFileSync(join(dir, '003_alter.sql'), 'ALTER TABLE notes ADD COLUMN extra int;')
      const blocker = new pg.Client({ connectionString: db.database })
      await blocker.connect()
      try {
        await blocker.query('BEGIN')
        await blocker.query('SELECT * FROM notes')
        const release =
          releaseAfterMs === undefined ? undefined : setTimeout(() => void blocker.query('COMMIT'), releaseAfterMs)
        const retries: number[] = []
        const result = await run(db.database, dir, {
          statementLockTimeoutMs: 100,
          // Waiting for a release: enough retries that the last comes after it, however the
          // jittered pauses fall on a loaded machine.
          lockRetries: releaseAfterMs === undefined ? 2 : 6,
          onRetry: (event) => retries.push(event.attempt),
        })
        clearTimeout(release)
        if (releaseAfterMs === undefined) {
          assert.ok(result.error instanceof MigrationFailedError, String(result.error))
          assert.match(result.error.message, /003_alter\.sql.*statement 1/s)
          assert.deepEqual(retries, [1, 2])
          const versions = (await db.query('SELECT version FROM _migrations ORDER BY version')).map((r) =>
            Number(r.version),
          )
          assert.deepEqual(versions, [1, 2])
        } else {
          assert.equal(result.error, undefined, String(result.error))
          assert.ok(retries.length >= 1)
          assert.deepEqual(
            await db.query(
              "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'extra'",
            ),
            [{ column_name: 'extra' }],
          )
        }
      } finally {
        await blocker.end()
      }
    })
  }

  it('ends a run with a synchronous commit: the last migration, else a rewrite of the last deferred ledger row', async () => {
    // xmin is the transaction that wrote a row version: a ledger row rewritten to settle the
    // deferred commits no longer shares it with the ownership row its migration wrote.
    const rewritten = async (db: TestDatabase, version: number, table: string) => {
      const [row] = await db.query(
        `SELECT (SELECT xmin::text FROM _migrations WHERE version = ${version}) AS ledger,
                (SELECT xmin::text FROM _migration_objects WHERE object_name = '${table}') AS owner`,
      )
      return row?.ledger !== row?.owner
    }
    const files = {
      ...FIRST,
      '002_tags.sql': 'CREATE TABLE tags (name text);',
      '003_labels.sql': 'CREATE TABLE labels (name text);',
    }
    const clean = await postgres.create()
    assert.equal((await run(clean.database, migrationsDir(tempDir(), files))).error, undefined)
    assert.equal(await rewritten(clean, 2, 'tags'), false)
    assert.equal(await rewritten(clean, 3, 'labels'), false)

    const failing = await postgres.create()
    const dir = migrationsDir(tempDir(), { ...files, '004_bad.sql': 'SELECT nosuch FROM labels;' })
    assert.ok((await run(failing.database, dir)).error instanceof MigrationFailedError)
    assert.equal(await rewritten(failing, 2, 'tags'), false)
    assert.equal(await rewritten(failing, 3, 'labels'), true)
  })
})

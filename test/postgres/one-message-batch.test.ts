/**
 * PostgreSQL sends consecutive one-message migrations together, each still in a transaction of
 * its own: a failure anywhere in such a message keeps the migrations before it (each committed
 * with its ledger row), keeps nothing of the failed one, runs none after it and names the right
 * file; lock waits are retried for the migration that waited; each migration's reported time is
 * its own. Each run's first migration goes step by step (it creates the ledger), so every case
 * applies a first file in one run and the rest in a second, whose own first file goes alone.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import pg from 'pg'
import { MigrationFailedError, ReservedTableError, createMigrator, migrateSkills } from '../../lib/index.js'
import { type TestDatabase, postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const FIRST = {
  '001_init.sql': 'CREATE TABLE seen (version int PRIMARY KEY, received timestamptz NOT NULL);',
}

/** A migration that records its version and the time the server received its message. */
function recording(version: number, extra = ''): string {
  return `INSERT INTO seen VALUES (${version}, statement_timestamp());\nCREATE TABLE t${version} (id int);${extra}`
}

async function run(database: string, dir: string, options: Partial<Parameters<typeof createMigrator>[0]> = {}) {
  const migrator = createMigrator({ database, skill: 'batch', migrationsDir: dir, codegen: false, ...options })
  try {
    return await migrator.migrateToLatest()
  } finally {
    await migrator.destroy()
  }
}

/** A database with the first migration applied, and a folder with `files` added after it. */
async function prepared(files: Record<string, string>): Promise<{ db: TestDatabase; dir: string }> {
  const db = await postgres.create()
  const dir = migrationsDir(tempDir(), FIRST)
  assert.equal((await run(db.database, dir)).error, undefined)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return { db, dir }
}

async function versions(db: TestDatabase, skill = 'batch'): Promise<number[]> {
  const rows = await db.query(`SELECT version FROM _migrations WHERE skill_name = '${skill}' ORDER BY version`)
  return rows.map((row) => Number(row.version))
}

async function seen(db: TestDatabase): Promise<number[]> {
  return (await db.query('SELECT version FROM seen ORDER BY version')).map((row) => Number(row.version))
}

/** Files 002 … 001+count, each recording itself; `at` replaces one file's text. */
function files(count: number, at: Record<number, string> = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (let version = 2; version <= count + 1; version++) {
    out[`${String(version).padStart(3, '0')}_m.sql`] = at[version] ?? recording(version)
  }
  return out
}

describe('several one-message migrations in one message on PostgreSQL', () => {
  it('sends consecutive migrations together, each committed in its own transaction with its own ledger row', async () => {
    const { db, dir } = await prepared(files(6))
    const result = await run(db.database, dir)
    assert.equal(result.error, undefined, String(result.error))
    assert.deepEqual(await versions(db), [1, 2, 3, 4, 5, 6, 7])
    // statement_timestamp() is when the server received the statement's message: after the run's
    // first migration (step by step: it makes sure of the ledger), one message.
    const received = await db.query('SELECT count(DISTINCT received) AS n FROM seen WHERE version > 2')
    assert.equal(Number(received[0]!.n), 1)
    // Each transaction of its own: six commits, six transaction ids on the ledger rows.
    const xids = await db.query('SELECT count(DISTINCT xmin::text) AS n FROM _migrations WHERE version > 1')
    assert.equal(Number(xids[0]!.n), 6)
  })

  it('a failure with a position in the middle keeps those before it, names its line, and runs none after it', async () => {
    const { db, dir } = await prepared(files(7, { 5: `${recording(5)}\nSELECT nosuch\n  FROM t5;` }))
    const result = await run(db.database, dir)
    assert.ok(result.error instanceof MigrationFailedError, String(result.error))
    assert.match(result.error.message, /005_m\.sql/)
    assert.equal(result.error.statementIndex, 3)
    assert.equal(result.error.line, 3)
    assert.equal(result.error.column, 8)
    assert.deepEqual(await versions(db), [1, 2, 3, 4])
    assert.deepEqual(await seen(db), [2, 3, 4])
    assert.deepEqual(
      result.results.map((r) => `${r.migrationName}:${r.status}`),
      [
        '002_m:Success',
        '003_m:Success',
        '004_m:Success',
        '005_m:Error',
        '006_m:NotExecuted',
        '007_m:NotExecuted',
        '008_m:NotExecuted',
      ],
    )
    // Fixed, the next run applies the rest.
    writeFileSync(join(dir, '005_m.sql'), recording(5))
    assert.equal((await run(db.database, dir)).error, undefined)
    assert.deepEqual(await versions(db), [1, 2, 3, 4, 5, 6, 7, 8])
    assert.deepEqual(await seen(db), [2, 3, 4, 5, 6, 7, 8])
  })

  it('a failure without a position in the middle is explained by its statement, and those before it stay', async () => {
    const { db, dir } = await prepared(files(5, { 4: `${recording(4)}\nINSERT INTO seen VALUES (2, now());` }))
    const result = await run(db.database, dir)
    assert.ok(result.error instanceof MigrationFailedError, String(result.error))
    assert.match(result.error.message, /004_m\.sql/)
    assert.equal(result.error.statementIndex, 3)
    assert.match(result.error.message, /duplicate key/)
    assert.deepEqual(await versions(db), [1, 2, 3])
    assert.deepEqual(await seen(db), [2, 3])
  })

  it("refuses the migration that touches the toolkit's tables, naming it, and keeps those before it", async () => {
    const sneaky = `${recording(4)}\nDO $$ BEGIN EXECUTE 'DELETE FROM _migr' || 'ations'; END $$;`
    const { db, dir } = await prepared(files(5, { 4: sneaky }))
    const result = await run(db.database, dir)
    assert.ok(result.error instanceof ReservedTableError, String(result.error))
    assert.match(result.error.message, /004_m\.sql/)
    assert.deepEqual(await versions(db), [1, 2, 3])
    assert.deepEqual(await seen(db), [2, 3])
  })

  for (const releaseAfterMs of [undefined, 450]) {
    const outcome = releaseAfterMs === undefined ? 'fails after its retries' : 'applies on a retry'
    it(`a migration in the middle behind another session's lock ${outcome}; those before it stay`, async () => {
      const { db, dir } = await prepared(files(5, { 4: `${recording(4)}\nALTER TABLE seen ADD COLUMN extra int;` }))
      const blocker = new pg.Client({ connectionString: db.database })
      await blocker.connect()
      try {
        await blocker.query('BEGIN')
        await blocker.query('SELECT * FROM seen')
        const release =
          releaseAfterMs === undefined ? undefined : setTimeout(() => void blocker.query('COMMIT'), releaseAfterMs)
        const retried: string[] = []
        const result = await run(db.database, dir, {
          statementLockTimeoutMs: 100,
          // Waiting for a release: enough retries that the last comes after it, however the
          // jittered pauses fall on a loaded machine.
          lockRetries: releaseAfterMs === undefined ? 2 : 6,
          onRetry: (event) => retried.push(`${event.migration} ${event.attempt}`),
        })
        clearTimeout(release)
        if (releaseAfterMs === undefined) {
          assert.ok(result.error instanceof MigrationFailedError, String(result.error))
          assert.match(result.error.message, /004_m\.sql.*statement 3/s)
          assert.deepEqual(retried, ['batch 004_m.sql 1', 'batch 004_m.sql 2'])
          assert.deepEqual(await versions(db), [1, 2, 3])
        } else {
          assert.equal(result.error, undefined, String(result.error))
          assert.ok(retried.length >= 1 && retried.every((r) => r.startsWith('batch 004_m.sql')), String(retried))
          assert.deepEqual(await versions(db), [1, 2, 3, 4, 5, 6])
          assert.deepEqual(await seen(db), [2, 3, 4, 5, 6])
        }
      } finally {
        await blocker.end()
      }
    })
  }

  it("reports each migration's own time, the one the ledger records", async () => {
    const { db, dir } = await prepared(files(5, { 4: `${recording(4)}\nSELECT pg_sleep(0.3);` }))
    const result = await run(db.database, dir)
    assert.equal(result.error, undefined, String(result.error))
    const reported = new Map(result.results.map((r) => [`${r.migrationName}.sql`, r.durationMs]))
    const recorded = await db.query('SELECT filename, duration_ms FROM _migrations WHERE version > 2')
    assert.equal(recorded.length, 4)
    for (const row of recorded) assert.equal(reported.get(String(row.filename)), Number(row.duration_ms))
    assert.ok(reported.get('004_m.sql')! >= 290, `004 took ${reported.get('004_m.sql')} ms`)
    for (const name of ['002_m.sql', '003_m.sql', '005_m.sql', '006_m.sql']) {
      assert.ok(reported.get(name)! < 200, `${name} took ${reported.get(name)} ms`)
    }
  })

  it("one skill's failure in a shared message stops that skill only", async () => {
    const db = await postgres.create()
    const a = migrationsDir(tempDir(), {
      '001_a.sql': 'CREATE TABLE a1 (id int);',
      '002_a.sql': 'CREATE TABLE a2 (id int);',
      '003_a.sql': 'SELECT nosuch FROM a2;',
      '004_a.sql': 'CREATE TABLE a4 (id int);',
    })
    const b = migrationsDir(tempDir(), {
      '001_b.sql': 'CREATE TABLE b1 (id int);',
      '002_b.sql': 'CREATE TABLE b2 (id int);',
    })
    const result = await migrateSkills(
      [
        { name: 'a', migrationsDir: a },
        { name: 'b', migrationsDir: b },
      ],
      { database: db.database, codegen: false },
    )
    assert.ok(result.error instanceof MigrationFailedError, String(result.error))
    assert.deepEqual(await versions(db, 'a'), [1, 2])
    assert.deepEqual(await versions(db, 'b'), [1, 2])
    assert.deepEqual(
      (await db.query("SELECT tablename FROM pg_tables WHERE tablename ~ '^[ab][0-9]$' ORDER BY 1")).map(
        (r) => r.tablename,
      ),
      ['a1', 'a2', 'b1', 'b2'],
    )
  })
})

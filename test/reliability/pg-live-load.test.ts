// Live load on PostgreSQL: one client runs a steady stream of short queries on table `t` (an
// UPDATE or a SELECT by id every ~2 ms, each latency recorded), another session holds a long
// transaction that has read `t` (so it holds ACCESS SHARE on it), and a migration altering `t`
// (ALTER TABLE … ADD COLUMN, which needs ACCESS EXCLUSIVE) runs through the CLI.
//
// While the ALTER waits for its lock, every new query on `t` queues behind it: the client stalls
// for as long as the migration waits. With our default `lock_timeout` (5 s) the migration gives
// up after 5 s, rolls back (releasing the queue), and retries with backoff until the long
// transaction ends, then applies: the client never waits much more than one lock timeout. With
// the lock timeout off (0) the client stalls for the whole remaining long transaction, as with
// every peer. With a short lock timeout (500 ms) and a long transaction that outlasts all retries,
// the migration fails clearly and leaves no ledger row.
//
// Prints `live-load:` lines with the client's max and p99 latency for each case. Behavioural
// assertions only: the stall is bounded by the lock timeout (plus a generous margin for a busy
// machine), and without it covers most of the time the migration waited.
//
// PG_LIVE_HOLD_MS (8000): how long the long transaction lasts. Needs the server at 127.0.0.1:5432.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { before, describe, it } from 'node:test'
import pg from 'pg'
import { DEFAULT_STATEMENT_LOCK_TIMEOUT_MS } from '../../lib/connection/database-options.js'
import { type CliResult, glorious } from '../helpers/cli.js'
import { type PgDatabase, adminQuery, createDatabase } from '../helpers/pg-server.js'
import { tempDir } from '../helpers/temp.js'

const SKILL = 'live'
const HOLD_MS = Number(process.env.PG_LIVE_HOLD_MS || 8000)
/** What a busy 2-core machine may add to a stall on top of the lock timeout. */
const MARGIN_MS = 2000
const ROWS = 1000

interface Latencies {
  readonly count: number
  readonly maxMs: number
  readonly p99Ms: number
  readonly p50Ms: number
  readonly errors: number
}

interface CaseResult {
  readonly client: Latencies
  readonly migration: CliResult
  /** When the ALTER was first seen waiting for its lock, and when the long transaction committed (ms since start). */
  readonly waitSeenAtMs: number | undefined
  readonly commitAtMs: number
  readonly migrationDoneAtMs: number
  readonly holdMs: number
  /** Ledger rows of the altering migration (0 or 1). */
  readonly ledgerRows: number
  readonly columnAdded: boolean
}

/** Short queries on `t` every ~2 ms until stopped, each latency recorded. */
function startClient(url: string): { stop(): Promise<Latencies> } {
  const latencies: number[] = []
  let errors = 0
  let running = true
  const done = (async () => {
    const client = new pg.Client({ connectionString: url, application_name: 'live-load client' })
    await client.connect()
    try {
      for (let i = 0; running; i++) {
        const id = 1 + (i % ROWS)
        const t0 = performance.now()
        try {
          if (i % 2 === 0) await client.query('UPDATE t SET v = v + 1 WHERE id = $1', [id])
          else await client.query('SELECT v FROM t WHERE id = $1', [id])
        } catch {
          errors++
        }
        latencies.push(performance.now() - t0)
        await sleep(2)
      }
    } finally {
      await client.end()
    }
  })()
  return {
    async stop() {
      running = false
      await done
      const sorted = [...latencies].sort((a, b) => a - b)
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
      return {
        count: sorted.length,
        maxMs: Math.round(sorted.at(-1) ?? 0),
        p99Ms: Math.round(at(0.99) * 10) / 10,
        p50Ms: Math.round(at(0.5) * 10) / 10,
        errors,
      }
    },
  }
}

/** Polls until the migration's ALTER is seen waiting for a lock on `t`; returns when (ms since `t0`). */
async function watchLockWait(db: PgDatabase, t0: number, until: () => boolean): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    while (!until()) {
      const { rows } = await client.query(
        `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
         WHERE c.relname = 't' AND l.mode = 'AccessExclusiveLock' AND NOT l.granted LIMIT 1`,
      )
      if (rows.length > 0) return Math.round(performance.now() - t0)
      await sleep(10)
    }
    return undefined
  } finally {
    await client.end()
  }
}

async function liveCase(
  root: string,
  name: string,
  statementLockTimeoutMs: number | undefined,
  holdMs = HOLD_MS,
): Promise<CaseResult> {
  const db = await createDatabase('live')
  try {
    await db.query(
      `CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL);
       INSERT INTO t SELECT g, 0 FROM generate_series(1, ${ROWS}) g`,
    )
    const dir = join(root, name, 'migrations')
    mkdirSync(dir, { recursive: true })
    // The altering migration follows another in its run, so it goes as one message (the first
    // migration of a run goes statement by statement) — up to its last attempt, which does not.
    writeFileSync(join(dir, '001_prepare.sql'), 'CREATE TABLE live_notes (id integer);\n')
    writeFileSync(join(dir, '002_add_note.sql'), "ALTER TABLE t ADD COLUMN note text NOT NULL DEFAULT 'n';\n")

    const client = startClient(db.url)
    await sleep(300) // a steady stream first
    const t0 = performance.now()
    // The long transaction: it has read t, so it holds ACCESS SHARE on it until it ends.
    const holder = new pg.Client({ connectionString: db.url, application_name: 'live-load long transaction' })
    await holder.connect()
    await holder.query('BEGIN')
    await holder.query('SELECT count(*) FROM t')
    let commitAtMs = 0
    const holding = (async () => {
      await sleep(holdMs)
      await holder.query('COMMIT')
      commitAtMs = Math.round(performance.now() - t0)
      await holder.end()
    })()

    let migrationDone = false
    const args = ['migrate', 'run', SKILL, '--dir', dir, '--url', db.url, '--no-codegen']
    if (statementLockTimeoutMs !== undefined) args.push('--statement-lock-timeout', String(statementLockTimeoutMs))
    const migrating = glorious(args).then((result) => {
      migrationDone = true
      return result
    })
    const waitSeen = watchLockWait(db, t0, () => migrationDone)
    const migration = await migrating
    const migrationDoneAtMs = Math.round(performance.now() - t0)
    await holding
    const waitSeenAtMs = await waitSeen
    await sleep(300) // and a steady stream after
    const latencies = await client.stop()

    const [ledgerTable] = await db.query<{ present: boolean }>(
      `SELECT to_regclass('_migrations') IS NOT NULL AS present`,
    )
    const ledger = ledgerTable?.present
      ? await db.query<{ n: string }>('SELECT count(*) AS n FROM _migrations WHERE skill_name = $1 AND version = 2', [
          SKILL,
        ])
      : []
    const column = await db.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'note'`,
    )
    return {
      client: latencies,
      migration,
      waitSeenAtMs,
      commitAtMs,
      migrationDoneAtMs,
      holdMs,
      ledgerRows: Number(ledger[0]?.n ?? 0),
      columnAdded: column.length === 1,
    }
  } finally {
    await db.drop()
  }
}

function report(label: string, result: CaseResult): void {
  const c = result.client
  console.log(
    `live-load: ${label}: client max ${c.maxMs} ms, p99 ${c.p99Ms} ms, p50 ${c.p50Ms} ms over ${c.count} queries ` +
      `(${c.errors} errors); long transaction ${result.holdMs} ms, migration waiting from ${result.waitSeenAtMs ?? '-'} ms, ` +
      `long transaction committed at ${result.commitAtMs} ms, migration ${result.migration.code === 0 ? 'applied' : 'failed'} at ${result.migrationDoneAtMs} ms`,
  )
}

describe('PostgreSQL live load: a migration behind a long transaction and the application queries on that table', () => {
  const root = tempDir('glorious-pg-live-')
  before(async () => {
    await adminQuery('SELECT 1') // fails clearly when the server is down
    assert.ok(HOLD_MS > DEFAULT_STATEMENT_LOCK_TIMEOUT_MS, 'the long transaction must outlast one lock timeout')
  })

  it(`defaults (lock timeout ${DEFAULT_STATEMENT_LOCK_TIMEOUT_MS} ms, 5 retries): the client stalls at most about one lock timeout; the migration applies once the long transaction ends`, async () => {
    const result = await liveCase(root, 'defaults', undefined)
    report(`defaults (lock_timeout ${DEFAULT_STATEMENT_LOCK_TIMEOUT_MS} ms)`, result)
    assert.equal(result.migration.code, 0, result.migration.stderr)
    // Each retry is reported, so a slow run behind a busy table explains itself.
    assert.match(result.migration.stderr, /warning: .*002_add_note\.sql: rolled back after .*, retry 1 of 5/)
    assert.equal(result.client.errors, 0)
    assert.ok(result.waitSeenAtMs !== undefined, 'the migration was never seen waiting for its lock')
    assert.equal(result.ledgerRows, 1)
    assert.ok(result.columnAdded)
    // It could only apply after the long transaction released t.
    assert.ok(result.migrationDoneAtMs >= result.commitAtMs, 'the migration finished before the long transaction ended')
    assert.ok(
      result.client.maxMs < DEFAULT_STATEMENT_LOCK_TIMEOUT_MS + MARGIN_MS,
      `the client stalled ${result.client.maxMs} ms, more than the lock timeout ${DEFAULT_STATEMENT_LOCK_TIMEOUT_MS} ms + ${MARGIN_MS} ms`,
    )
  })

  it('lock timeout off (0): the client stalls for about the whole time the migration waits, then the migration applies', async () => {
    const result = await liveCase(root, 'off', 0)
    report('lock timeout off (0)', result)
    assert.equal(result.migration.code, 0, result.migration.stderr)
    assert.ok(result.waitSeenAtMs !== undefined, 'the migration was never seen waiting for its lock')
    assert.equal(result.ledgerRows, 1)
    const waited = result.commitAtMs - result.waitSeenAtMs
    assert.ok(waited > DEFAULT_STATEMENT_LOCK_TIMEOUT_MS, `the migration waited only ${waited} ms`)
    assert.ok(
      result.client.maxMs >= 0.8 * waited,
      `the client stalled ${result.client.maxMs} ms while the migration waited ${waited} ms unbounded`,
    )
  })

  it('lock timeout 500 ms and a long transaction that outlasts every retry: the migration fails clearly, no ledger row, the client stalls at most about 500 ms', async () => {
    // Longer than 6 attempts of 500 ms plus the backoff between them (at most 3.1 s) and start-up.
    const result = await liveCase(root, 'short', 500, HOLD_MS + 4000)
    report('lock timeout 500 ms', result)
    assert.equal(result.migration.code, 1, result.migration.stdout)
    assert.match(result.migration.stderr, /002_add_note\.sql/)
    assert.match(result.migration.stderr, /lock timeout|canceling statement due to lock timeout/i)
    // Not "fix the file": the file is fine, the table was busy.
    assert.match(result.migration.stderr, /waited for other sessions' locks and was rolled back on each of 6 attempts/)
    assert.match(result.migration.stderr, /The file needs no fix/)
    assert.doesNotMatch(result.migration.stderr, /fix the file and run again/)
    assert.equal(result.ledgerRows, 0)
    assert.equal(result.columnAdded, false)
    assert.ok(result.migrationDoneAtMs < result.commitAtMs, 'the retries outlasted the long transaction')
    assert.ok(
      result.client.maxMs < 500 + MARGIN_MS,
      `the client stalled ${result.client.maxMs} ms, more than the lock timeout 500 ms + ${MARGIN_MS} ms`,
    )
    console.log(`live-load: the failed migration said: ${result.migration.stderr.trim().split('\n')[0]}`)
  })
})

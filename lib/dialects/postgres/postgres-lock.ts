import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, sql } from 'kysely'
import { LockTimeoutError } from '../../errors.js'

/**
 * The migration lock on PostgreSQL: a session-level advisory lock keyed by the ledger's schema,
 * held by the run's pinned connection across its transactions, and released by the server when
 * that session ends (even on `kill -9` of the client).
 *
 * The waiter polls `pg_try_advisory_lock` instead of blocking in `pg_advisory_lock`: a blocked
 * statement holds a snapshot, and a snapshot held by a waiter makes the holder's `CREATE INDEX
 * CONCURRENTLY` wait for it — a deadlock PostgreSQL does not detect. Between polls the waiter
 * holds nothing.
 *
 * @throws {LockTimeoutError} naming the holder (pid, application, client, since when).
 */
export async function acquirePostgresLock(
  conn: Kysely<any>,
  lockTimeoutMs: number,
  label: string,
): Promise<() => Promise<void>> {
  const [high, low] = await lockKey(conn)
  const deadline = Date.now() + lockTimeoutMs
  for (let attempt = 0; ; attempt++) {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${high}, ${low}) AS locked`.execute(
      conn,
    )
    if (rows[0]?.locked) {
      return async () => {
        await sql`SELECT pg_advisory_unlock(${high}, ${low})`.execute(conn)
      }
    }
    const left = deadline - Date.now()
    if (left <= 0) throw new LockTimeoutError(label, lockTimeoutMs, undefined, await holderOf(conn, high, low))
    // 20 ms, then up to 500 ms between polls, with jitter so that waiters do not poll in step.
    await sleep(Math.min(left, Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2)))
  }
}

/** Two 32-bit keys from the ledger's schema, so that each schema's ledger has its own lock. */
async function lockKey(conn: Kysely<any>): Promise<readonly [number, number]> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(conn)
  const digest = createHash('sha256')
    .update(`glorious-migrate:${rows[0]?.schema ?? 'public'}`)
    .digest()
  return [digest.readInt32BE(0), digest.readInt32BE(4)]
}

/** Who holds the lock, for the timeout message. */
async function holderOf(conn: Kysely<any>, high: number, low: number): Promise<string | undefined> {
  const { rows } = await sql<{
    pid: number
    application_name: string | null
    client_addr: string | null
    usename: string | null
    since: Date | string | null
  }>`
    SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.usename,
           coalesce(a.xact_start, a.backend_start) AS since
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${high}::int::oid AND l.objid = ${low}::int::oid
      AND l.objsubid = 2
    LIMIT 1`
    .execute(conn)
    .catch(() => ({ rows: [] }))
  const holder = rows[0]
  if (!holder) return undefined
  const since = holder.since instanceof Date ? holder.since.toISOString() : holder.since
  return (
    `pid ${holder.pid}` +
    (holder.application_name ? `, application "${holder.application_name}"` : '') +
    (holder.usename ? `, user ${holder.usename}` : '') +
    `, client ${holder.client_addr ?? 'local socket'}` +
    (since ? `, connected since ${since}` : '')
  )
}

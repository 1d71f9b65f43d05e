import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, sql } from 'kysely'
import { LockTimeoutError } from '../../errors.js'

/**
 * The migration lock on MySQL/MariaDB: a named lock (`GET_LOCK`) per database, held by the run's
 * pinned connection for the whole run and released by the server when that session ends (even
 * on `kill -9` of the client). It is polled with a zero timeout, so the wait is bounded in
 * milliseconds and the connection holds nothing while it waits.
 *
 * @throws {LockTimeoutError} naming the holder (connection id, user, host, for how long).
 */
export async function acquireMysqlLock(
  conn: Kysely<any>,
  lockTimeoutMs: number,
  label: string,
): Promise<() => Promise<void>> {
  const name = await lockName(conn)
  const deadline = Date.now() + lockTimeoutMs
  for (let attempt = 0; ; attempt++) {
    const { rows } = await sql<{ locked: number | null }>`SELECT GET_LOCK(${name}, 0) AS locked`.execute(conn)
    if (Number(rows[0]?.locked) === 1) {
      return async () => {
        await sql`SELECT RELEASE_LOCK(${name})`.execute(conn)
      }
    }
    const left = deadline - Date.now()
    if (left <= 0) throw new LockTimeoutError(label, lockTimeoutMs, undefined, await holderOf(conn, name))
    await sleep(Math.min(left, Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2)))
  }
}

/** How the toolkit's lock names start: one lock per database, `glorious-migrate:<database>`. */
export const MIGRATION_LOCK_PREFIX = 'glorious-migrate:'

/** The lock's name for the connection's database, computed by the server (at most 64 characters). */
const LOCK_NAME = sql<string>`LEFT(CONCAT(${MIGRATION_LOCK_PREFIX}, COALESCE(DATABASE(), '')), 64)`

async function lockName(conn: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT ${LOCK_NAME} AS name`.execute(conn)
  return String(rows[0]?.name)
}

/**
 * Whether this session holds the migration lock of its database, and the lock's name: one round
 * trip, for the check around a statement that may release it.
 */
export async function holdsMigrationLock(conn: Kysely<any>): Promise<{ held: boolean; name: string }> {
  const { rows } = await sql<{ name: string; held: number | null }>`
    SELECT ${LOCK_NAME} AS name, IS_USED_LOCK(${LOCK_NAME}) = CONNECTION_ID() AS held`.execute(conn)
  return { held: Number(rows[0]?.held) === 1, name: String(rows[0]?.name) }
}

async function holderOf(conn: Kysely<any>, name: string): Promise<string | undefined> {
  const { rows } = await sql<{ id: number | null; user: string | null; host: string | null; time: number | null }>`
    SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.TIME AS time
    FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(${name})`
    .execute(conn)
    .catch(() => ({ rows: [] }))
  const holder = rows[0]
  if (!holder?.id) return undefined
  return (
    `connection ${holder.id}` +
    (holder.user ? `, user ${holder.user}` : '') +
    (holder.host ? `, host ${holder.host}` : '') +
    (holder.time === null ? '' : `, busy for ${holder.time} s`)
  )
}

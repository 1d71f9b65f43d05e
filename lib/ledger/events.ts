import { hostname, userInfo } from 'node:os'
import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { EVENTS_TABLE, type LedgerTables } from './ledger.js'

/** What was done to a migration's ledger row besides running it. */
export type LedgerEventKind = 'baseline' | 'accept' | 'resolve-applied' | 'resolve-pending' | 'resolve-through'

/** How an accepted edit changed the file. */
export type EditKind = 'whitespace-and-comments' | 'sql' | 'unknown'

/** One audit record of `_migration_events`: who did what to which migration's record, and when. */
export interface LedgerEvent {
  readonly skill: string
  readonly version: number
  readonly event: LedgerEventKind
  /** ISO-8601 UTC. */
  readonly at: string
  readonly oldChecksum: string | null
  readonly newChecksum: string | null
  readonly change: EditKind | null
  readonly user: string | null
  readonly host: string | null
  readonly detail: string | null
}

/** The user and machine an audit record names (best effort: either may be unknown). */
export function whoAmI(): { readonly user: string | null; readonly host: string | null } {
  let user: string | null = null
  try {
    user = userInfo().username
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? null
  }
  let host: string | null = null
  try {
    host = hostname()
  } catch {
    host = null
  }
  return { user, host }
}

export async function insertEvent(conn: Kysely<any>, event: LedgerEvent): Promise<void> {
  await (conn as Kysely<LedgerTables>)
    .insertInto(EVENTS_TABLE)
    .values({
      skill_name: event.skill,
      version: event.version,
      event: event.event,
      at: event.at,
      old_checksum: event.oldChecksum,
      new_checksum: event.newChecksum,
      change: event.change,
      user_name: event.user,
      host: event.host,
      detail: event.detail,
    })
    .execute()
}

/** Audit records, newest first (all skills, or one). A ledger without the table has none. */
export async function readEvents(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  options: { readonly skill?: string | undefined } = {},
): Promise<readonly LedgerEvent[]> {
  if (!(await dialect.tableExists(conn, EVENTS_TABLE))) return []
  let query = (conn as Kysely<LedgerTables>).selectFrom(EVENTS_TABLE).selectAll()
  if (options.skill !== undefined) query = query.where('skill_name', '=', options.skill)
  const rows = await query.execute()
  return rows
    .map((row) =>
      Object.freeze({
        skill: row.skill_name,
        version: Number(row.version),
        event: row.event as LedgerEventKind,
        at: String(row.at),
        oldChecksum: row.old_checksum,
        newChecksum: row.new_checksum,
        change: row.change as EditKind | null,
        user: row.user_name,
        host: row.host,
        detail: row.detail,
      }),
    )
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
}

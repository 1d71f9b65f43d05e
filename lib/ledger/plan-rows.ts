import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { LEDGER_TABLE, type LedgerRow, readLedger } from './ledger.js'

/**
 * What a run plans with, of a finished migration's ledger row: enough to compare it with its
 * file and to know whether types are owed.
 */
export interface FinishedPlanRow {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly checksum: string
  readonly status: 'applied'
  readonly typesPending: boolean
  readonly progress: null
}

/** A ledger row as a run plans with it: finished rows in brief, unfinished ones (rare) in full. */
export type PlanLedgerRow = FinishedPlanRow | LedgerRow

/**
 * The ledger rows of the given skills, as a run needs them to plan. The "nothing to do" check
 * reads every row of every skill on each start, and turning a row's values into JavaScript
 * dominates that read: the columns planning does not use (times, folders, sources, statement
 * progress) are left out, which more than halves it. Rows of migrations that did not finish
 * (statement by statement, where DDL commits implicitly) are read again in full, since a run
 * resumes them from their progress.
 */
export async function readPlanRows(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  skills: readonly string[],
): Promise<readonly PlanLedgerRow[]> {
  if (dialect.isUndefinedTableOrColumn) {
    // Where a failed query costs nothing (see isUndefinedTableOrColumn), the current ledger's
    // columns are read at once; an older ledger, or none, is then looked at as below.
    try {
      return await planRows(conn, dialect, skills, true, true)
    } catch (error) {
      if (!dialect.isUndefinedTableOrColumn(error)) throw error
    }
  }
  const columns = await dialect.columnNames(conn, LEDGER_TABLE) // none: no ledger yet
  if (columns.length === 0) return []
  return planRows(conn, dialect, skills, columns.includes('status'), columns.includes('types_pending'))
}

async function planRows(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  skills: readonly string[],
  hasStatus: boolean,
  hasTypesPending: boolean,
): Promise<readonly PlanLedgerRow[]> {
  let query = conn
    .selectFrom(LEDGER_TABLE)
    .select(['skill_name', 'version', 'filename', 'checksum'])
    .$if(hasStatus, (q) => q.select('status'))
    .$if(hasTypesPending, (q) => q.select('types_pending'))
  // One skill: filter in SQL. Several: read all rows once and filter here (constant query text).
  if (skills.length === 1) query = query.where('skill_name', '=', skills[0] as string)
  const rows = (await query.execute()) as {
    skill_name: unknown
    version: unknown
    filename: unknown
    checksum: unknown
    status?: unknown
    types_pending?: unknown
  }[]
  const wanted = skills.length === 1 ? undefined : new Set(skills)
  const result: PlanLedgerRow[] = []
  let unfinished: Set<string> | undefined
  for (const row of rows) {
    const skill = String(row.skill_name)
    if (wanted && !wanted.has(skill)) continue
    if (row.status === 'running' || row.status === 'failed') {
      ;(unfinished ??= new Set()).add(skill)
      continue
    }
    result.push({
      skill,
      version: Number(row.version),
      filename: String(row.filename),
      checksum: String(row.checksum),
      status: 'applied',
      typesPending: Number(row.types_pending ?? 0) === 1,
      progress: null,
    })
  }
  if (unfinished) {
    for (const row of await readLedger(conn, dialect, [...unfinished])) if (row.status !== 'applied') result.push(row)
  }
  return result
}

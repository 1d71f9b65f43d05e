import type { DatabaseOptions } from './connection/database-options.js'
import { missingDatabase } from './connection/open-database.js'
import { assertSkillName } from './files/skill-name.js'
import { SessionHolder } from './connection/session-holder.js'
import { type LedgerRow, readLedger } from './ledger/ledger.js'
import { type RollbackOptions, type RollbackResult, rollbackSkill, rowsToRemove } from './runner/rollback.js'

export interface RollbackMigrationsOptions extends DatabaseOptions, RollbackOptions {
  readonly skill: string
}

/**
 * The ledger rows a rollback would remove, newest first, without changing anything (for a
 * confirmation prompt).
 *
 * @throws {DatabaseError} when the database does not exist.
 */
export async function previewRollback(options: RollbackMigrationsOptions): Promise<readonly LedgerRow[]> {
  const skill = assertSkillName(options.skill)
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    if (!session) throw missingDatabase(options)
    return rowsToRemove(await readLedger(session.db, session.dialect, [skill]), options)
  } finally {
    await sessions.close()
  }
}

/**
 * Removes a skill's ledger rows (`to`: keep up to that version, 0 removes all; `steps`: remove
 * the newest N; default one step). The schema is never touched; see {@link ROLLBACK_WARNING}.
 *
 * @example
 * ```ts
 * const { removed, warning } = await rollbackMigrations({ database: 'agent.db', skill: 'notes', to: 3 })
 * ```
 * @throws {DatabaseError | LockTimeoutError | InvalidOptionError}
 */
export async function rollbackMigrations(options: RollbackMigrationsOptions): Promise<RollbackResult> {
  const skill = assertSkillName(options.skill)
  const sessions = new SessionHolder(options)
  try {
    if (!(await sessions.readable())) throw missingDatabase(options)
    return await rollbackSkill(await sessions.writable(), skill, options, options.lockTimeoutMs)
  } finally {
    await sessions.close()
  }
}

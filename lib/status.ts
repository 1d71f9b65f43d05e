import type { DatabaseOptions } from './connection/database-options.js'
import { missingDatabase } from './connection/open-database.js'
import { type GloriousMigrateError, SchemaDriftError } from './errors.js'
import { type SkillDriftCheck, checkFingerprints } from './drift/check-fingerprints.js'
import { DEFAULT_MAX_FILE_BYTES } from './files/migration-source.js'
import { SessionHolder } from './connection/session-holder.js'
import { type LedgerRow, readLedger } from './ledger/ledger.js'
import { recordedSkillFolders } from './ledger/recorded-folders.js'
import type { MigrationInfo } from './runner/plan.js'
import { planSkillFolder } from './runner/plan-folder.js'
import type { SkillMigrations } from './skills.js'

/** Where a skill stands, worst first. */
export type SkillState =
  | 'checksum-mismatch'
  | 'missing-file'
  | 'out-of-order'
  | 'invalid-files'
  | 'not-found'
  | 'partial'
  | 'drifted'
  | 'pending'
  | 'ok'

/** One line of `status`. */
export interface SkillStatus {
  readonly skill: string
  /** Highest applied version (0 when none). */
  readonly version: number
  /** Number of applied migrations. */
  readonly migrations: number
  /** Number of pending migrations. */
  readonly pending: number
  readonly state: SkillState
  /** The migrations folder, when the skill was found on disk. */
  readonly migrationsDir: string | undefined
  readonly problems: readonly GloriousMigrateError[]
  /** Every migration with its status (empty for skills not found on disk). */
  readonly details: readonly MigrationInfo[]
  /**
   * Whether the skill's own tables and views still match the fingerprint recorded after its last
   * run (`unknown` without one: a ledger from before fingerprints, or a run cut short).
   */
  readonly drift: SkillDriftCheck['state']
}

export interface StatusOptions extends DatabaseOptions {
  /** Skills found on disk (e.g. with `discoverSkills`). Skills only in the ledger are listed too. */
  readonly skills: readonly SkillMigrations[]
  /** Only this skill. */
  readonly skill?: string | undefined
  readonly maxFileBytes?: number | undefined
  readonly allowMissing?: boolean | undefined
  readonly allowOutOfOrder?: boolean | undefined
  /**
   * Compare each skill's own tables and views with the fingerprint recorded after its last run
   * (one catalog pass over them). `false` skips it: every skill's `drift` is then `unknown`.
   * @default true
   */
  readonly drift?: boolean | undefined
}

/**
 * The state of every skill in the ledger and every skill given: highest version, applied and
 * pending counts, and a state (ok, pending, checksum-mismatch, missing-file, out-of-order, …).
 * Read-only: never creates or writes the database.
 *
 * @throws {DatabaseError} when the database does not exist or cannot be read.
 */
export async function getStatus(options: StatusOptions): Promise<readonly SkillStatus[]> {
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    if (!session) throw missingDatabase(options)
    const rows = await readLedger(session.db, session.dialect).catch((error) => {
      throw session.dialect.describeError(error, session.label, 0) ?? error
    })
    const statuses = statusFromRows(rows, options)
    if (options.drift === false) return statuses
    // Best effort: an object the catalog cannot describe here (a virtual table whose module is not
    // loaded, …) leaves drift unknown rather than failing status.
    const checks = await checkFingerprints(session.db, session.dialect, rows).catch(
      () => new Map<string, SkillDriftCheck>(),
    )
    return Object.freeze(statuses.map((status) => withDrift(status, checks.get(status.skill))))
  } finally {
    await sessions.close()
  }
}

/** {@link getStatus} from ledger rows already read (no database access). */
export function statusFromRows(rows: readonly LedgerRow[], options: StatusOptions): readonly SkillStatus[] {
  const bySkill = new Map<string, LedgerRow[]>()
  for (const row of rows) bySkill.set(row.skill, [...(bySkill.get(row.skill) ?? []), row])
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  const result: SkillStatus[] = []
  const seen = new Set<string>()
  for (const skill of [...options.skills, ...recordedSkillFolders(rows, options.skills)]) {
    if (options.skill !== undefined && skill.name !== options.skill) continue
    seen.add(skill.name)
    const plan = planSkillFolder({
      skill: skill.name,
      dir: skill.migrationsDir,
      rows: bySkill.get(skill.name) ?? [],
      maxFileBytes,
      allowMissing: options.allowMissing,
      allowOutOfOrder: options.allowOutOfOrder,
    })
    const applied = plan.migrations.filter(
      (m) => m.status === 'applied' || m.status === 'checksum-mismatch' || m.status === 'missing-file',
    )
    const pending = plan.migrations.filter(
      (m) => m.status === 'pending' || m.status === 'out-of-order' || m.status === 'partial',
    )
    result.push(
      Object.freeze({
        skill: skill.name,
        version: plan.highestApplied,
        migrations: applied.length,
        pending: pending.length,
        state: stateOf(
          plan.problems,
          pending.length,
          plan.migrations.some((m) => m.status === 'partial'),
        ),
        migrationsDir: skill.migrationsDir,
        problems: plan.problems,
        details: plan.migrations,
        drift: 'unknown' as const,
      }),
    )
  }
  for (const [skill, skillRows] of bySkill) {
    if (seen.has(skill) || (options.skill !== undefined && skill !== options.skill)) continue
    result.push(
      Object.freeze({
        skill,
        version: skillRows.reduce((max, row) => Math.max(max, row.version), 0),
        migrations: skillRows.length,
        pending: 0,
        state: 'not-found' as const,
        migrationsDir: undefined,
        problems: [],
        details: [],
        drift: 'unknown' as const,
      }),
    )
  }
  return Object.freeze(result.sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0)))
}

/** A status with its drift check: a drifted skill says so (unless a worse state hides it) and has the problem. */
function withDrift(status: SkillStatus, check: SkillDriftCheck | undefined): SkillStatus {
  if (check === undefined) return status
  if (check.state !== 'drifted') return Object.freeze({ ...status, drift: check.state })
  const problem = new SchemaDriftError(status.skill, check.changed, check.recordedAt ?? '')
  return Object.freeze({
    ...status,
    drift: check.state,
    state: status.state === 'ok' || status.state === 'pending' ? ('drifted' as const) : status.state,
    problems: Object.freeze([...status.problems, problem]),
  })
}

function stateOf(problems: readonly GloriousMigrateError[], pending: number, partial: boolean): SkillState {
  const codes = new Set(problems.map((problem) => problem.code))
  if (codes.has('checksum-mismatch')) return 'checksum-mismatch'
  if (codes.has('missing-file')) return 'missing-file'
  if (codes.has('out-of-order')) return 'out-of-order'
  if (codes.size > 0) return 'invalid-files'
  if (partial) return 'partial'
  return pending > 0 ? 'pending' : 'ok'
}

import { join } from 'node:path'
import {
  ChecksumMismatchError,
  type GloriousMigrateError,
  MissingMigrationFileError,
  OutOfOrderMigrationError,
} from '../errors.js'
import type { MigrationFileRef } from '../files/migration-folder.js'
import type { LedgerRow } from '../ledger/ledger.js'

/** Where one migration stands. */
export type MigrationStatus = 'applied' | 'pending' | 'partial' | 'checksum-mismatch' | 'missing-file' | 'out-of-order'

/** One migration of a skill: a file, a ledger row, or both. */
export interface MigrationInfo {
  readonly skill: string
  readonly version: number
  readonly filename: string
  /** Absolute path of the file (`undefined` when the file is missing). */
  readonly path: string | undefined
  /** Checksum of the file on disk (`undefined` when missing or not computed). */
  readonly checksum: string | undefined
  /** Checksum recorded in the ledger (`undefined` when not applied). */
  readonly recordedChecksum: string | undefined
  readonly status: MigrationStatus
  /** ISO-8601 UTC time the migration was applied. */
  readonly appliedAt: string | undefined
  readonly durationMs: number | undefined
  /**
   * For a `partial` migration (run statement by statement where DDL commits implicitly, and
   * stopped by a failure or an interruption): how far it got, and why it stopped.
   */
  readonly progress?: { readonly applied: number; readonly total: number; readonly error: string | null } | undefined
}

/**
 * What a plan uses of a ledger row. The times only describe applied migrations in listings; a
 * run that only applies what is pending reads rows without them.
 */
export type PlanRow = Pick<LedgerRow, 'version' | 'filename' | 'checksum' | 'status' | 'progress'> & {
  readonly appliedAt?: string | undefined
  readonly durationMs?: number | null | undefined
}

/** A skill's files compared with its ledger rows. */
export interface SkillPlan<Row extends PlanRow = LedgerRow> {
  readonly skill: string
  readonly migrations: readonly MigrationInfo[]
  /** Files to apply, in version order (empty when the skill has problems). */
  readonly pending: readonly MigrationFileRef[]
  /** Why this skill cannot be migrated as it stands (checksum mismatch, missing file, out of order, …). */
  readonly problems: readonly GloriousMigrateError[]
  /** Highest applied version, 0 when none. */
  readonly highestApplied: number
  /** Ledger rows of migrations that started but did not finish (MySQL), by version: they resume. */
  readonly unfinished: ReadonlyMap<number, Row>
}

export interface PlanInput<Row extends PlanRow = LedgerRow> {
  readonly skill: string
  /** The skill's migrations folder. */
  readonly dir: string
  readonly files: readonly MigrationFileRef[]
  /** Problems already found in the folder (names, duplicates). */
  readonly folderProblems: readonly GloriousMigrateError[]
  /** This skill's ledger rows. */
  readonly rows: readonly Row[]
  /** Checksum of a file; may throw a {@link GloriousMigrateError} for unreadable files. */
  readonly checksumOf: (file: MigrationFileRef) => string
  /** Also compute checksums of pending files (for listings). */
  readonly checksumPending?: boolean
  readonly allowMissing?: boolean
  readonly allowOutOfOrder?: boolean
  /** Apply nothing above this version. */
  readonly toVersion?: number | undefined
}

/**
 * Compares a skill's migration files with its ledger rows. Pure apart from `checksumOf`, which
 * is called only for applied files (and pending ones when asked), so the no-op path reads no
 * file it does not need.
 */
export function planSkill<Row extends PlanRow = LedgerRow>(input: PlanInput<Row>): SkillPlan<Row> {
  const problems: GloriousMigrateError[] = [...input.folderProblems]
  const byVersion = new Map(input.files.map((file) => [file.version, file]))
  const byFilename = new Map(input.files.map((file) => [file.filename, file]))
  const finished = input.rows.filter((row) => row.status === 'applied')
  const unfinished = new Map(input.rows.filter((row) => row.status !== 'applied').map((row) => [row.version, row]))
  const rowsByVersion = new Map(finished.map((row) => [row.version, row]))
  const highestApplied = finished.reduce((max, row) => Math.max(max, row.version), 0)
  const migrations: MigrationInfo[] = []

  const safeChecksum = (file: MigrationFileRef): string | undefined => {
    try {
      return input.checksumOf(file)
    } catch (error) {
      problems.push(error as GloriousMigrateError)
      return undefined
    }
  }

  for (const row of finished) {
    // With two files of one version (a duplicate, reported above), compare the row with the file
    // it recorded, not with whichever of the two sorts last.
    const recorded = byFilename.get(row.filename)
    const file = recorded?.version === row.version ? recorded : byVersion.get(row.version)
    if (!file) {
      const expectedPath = join(input.dir, row.filename)
      if (!input.allowMissing)
        problems.push(new MissingMigrationFileError(input.skill, row.version, row.filename, expectedPath))
      migrations.push(info(input.skill, row, undefined, undefined, 'missing-file'))
      continue
    }
    const checksum = safeChecksum(file)
    if (checksum === undefined) {
      migrations.push(info(input.skill, row, file, undefined, 'applied'))
      continue
    }
    if (checksum !== row.checksum) {
      problems.push(new ChecksumMismatchError(input.skill, file.filename, file.path, row.checksum, checksum))
      migrations.push(info(input.skill, row, file, checksum, 'checksum-mismatch'))
      continue
    }
    migrations.push(info(input.skill, row, file, checksum, 'applied'))
  }

  for (const row of unfinished.values()) {
    const file = byVersion.get(row.version)
    if (!file && !input.allowMissing) {
      problems.push(
        new MissingMigrationFileError(input.skill, row.version, row.filename, join(input.dir, row.filename)),
      )
    }
    migrations.push(
      Object.freeze({
        ...info(input.skill, row, file, undefined, file ? 'partial' : 'missing-file'),
        progress: row.progress
          ? { applied: row.progress.applied, total: row.progress.total, error: row.progress.error }
          : undefined,
      }),
    )
  }

  const pending: MigrationFileRef[] = []
  for (const file of input.files) {
    if (rowsByVersion.has(file.version)) continue
    if (unfinished.has(file.version)) {
      // Resumed where it stopped: not out of order, whatever was applied after it.
      if (input.toVersion === undefined || file.version <= input.toVersion) pending.push(file)
      continue
    }
    const outOfOrder = file.version < highestApplied
    if (outOfOrder && !input.allowOutOfOrder) {
      problems.push(new OutOfOrderMigrationError(input.skill, file.filename, file.path, file.version, highestApplied))
    }
    const checksum = input.checksumPending ? safeChecksum(file) : undefined
    migrations.push(info(input.skill, undefined, file, checksum, outOfOrder ? 'out-of-order' : 'pending'))
    if (input.toVersion === undefined || file.version <= input.toVersion) pending.push(file)
  }

  migrations.sort((a, b) => a.version - b.version)
  return Object.freeze({
    skill: input.skill,
    migrations: Object.freeze(migrations),
    pending: problems.length > 0 ? [] : Object.freeze(pending),
    problems: Object.freeze(problems),
    highestApplied,
    unfinished,
  })
}

function info(
  skill: string,
  row: PlanRow | undefined,
  file: MigrationFileRef | undefined,
  checksum: string | undefined,
  status: MigrationStatus,
): MigrationInfo {
  return Object.freeze({
    skill,
    version: row?.version ?? (file as MigrationFileRef).version,
    filename: file?.filename ?? (row as PlanRow).filename,
    path: file?.path,
    checksum,
    recordedChecksum: row?.checksum,
    status,
    appliedAt: row?.appliedAt,
    durationMs: row?.durationMs ?? undefined,
  })
}

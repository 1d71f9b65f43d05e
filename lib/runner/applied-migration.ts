import { dirname } from 'node:path'
import type { TransactionMode } from '../dialects/dialect.js'
import type { LedgerRow } from '../ledger/ledger.js'
import type { PreparedMigration } from './prepared-migration.js'

/** A migration that ran and was committed. */
export interface AppliedMigration {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly path: string
  readonly checksum: string
  /** See `LedgerRow.sqlChecksum`. */
  readonly sqlChecksum: string
  readonly appliedAt: string
  readonly durationMs: number
  readonly statements: number
  readonly mode: TransactionMode
}

export function appliedMigration(migration: PreparedMigration, durationMs: number): AppliedMigration {
  return Object.freeze({
    skill: migration.skill,
    version: migration.file.version,
    filename: migration.file.filename,
    path: migration.file.path,
    checksum: migration.checksum,
    sqlChecksum: migration.sqlChecksum,
    appliedAt: appliedAtNow(),
    durationMs,
    statements: migration.statements.length,
    mode: migration.analysis.mode,
  })
}

/** The ledger row of an applied migration (its types are owed until codegen writes them). */
export function ledgerRow(applied: AppliedMigration): LedgerRow {
  return {
    skill: applied.skill,
    version: applied.version,
    filename: applied.filename,
    checksum: applied.checksum,
    appliedAt: applied.appliedAt,
    durationMs: applied.durationMs,
    migrationsDir: dirname(applied.path),
    typesPending: true,
    status: 'applied',
    progress: null,
    source: 'run',
    sqlChecksum: applied.sqlChecksum,
  }
}

let lastAppliedAt = 0

/**
 * The current UTC time as ISO-8601 with microseconds, strictly increasing within the process, so
 * migrations applied in one batch keep their order in `history`.
 */
function appliedAtNow(): string {
  const micros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), lastAppliedAt + 1)
  lastAppliedAt = micros
  const millis = Math.floor(micros / 1000)
  return `${new Date(millis).toISOString().slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`
}

import {
  DEFAULT_STATEMENT_LOCK_TIMEOUT_MS,
  type DatabaseOptions,
  lockTimeoutOf,
} from '../connection/database-options.js'
import { InvalidOptionError } from '../errors.js'
import { DEFAULT_MAX_FILE_BYTES } from '../files/migration-source.js'
import type { AppliedMigration } from './applied-migration.js'

/** Options that change how migrations are applied. */
export interface ApplyOptions {
  /** Proceed although an applied migration's file is gone. @default false */
  readonly allowMissing?: boolean | undefined
  /** Apply a pending migration whose version is below the highest applied one. @default false */
  readonly allowOutOfOrder?: boolean | undefined
  /** Largest migration file accepted, in bytes. @default 16 MiB */
  readonly maxFileBytes?: number | undefined
  /** Progress callback, called as each migration finishes (before its transaction commits). */
  readonly onProgress?: RunOptions['onProgress']
  /**
   * Server databases: called when a migration is rolled back and retried after a lock timeout or a
   * deadlock. Each retry is also in the skill's `warnings`.
   */
  readonly onRetry?: RunOptions['onRetry']
}

/** The checked settings of one run. */
export interface RunOptions {
  readonly allowMissing: boolean
  readonly allowOutOfOrder: boolean
  readonly lockTimeoutMs: number
  readonly statementLockTimeoutMs: number
  readonly lockRetries: number
  readonly maxFileBytes: number
  /** Called as each migration finishes inside its transaction (before the commit), for progress display. */
  readonly onProgress?:
    | ((event: { readonly done: number; readonly total: number; readonly migration: AppliedMigration }) => void)
    | undefined
  /** Called when a migration is retried after a lock timeout or deadlock (server databases). */
  readonly onRetry?:
    ((event: { readonly migration: string; readonly attempt: number; readonly reason: string }) => void) | undefined
}

/**
 * Checks and completes the options of a run.
 *
 * @throws {InvalidOptionError}
 */
export function runOptions(options: ApplyOptions & DatabaseOptions): RunOptions {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  if (typeof maxFileBytes !== 'number' || !Number.isFinite(maxFileBytes) || maxFileBytes <= 0) {
    throw new InvalidOptionError(`maxFileBytes must be a positive number of bytes, got ${String(maxFileBytes)}`)
  }
  const statementLockTimeoutMs = options.statementLockTimeoutMs ?? DEFAULT_STATEMENT_LOCK_TIMEOUT_MS
  if (!Number.isFinite(statementLockTimeoutMs) || statementLockTimeoutMs < 0) {
    throw new InvalidOptionError(
      `statementLockTimeoutMs must be a number of milliseconds ≥ 0, got ${String(statementLockTimeoutMs)}`,
    )
  }
  const lockRetries = options.lockRetries ?? 5
  if (!Number.isSafeInteger(lockRetries) || lockRetries < 0) {
    throw new InvalidOptionError(`lockRetries must be a whole number ≥ 0, got ${String(lockRetries)}`)
  }
  return Object.freeze({
    allowMissing: options.allowMissing ?? false,
    allowOutOfOrder: options.allowOutOfOrder ?? false,
    lockTimeoutMs: lockTimeoutOf(options),
    statementLockTimeoutMs,
    lockRetries,
    maxFileBytes,
    onProgress: options.onProgress,
    onRetry: options.onRetry,
  })
}

import { DEFAULT_LOCK_TIMEOUT_MS, type DatabaseOptions } from '../connection/database.js'
import { InvalidOptionError } from '../errors.js'
import { DEFAULT_MAX_FILE_BYTES } from '../files/migration-source.js'
import type { RunOptions } from './run-migrations.js'

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
}

export function runOptions(options: ApplyOptions & DatabaseOptions): RunOptions {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  if (!Number.isFinite(maxFileBytes) || maxFileBytes <= 0) {
    throw new InvalidOptionError(`maxFileBytes must be a positive number of bytes, got ${maxFileBytes}`)
  }
  return Object.freeze({
    allowMissing: options.allowMissing ?? false,
    allowOutOfOrder: options.allowOutOfOrder ?? false,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    maxFileBytes,
    onProgress: options.onProgress,
  })
}

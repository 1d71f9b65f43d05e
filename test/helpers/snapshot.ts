import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { fullDump } from './sqlite.js'

/** Everything a test can observe about a database path: the file, its side files and its content. */
export interface DatabaseSnapshot {
  readonly exists: boolean
  /** SHA-256 of the file's bytes (`null` when it does not exist). */
  readonly sha256: string | null
  readonly size: number | null
  /** The database file and the side files beside it (`-wal`, `-shm`, `-journal`, `.glorious-lock`), with sizes. */
  readonly files: readonly string[]
  /** `fullDump` of a copy, or `unreadable: <reason>` for a file SQLite cannot read. */
  readonly dump: string | null
}

/**
 * Takes a snapshot of a database path without touching it: the logical dump is read from a copy
 * in a scratch folder, because even a read-only SQLite connection leaves `-wal`/`-shm` files
 * beside a WAL database.
 */
export function snapshotDatabase(path: string): DatabaseSnapshot {
  const folder = dirname(path)
  const name = basename(path)
  const files = existsSync(folder)
    ? readdirSync(folder)
        .filter((file) => file === name || file.startsWith(`${name}-`) || file.startsWith(`${name}.`))
        .sort()
        .map((file) => `${file} (${statSync(join(folder, file)).size} bytes)`)
    : []
  if (!existsSync(path)) return Object.freeze({ exists: false, sha256: null, size: null, files, dump: null })
  const bytes = readFileSync(path)
  const scratch = mkdtempSync(join(tmpdir(), 'glorious-snapshot-'))
  let dump: string
  try {
    const copy = join(scratch, 'copy.db')
    copyFileSync(path, copy)
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`)
    try {
      dump = fullDump(copy)
    } catch (error) {
      dump = `unreadable: ${(error as { code?: string }).code ?? (error as Error).message}`
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return Object.freeze({
    exists: true,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    files,
    dump,
  })
}

/**
 * `fullDump` with the ledger's run-dependent columns (`applied_at`, `duration_ms`,
 * `migrations_dir`) blanked, so
 * that a database can be compared with a reference database migrated in another run.
 */
export function comparableDump(path: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'glorious-snapshot-'))
  try {
    const copy = join(scratch, 'copy.db')
    copyFileSync(path, copy)
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`)
    const db = new Database(copy)
    try {
      const ledger = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'`).get()
      const folder = db.prepare(`SELECT 1 FROM pragma_table_info('_migrations') WHERE name = 'migrations_dir'`).get()
      if (ledger) db.exec(`UPDATE _migrations SET applied_at = '', duration_ms = NULL`)
      if (folder) db.exec(`UPDATE _migrations SET migrations_dir = NULL`)
      const fingerprints = db
        .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migration_fingerprints'`)
        .get()
      if (fingerprints) db.exec(`UPDATE _migration_fingerprints SET recorded_at = ''`)
    } finally {
      db.close()
    }
    return fullDump(copy)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

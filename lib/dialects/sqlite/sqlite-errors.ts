import { DatabaseError, type GloriousMigrateError, LockTimeoutError } from '../../errors.js'

/** The SQLite result code of a driver error (`SQLITE_BUSY`, …), if it carries one. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/**
 * Turns SQLite errors about the database itself (rather than about a statement) into clear,
 * actionable errors: lock timeout, read-only, not a database, corrupt, disk full, I/O error.
 */
export function describeSqliteError(
  error: unknown,
  database: string,
  lockTimeoutMs: number,
): GloriousMigrateError | undefined {
  const code = sqliteCode(error)
  if (code === undefined) return undefined
  const message = (error as Error).message
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LockTimeoutError(database, lockTimeoutMs, error)
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new DatabaseError(
      database,
      'is read-only for this process',
      'make the file and its folder writable by this user, or choose another database (--db)',
      error,
    )
  }
  if (code === 'SQLITE_NOTADB') {
    return new DatabaseError(database, 'is not a SQLite database', 'check the path (--db); nothing was changed', error)
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new DatabaseError(
      database,
      `is corrupt (${message})`,
      'restore it from a backup; "PRAGMA integrity_check" shows the damage; nothing was changed',
      error,
    )
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new DatabaseError(
      database,
      'cannot be opened',
      'check that its folder exists and is writable, and that the path is a file',
      error,
    )
  }
  if (code === 'SQLITE_FULL') {
    return new DatabaseError(database, 'cannot grow: the disk is full', 'free some space and run again', error)
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new DatabaseError(
      database,
      `hit an I/O error (${code})`,
      'check the disk and the file, then run again',
      error,
    )
  }
  return undefined
}

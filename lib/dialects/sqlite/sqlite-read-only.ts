import { type BigIntStats, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** The part of a better-sqlite3 connection a read-only session uses. */
export interface ReadOnlyConnection extends SqliteDatabase {
  exec(sql: string): unknown
}

/** Opens a connection to `file` (a path, or a `file:` URI when `immutable`), read-only. */
export type OpenReadOnly = (file: string, immutable: boolean) => ReadOnlyConnection

/**
 * A read-only connection that writes nothing at all, not even beside the database.
 *
 * SQLite's read-only connections to a WAL database create the `-wal` and `-shm` files when they
 * are missing and leave them behind on close, and fail outright where they cannot create them (a
 * read-only folder or file system). So a WAL database whose `-wal` file does not exist, whose
 * every committed change is therefore in the main file, is read as an immutable snapshot
 * (`immutable=1`: no locks, no side files). A writer that starts meanwhile writes to a new `-wal`
 * and leaves the main file alone until it checkpoints; should the main file change during a
 * read, the read is done again through an ordinary read-only connection, so an answer never
 * comes from a file that changed under it. Rollback-journal databases, and WAL databases whose
 * `-wal` exists, get an ordinary read-only connection (it creates nothing there).
 *
 * The snapshot needs SQLite's URI file names (better-sqlite3 turns them on when `SQLITE_USE_URI`
 * is 1 as it loads); without them the ordinary connection is used.
 */
export function openReadOnlySnapshot(path: string, open: OpenReadOnly): ReadOnlyConnection {
  if (!isWal(path) || existsSync(`${path}-wal`)) return open(path, false)
  const stamp = fileStamp(path)
  let connection: ReadOnlyConnection
  try {
    connection = open(`${pathToFileURL(path).href}?immutable=1`, true)
  } catch (error) {
    // URI file names are off in this process: SQLite looked for a file named "file:…". Any
    // other failure (not a database, corrupt) is the answer, and reported without a side file.
    if ((error as { code?: unknown }).code === 'SQLITE_CANTOPEN') return open(path, false)
    throw error
  }
  if (!sameStamp(stamp, fileStamp(path))) {
    connection.close()
    return open(path, false)
  }
  let snapshot = true
  let statements = new Map<string, SqliteStatement>()
  const statement = (sql: string): SqliteStatement => {
    let prepared = statements.get(sql)
    if (!prepared) {
      prepared = connection.prepare(sql)
      statements.set(sql, prepared)
    }
    return prepared
  }
  // Runs a read on the snapshot and checks that the file did not change meanwhile; otherwise
  // (and for good) reads through an ordinary read-only connection.
  const read = <T>(work: () => T): T => {
    if (!snapshot) return work()
    let result: T
    try {
      result = work()
    } catch (error) {
      if (sameStamp(stamp, fileStamp(path))) throw error
      leaveSnapshot()
      return work()
    }
    if (sameStamp(stamp, fileStamp(path))) return result
    leaveSnapshot()
    return work()
  }
  const leaveSnapshot = (): void => {
    snapshot = false
    connection.close()
    statements = new Map()
    connection = open(path, false)
  }
  return {
    close: () => connection.close(),
    exec: (sql: string) => read(() => connection.exec(sql)),
    prepare(sql: string): SqliteStatement {
      read(() => statement(sql))
      return {
        get reader() {
          return statement(sql).reader
        },
        all: (parameters) => read(() => statement(sql).all(parameters)),
        run: (parameters) => read(() => statement(sql).run(parameters)),
        iterate: (parameters) => read(() => [...statement(sql).iterate(parameters)])[Symbol.iterator](),
      }
    },
  }
}

/** Whether the database file's header says WAL (file format versions 2). */
function isWal(path: string): boolean {
  const header = Buffer.alloc(20)
  let fd: number | undefined
  try {
    // Non-blocking, so that a path swapped for a FIFO since it was checked cannot hang the read.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
    return readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2
  } catch {
    return false // the ordinary open reports what is wrong with the file
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

type Stamp = BigIntStats | undefined

function fileStamp(path: string): Stamp {
  return statSync(path, { bigint: true, throwIfNoEntry: false })
}

/** Any write changes the ctime (and size or mtime); a replaced file has another inode. */
function sameStamp(a: Stamp, b: Stamp): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  )
}

import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Kysely, SqliteDialect } from 'kysely'
import { DatabaseError } from '../../errors.js'
import { describeSqliteError, sqliteCode } from './sqlite-errors.js'
import { openReadOnlySnapshot } from './sqlite-read-only.js'
import { withStatementCache } from './statement-cache.js'

/** How the toolkit opens a SQLite database file it was given by path. */
export interface SqliteOpenOptions {
  readonly path: string
  /** Read-only use (status, history, verify): the file must exist and is never written. */
  readonly readonly: boolean
  /** Create missing parent folders (only for the default database location). */
  readonly createFolders: boolean
  readonly lockTimeoutMs: number
  /** Journal mode for a database this call creates; an existing database keeps its own. */
  readonly journalModeForNew: 'wal' | 'delete'
  /** `PRAGMA foreign_keys` for the connection. */
  readonly foreignKeys: boolean
  /** SQLite extensions to load into the connection (paths for `loadExtension`). */
  readonly extensions: readonly string[]
}

export interface OpenedSqlite {
  readonly db: Kysely<any>
  /** The driver's exec on the same connection (see {@link SqliteExec}). */
  readonly exec: (sql: string) => void
}

/**
 * Opens a SQLite database file with better-sqlite3 and wraps it in Kysely, with the settings an
 * agent database needs: a busy timeout equal to the lock timeout, foreign keys on, WAL for new
 * databases. `synchronous` is left at SQLite's default.
 *
 * @throws {DatabaseError} with a one-line reason and what to do.
 */
export async function openSqlite(options: SqliteOpenOptions): Promise<OpenedSqlite> {
  const path = resolve(options.path)
  const exists = existsSync(path)
  if (exists && statSync(path).isDirectory()) {
    throw new DatabaseError(path, 'is a folder, not a database file', 'give the path of the database file (--db)')
  }
  if (exists && !options.readonly) {
    // Opening a file this process cannot write makes SQLite fall back to read-only and, for a WAL
    // database, create -wal/-shm files with the file's own (read-only) mode: they would keep the
    // database read-only even after the user makes the file writable. Refuse before opening.
    try {
      accessSync(path, constants.W_OK)
    } catch (error) {
      throw new DatabaseError(
        path,
        'is read-only for this process',
        'make the file and its folder writable by this user, or choose another database (--db)',
        error,
      )
    }
  }
  if (!exists) {
    if (options.readonly) {
      throw new DatabaseError(path, 'does not exist', 'run "glorious migrate run" first, or check --db / --agent')
    }
    const folder = dirname(path)
    if (!existsSync(folder)) {
      if (!options.createFolders) {
        throw new DatabaseError(
          path,
          `cannot be created: folder ${folder} does not exist`,
          'create the folder first, or choose another --db',
        )
      }
      try {
        mkdirSync(folder, { recursive: true })
      } catch (error) {
        throw new DatabaseError(
          path,
          `cannot be created: folder ${folder} cannot be made (${(error as NodeJS.ErrnoException).code})`,
          'check the permissions of its parent, or choose another --db',
          error,
        )
      }
    }
  }

  const { default: Database } = await import('better-sqlite3')
  if (options.readonly) {
    // Reading writes nothing, not even side files beside the database (see sqlite-read-only.ts).
    try {
      const database = openReadOnlySnapshot(path, (file) => {
        const connection = withUriFileNames(
          () => new Database(file, { readonly: true, fileMustExist: true, timeout: options.lockTimeoutMs }),
        )
        try {
          connection.prepare('SELECT count(*) FROM sqlite_schema').get()
          loadExtensions(connection, options.extensions, path)
        } catch (error) {
          connection.close()
          throw error
        }
        return connection
      })
      return {
        db: new Kysely<any>({ dialect: new SqliteDialect({ database }) }),
        exec: (sql: string) => void database.exec(sql),
      }
    } catch (error) {
      throw describeSqliteError(error, path, options.lockTimeoutMs) ?? error
    }
  }
  let database: InstanceType<typeof Database>
  try {
    database = withUriFileNames(
      () =>
        new Database(path, {
          readonly: options.readonly,
          fileMustExist: options.readonly,
          timeout: options.lockTimeoutMs,
        }),
    )
  } catch (error) {
    throw describeSqliteError(error, path, options.lockTimeoutMs) ?? error
  }
  try {
    // Reading the schema now surfaces "not a database" and corruption before any work starts.
    database.prepare('SELECT count(*) FROM sqlite_schema').get()
    loadExtensions(database, options.extensions, path)
    if (!options.readonly) database.pragma(`foreign_keys = ${options.foreignKeys ? 'ON' : 'OFF'}`)
    // "New" is an empty database, not only a missing file: a creator killed before it switched the
    // journal mode leaves an empty file behind, and the next run must still make it WAL.
    if (!options.readonly && options.journalModeForNew === 'wal' && isEmpty(database))
      setWal(database, options.lockTimeoutMs)
  } catch (error) {
    database.close()
    throw describeSqliteError(error, path, options.lockTimeoutMs) ?? error
  }
  return {
    db: new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
    exec: (sql: string) => void database.exec(sql),
  }
}

/**
 * Loads each extension, naming the one that fails as the user gave it (SQLite's own message
 * names the last file name it tried, with a suffix added).
 *
 * @throws {DatabaseError}
 */
function loadExtensions(
  database: { loadExtension(path: string): unknown },
  extensions: readonly string[],
  path: string,
): void {
  for (const extension of extensions) {
    try {
      database.loadExtension(extension)
    } catch (error) {
      let message = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error)
      // The loader's message starts with the file it tried last ("./x.so.so: cannot open …").
      if (message.startsWith(extension) && message.includes(': ')) message = message.slice(message.indexOf(': ') + 2)
      throw new DatabaseError(
        path,
        `cannot load the extension ${JSON.stringify(extension)} (${message})`,
        'check the --load-extension path (a path with a "/" is relative to the working folder)',
        error,
      )
    }
  }
}

let driverLoaded = false

/**
 * better-sqlite3 reads `SQLITE_USE_URI` once, as its native part loads; with it, read-only
 * sessions can open an immutable snapshot (see sqlite-read-only.ts). It is set only for that
 * moment, unless the user set it, so nothing else in the process sees it.
 */
function withUriFileNames<T>(create: () => T): T {
  if (driverLoaded || process.env.SQLITE_USE_URI !== undefined) {
    driverLoaded = true
    return create()
  }
  process.env.SQLITE_USE_URI = '1'
  try {
    return create()
  } finally {
    delete process.env.SQLITE_USE_URI
    driverLoaded = true
  }
}

function isEmpty(database: { pragma(source: string, options: { simple: true }): unknown }): boolean {
  return Number(database.pragma('page_count', { simple: true })) === 0
}

// Several processes may create the same new database at once; switching the journal mode needs a
// moment of exclusive access, so it is retried until the lock timeout like any other lock wait.
function setWal(database: { pragma(source: string): unknown }, lockTimeoutMs: number): void {
  const deadline = Date.now() + lockTimeoutMs
  for (;;) {
    try {
      database.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if (!sqliteCode(error)?.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
    }
  }
}

import { accessSync, constants, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { DatabaseSession } from '../../connection/session.js'
import { DatabaseError } from '../../errors.js'
import { nonRegularType } from '../../files/regular-file.js'
import type { EngineConnector, OpenSettings } from '../connector.js'
import { type SqliteDriverAccess, createSqliteDialect, sqliteDialect } from './sqlite-dialect.js'
import { describeSqliteError, sqliteCode } from './sqlite-errors.js'
import { openReadOnlySnapshot } from './sqlite-read-only.js'
import { withStatementCache } from './sqlite-statement-cache.js'

/**
 * SQLite through better-sqlite3: a database is a file. A writable open creates a missing file
 * (and, for the default location only, its folders); a read-only open never creates anything.
 */
export const sqliteConnector: EngineConnector = Object.freeze<EngineConnector>({
  engine: 'sqlite',
  dialect: sqliteDialect,

  async exists(target) {
    return target.kind === 'file' && existsSync(target.path)
  },

  async open(target, settings: OpenSettings): Promise<DatabaseSession> {
    if (target.kind !== 'file') throw new Error(`internal: SQLite cannot open ${target.label}`)
    const { db, driver } = await openSqlite(target.path, target.isDefault, settings)
    return Object.freeze({
      db,
      dialect: createSqliteDialect(driver),
      label: target.path,
      lockKey: `sqlite:${canonicalPath(target.path)}`,
      readonly: settings.readonly,
      pinned: <T>(fn: (conn: Kysely<any>) => Promise<T>) => db.connection().execute(fn),
      close: () => db.destroy(),
    })
  },

  async adopt(db: Kysely<any>): Promise<DatabaseSession> {
    const { rows } = await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(db)
    const file = rows.find((row) => row.name === 'main')?.file
    return Object.freeze({
      db,
      dialect: sqliteDialect,
      label: file || ':memory:',
      lockKey: file ? `sqlite:${canonicalPath(file)}` : `sqlite-memory:${nextInstance++}`,
      readonly: false,
      pinned: <T>(fn: (conn: Kysely<any>) => Promise<T>) => db.connection().execute(fn),
      close: async () => {},
    })
  },
})

let nextInstance = 1

/** One name per file, whatever path led to it (symlinks, `..`), for the in-process lock. */
function canonicalPath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

interface OpenedSqlite {
  readonly db: Kysely<any>
  /** The driver's own handle on the same connection (none for a read-only snapshot). */
  readonly driver: SqliteDriverAccess | undefined
}

/**
 * Opens a SQLite database file with better-sqlite3 and wraps it in Kysely, with the settings an
 * agent database needs: a busy timeout equal to the lock timeout, foreign keys on, WAL for new
 * databases. `synchronous` is left at SQLite's default.
 *
 * @throws {DatabaseError} with a one-line reason and what to do.
 */
async function openSqlite(path: string, createFolders: boolean, settings: OpenSettings): Promise<OpenedSqlite> {
  // A FIFO, a device or a socket is refused before anything opens it: opening a FIFO waits for a
  // writer forever, and SQLite on /dev/null "works" until its first write. A symbolic link is
  // followed (its target must be a regular file); a link to nothing is a file to create.
  const stats = statSync(path, { throwIfNoEntry: false })
  const exists = stats !== undefined
  if (stats !== undefined && !stats.isFile()) {
    throw new DatabaseError(
      path,
      `is a ${nonRegularType(stats)}, not a database file`,
      'give the path of the database file (--db)',
    )
  }
  if (exists && !settings.readonly) {
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
    if (settings.readonly) {
      throw new DatabaseError(path, 'does not exist', 'run "glorious migrate run" first, or check --db / --agent')
    }
    const folder = dirname(path)
    if (!existsSync(folder)) {
      if (!createFolders) {
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
  if (settings.readonly) {
    // Reading writes nothing, not even side files beside the database (see sqlite-read-only.ts).
    try {
      const database = openReadOnlySnapshot(path, (file) => {
        const connection = withUriFileNames(
          () => new Database(file, { readonly: true, fileMustExist: true, timeout: settings.lockTimeoutMs }),
        )
        try {
          connection.prepare('SELECT count(*) FROM sqlite_schema').get()
          loadExtensions(connection, settings.extensions, path)
        } catch (error) {
          connection.close()
          throw error
        }
        return connection
      })
      return { db: new Kysely<any>({ dialect: new SqliteDialect({ database }) }), driver: undefined }
    } catch (error) {
      throw describeSqliteError(error, path, settings.lockTimeoutMs) ?? error
    }
  }
  let database: InstanceType<typeof Database>
  try {
    database = withUriFileNames(
      () =>
        new Database(path, {
          readonly: settings.readonly,
          fileMustExist: settings.readonly,
          timeout: settings.lockTimeoutMs,
        }),
    )
  } catch (error) {
    throw describeSqliteError(error, path, settings.lockTimeoutMs) ?? error
  }
  try {
    // Reading the schema now surfaces "not a database" and corruption before any work starts.
    database.prepare('SELECT count(*) FROM sqlite_schema').get()
    loadExtensions(database, settings.extensions, path)
    if (!settings.readonly) database.pragma(`foreign_keys = ${settings.foreignKeys ? 'ON' : 'OFF'}`)
    // "New" is an empty database, not only a missing file: a creator killed before it switched the
    // journal mode leaves an empty file behind, and the next run must still make it WAL.
    if (!settings.readonly && settings.journalMode === 'wal' && isEmpty(database))
      setWal(database, settings.lockTimeoutMs)
  } catch (error) {
    database.close()
    throw describeSqliteError(error, path, settings.lockTimeoutMs) ?? error
  }
  return {
    db: new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
    driver: {
      exec: (text: string) => void database.exec(text),
      defineFunction: (name, fn) => void database.function(name, { deterministic: false, varargs: false }, fn),
    },
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

import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseError } from '../errors.js'
import { saveCaches } from '../files/save-caches.js'
import { type DatabaseOptions, resolveDatabaseTarget } from './database-options.js'
import { databaseExists, openDatabase, openExistingDatabase } from './open-database.js'
import type { DatabaseSession } from './session.js'

/** Where a run gets its database from: it creates or writes the database only when it must. */
export interface SessionSource {
  /**
   * A read-only session on the database if it exists, else `undefined`: what a run uses to look
   * before it writes. It creates and writes nothing, not even a side file.
   */
  existing(): Promise<DatabaseSession | undefined>
  /** A writable session when the database exists, else `undefined` (work that follows a run). */
  existingWritable(): Promise<DatabaseSession | undefined>
  /** A writable session (creates the database when needed). */
  writable(): Promise<DatabaseSession>
}

/**
 * Opens the database lazily, at most once, and upgrades a read-only session to a writable one
 * when a write is needed. Read-only use of a database that does not exist opens nothing.
 *
 * Nothing is written on disk unless a writable session was needed: the checksum cache is saved
 * on close only then, so `status`, `verify`, a dry run and a run with nothing to do leave the
 * file system exactly as they found it (and work on a read-only one).
 */
export class SessionHolder implements SessionSource {
  readonly #options: DatabaseOptions
  #session: DatabaseSession | undefined
  #writable = false
  #wrote = false

  constructor(options: DatabaseOptions) {
    this.#options = options
  }

  /** A writable session (creates the database when needed). */
  async writable(): Promise<DatabaseSession> {
    if (this.#session && this.#writable) return this.#session
    await this.#closeSession()
    this.#session = await openDatabase(this.#options, { readonly: false })
    this.#writable = true
    this.#wrote = true
    return this.#session
  }

  /**
   * @throws {DatabaseError} when a database file the user chose is in a folder that does not
   * exist: "nothing pending" would not be a true answer about it.
   */
  async existing(): Promise<DatabaseSession | undefined> {
    if (this.#session) return this.#session
    const session = await this.readable()
    if (session === undefined) this.#checkFolder()
    return session
  }

  async existingWritable(): Promise<DatabaseSession | undefined> {
    if (this.#session && this.#writable) return this.#session
    if (!(await databaseExists(this.#options))) return undefined
    return this.writable()
  }

  /** A session for reading, or `undefined` when the database does not exist yet. */
  async readable(): Promise<DatabaseSession | undefined> {
    if (this.#session) return this.#session
    const session = await openExistingDatabase(this.#options)
    if (session === undefined) return undefined
    this.#session = session
    this.#writable = !session.readonly
    return session
  }

  async close(): Promise<void> {
    if (this.#wrote) saveCaches()
    await this.#closeSession()
  }

  async #closeSession(): Promise<void> {
    const session = this.#session
    this.#session = undefined
    this.#writable = false
    await session?.close()
  }

  /**
   * @throws {DatabaseError} when a database file the user chose is in a folder that does not
   * exist: "nothing pending" would not be a true answer about it.
   */
  #checkFolder(): void {
    const target = resolveDatabaseTarget(this.#options)
    if (target.kind === 'file' && !target.isDefault && !existsSync(dirname(target.path))) {
      throw new DatabaseError(
        target.path,
        `cannot be created: folder ${dirname(target.path)} does not exist`,
        'create the folder first, or choose another --db',
      )
    }
  }
}

import { flushChecksumCache } from '../files/checksum-cache.js'
import type { DatabaseOptions } from './database-options.js'
import { databaseExists, openDatabase } from './open-database.js'
import type { DatabaseSession } from './session.js'

/** Where a run gets its database from: it creates the database only when it must write. */
export interface SessionSource {
  /** A session on the database if it exists (never creates it), else `undefined`. */
  existing(): Promise<DatabaseSession | undefined>
  /** A writable session (creates the database when needed). */
  writable(): Promise<DatabaseSession>
}

/**
 * Opens the database lazily, at most once, and upgrades a read-only session to a writable one
 * when a write is needed. Read-only use of a database that does not exist opens nothing.
 */
export class SessionHolder implements SessionSource {
  readonly #options: DatabaseOptions
  #session: DatabaseSession | undefined
  #writable = false

  constructor(options: DatabaseOptions) {
    this.#options = options
  }

  /** A writable session (creates the database when needed). */
  async writable(): Promise<DatabaseSession> {
    if (this.#session && this.#writable) return this.#session
    await this.close()
    this.#session = await openDatabase(this.#options, { readonly: false })
    this.#writable = true
    return this.#session
  }

  /**
   * A writable session when the database exists, else `undefined`: what a run uses to look before
   * it writes. (A writable connection, unlike a read-only one, removes its WAL side files on close.)
   */
  async existing(): Promise<DatabaseSession | undefined> {
    if (this.#session) return this.#session
    if (!(await databaseExists(this.#options))) return undefined
    return this.writable()
  }

  /** A session for reading, or `undefined` when the database does not exist yet. */
  async readable(): Promise<DatabaseSession | undefined> {
    if (this.#session) return this.#session
    if (!(await databaseExists(this.#options))) return undefined
    this.#session = await openDatabase(this.#options, { readonly: true })
    this.#writable = !this.#session.readonly
    return this.#session
  }

  async close(): Promise<void> {
    flushChecksumCache()
    const session = this.#session
    this.#session = undefined
    this.#writable = false
    await session?.close()
  }
}

import { Kysely, SqliteDialect } from 'kysely'
import { DatabaseError } from '../../errors.js'
import type { ScratchDatabase, ScratchDatabaseFactory } from '../schema-snapshot.js'
import { sqliteConnector } from './sqlite-connector.js'

/** SQLite's scratch database lives in memory: nothing to name, nothing left behind. */
export const sqliteScratchDatabase: ScratchDatabaseFactory = Object.freeze<ScratchDatabaseFactory>({
  async create(_live, settings): Promise<ScratchDatabase> {
    const { default: Database } = await import('better-sqlite3')
    const database = new Database(':memory:')
    try {
      for (const extension of settings.extensions) database.loadExtension(extension)
    } catch (error) {
      database.close()
      throw new DatabaseError(
        'in memory (scratch)',
        `cannot load an extension (${(error as Error).message})`,
        'check the --load-extension paths',
        error,
      )
    }
    // The replay needs no foreign-key enforcement: it only rebuilds the schema, from an empty database.
    database.pragma('foreign_keys = OFF')
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) })
    const session = await sqliteConnector.adopt(db, settings)
    let dropped = false
    return {
      session,
      label: 'an in-memory SQLite database',
      async drop() {
        if (dropped) return
        dropped = true
        await db.destroy()
      },
    }
  },
})

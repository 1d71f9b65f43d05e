import type { Kysely } from 'kysely'
import { InvalidOptionError } from '../errors.js'
import type { EngineConnector } from './connector.js'
import type { EngineName } from './dialect.js'
import type { EngineSchemaTools } from './schema-snapshot.js'

/**
 * The one place outside the engine folders that names engines: it maps an engine to its
 * connector, loading the engine's folder (and through it the driver) only when it is used, so
 * SQLite users never load `pg` or `mysql2`.
 */
export async function connectorFor(engine: EngineName): Promise<EngineConnector> {
  switch (engine) {
    case 'sqlite':
      return (await import('./sqlite/sqlite-connector.js')).sqliteConnector
    case 'postgres':
      return (await import('./postgres/postgres-connector.js')).postgresConnector
    case 'mysql':
      return (await import('./mysql/mysql-connector.js')).mysqlConnector
  }
}

/**
 * What drift detection needs from an engine (describing its objects, making a scratch database),
 * loaded only by the commands that compare schemas.
 */
export async function schemaToolsFor(engine: EngineName): Promise<EngineSchemaTools> {
  switch (engine) {
    case 'sqlite':
      return {
        snapshot: (await import('./sqlite/sqlite-schema-snapshot.js')).sqliteSchemaSnapshot,
        scratch: (await import('./sqlite/sqlite-scratch-database.js')).sqliteScratchDatabase,
      }
    case 'postgres':
      return {
        snapshot: (await import('./postgres/postgres-schema-snapshot.js')).postgresSchemaSnapshot,
        scratch: (await import('./postgres/postgres-scratch-database.js')).postgresScratchDatabase,
      }
    case 'mysql':
      return {
        snapshot: (await import('./mysql/mysql-schema-snapshot.js')).mysqlSchemaSnapshot,
        scratch: (await import('./mysql/mysql-scratch-database.js')).mysqlScratchDatabase,
      }
  }
}

const ADAPTER_ENGINES: Readonly<Record<string, EngineName | undefined>> = {
  SqliteAdapter: 'sqlite',
  PostgresAdapter: 'postgres',
  MysqlAdapter: 'mysql',
}

/**
 * The engine behind a Kysely instance, from its adapter (the adapter class of each of Kysely's
 * built-in dialects, or a subclass of one).
 *
 * @throws {InvalidOptionError} for an adapter of an engine glorious-migrate does not support.
 */
export function engineOfKysely(db: Kysely<any>): EngineName {
  let prototype: unknown = Object.getPrototypeOf(db.getExecutor().adapter)
  while (prototype !== null && prototype !== Object.prototype) {
    const engine = ADAPTER_ENGINES[(prototype as { constructor: { name: string } }).constructor.name]
    if (engine) return engine
    prototype = Object.getPrototypeOf(prototype)
  }
  const name = (db.getExecutor().adapter as { constructor: { name: string } }).constructor.name
  throw new InvalidOptionError(
    `the Kysely instance uses ${name}; glorious-migrate supports SQLite, PostgreSQL and MySQL/MariaDB (Kysely's SqliteDialect, PostgresDialect, MysqlDialect)`,
  )
}

import type { Kysely } from 'kysely'
import { InvalidOptionError } from '../errors.js'
import type { EngineConnector } from './connector.js'
import type { EngineName } from './dialect.js'

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

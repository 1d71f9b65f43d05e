import type { Kysely } from 'kysely'
import type { EngineConnector, OpenSettings } from '../dialects/connector.js'
import { connectorFor, engineOfKysely } from '../dialects/registry.js'
import { DatabaseError, InvalidOptionError } from '../errors.js'
import {
  DEFAULT_STATEMENT_LOCK_TIMEOUT_MS,
  type DatabaseOptions,
  type DatabaseTarget,
  lockTimeoutOf,
  resolveDatabaseTarget,
} from './database-options.js'
import type { DatabaseSession } from './session.js'

/**
 * Opens the database the options point at. `readonly` sessions never create or write anything.
 *
 * @throws {DatabaseError | InvalidOptionError}
 */
export async function openDatabase(
  options: DatabaseOptions,
  mode: { readonly readonly: boolean },
): Promise<DatabaseSession> {
  const settings = openSettings(options, mode.readonly)
  const target = resolveDatabaseTarget(options)
  if (target.kind === 'kysely') return adopt(target.db, settings)
  return (await connectorFor(target.engine)).open(target, settings)
}

/**
 * A read-only session on the database the options point at, or `undefined` when it does not
 * exist (nothing is created). A Kysely instance always exists.
 *
 * @throws {DatabaseError | InvalidOptionError}
 */
export async function openExistingDatabase(options: DatabaseOptions): Promise<DatabaseSession | undefined> {
  const settings = openSettings(options, true)
  const target = resolveDatabaseTarget(options)
  if (target.kind === 'kysely') return adopt(target.db, settings)
  const connector = await connectorFor(target.engine)
  if (connector.openExisting) return connector.openExisting(target, settings)
  return (await connector.exists(target, settings)) ? connector.open(target, settings) : undefined
}

/** Whether the database the options point at exists (a Kysely instance always does). Never creates it. */
export async function databaseExists(options: DatabaseOptions): Promise<boolean> {
  const target = resolveDatabaseTarget(options)
  if (target.kind === 'kysely') return true
  return (await connectorFor(target.engine)).exists(target, openSettings(options, true))
}

/** The connector of the engine the options point at (for checks of files without a database). */
export async function connectorOf(options: DatabaseOptions): Promise<EngineConnector> {
  const target = resolveDatabaseTarget(options)
  return connectorFor(target.kind === 'kysely' ? engineOfKysely(target.db) : target.engine)
}

/** The error read-only commands give when the database does not exist (they never create it). */
export function missingDatabase(options: DatabaseOptions | DatabaseTarget): DatabaseError {
  const target = 'kind' in options ? options : resolveDatabaseTarget(options)
  // With a schema, the database may exist without it: both are named, and both options.
  const schema = 'kind' in options ? undefined : options.schema
  if (target.kind === 'url' && schema !== undefined) {
    return new DatabaseError(
      target.label,
      `has no schema "${schema}", or does not exist`,
      'nothing has been migrated there yet: check --url and --schema, or run "glorious migrate run" first',
    )
  }
  return new DatabaseError(
    target.label,
    'does not exist',
    target.kind === 'url'
      ? 'nothing has been migrated there yet: check --url, or run "glorious migrate run" first'
      : 'nothing has been migrated there yet: check --db / --agent, or run "glorious migrate run" first',
  )
}

export function openSettings(options: DatabaseOptions, readonly: boolean): OpenSettings {
  const statementLockTimeoutMs = options.statementLockTimeoutMs ?? DEFAULT_STATEMENT_LOCK_TIMEOUT_MS
  if (!Number.isFinite(statementLockTimeoutMs) || statementLockTimeoutMs < 0) {
    throw new InvalidOptionError(
      `statementLockTimeoutMs must be a number of milliseconds ≥ 0, got ${String(statementLockTimeoutMs)}`,
    )
  }
  return Object.freeze({
    readonly,
    lockTimeoutMs: lockTimeoutOf(options),
    journalMode: options.journalMode ?? 'wal',
    foreignKeys: options.foreignKeys ?? true,
    extensions: options.extensions ?? [],
    schema: options.schema,
    statementLockTimeoutMs,
  })
}

// Sessions for Kysely instances the caller owns, so that repeated checks (a skill loader calling
// migrateSkills on every load) do not ask the database about itself each time.
const adopted = new WeakMap<Kysely<any>, DatabaseSession>()

async function adopt(db: Kysely<any>, settings: OpenSettings): Promise<DatabaseSession> {
  const known = adopted.get(db)
  if (known) return known
  const session = await (await connectorFor(engineOfKysely(db))).adopt(db, settings)
  adopted.set(db, session)
  return session
}

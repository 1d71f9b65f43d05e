import type { Kysely } from 'kysely'
import type { DatabaseTarget } from '../connection/database-options.js'
import type { DatabaseSession } from '../connection/session.js'
import type { OpenSettings } from './connector.js'

/**
 * One part of a table or view, as normalized SQL text: two databases whose parts have the same
 * text have the same schema for that object.
 */
export interface SnapshotPart {
  /**
   * `definition` is the object's whole CREATE statement as the engine keeps it: compared only
   * when no other part differs, it catches what the parts do not name (a CHECK in SQLite's text).
   */
  readonly kind: 'column' | 'constraint' | 'index' | 'trigger' | 'options' | 'definition'
  readonly name: string
  readonly sql: string
}

/** A table or view of a skill, described by the engine. */
export interface SnapshotObject {
  /** The name as the ownership table records it. */
  readonly name: string
  readonly type: 'table' | 'view' | 'materialized view'
  readonly parts: readonly SnapshotPart[]
  /** The object's CREATE statements (table, indexes, triggers), readable, for a unified diff. */
  readonly ddl: string
}

/** Describes tables and views as normalized text (one per engine folder: `<engine>-schema-snapshot.ts`). */
export interface SchemaSnapshotter {
  /** The named tables and views that exist, with their indexes and triggers; absent names are left out. */
  describe(conn: Kysely<any>, names: readonly string[]): Promise<readonly SnapshotObject[]>
}

/** An empty database the toolkit made for itself, to replay migrations into. */
export interface ScratchDatabase {
  readonly session: DatabaseSession
  /** How messages name it. */
  readonly label: string
  /** Closes it and removes it; safe to call once whatever happened before. */
  drop(): Promise<void>
}

/**
 * Makes scratch databases (one per engine folder: `<engine>-scratch-database.ts`): SQLite in
 * memory; a server engine a new database on the live database's server, dropped by `drop()`.
 */
export interface ScratchDatabaseFactory {
  /**
   * @param live The live database's target (`undefined` for a Kysely instance the caller owns).
   * @throws {DatabaseError} when it cannot be made (no URL to the server, no privilege).
   */
  create(
    live: Exclude<DatabaseTarget, { kind: 'kysely' }> | undefined,
    settings: OpenSettings,
  ): Promise<ScratchDatabase>
}

/** What drift detection needs from an engine. */
export interface EngineSchemaTools {
  readonly snapshot: SchemaSnapshotter
  readonly scratch: ScratchDatabaseFactory
}

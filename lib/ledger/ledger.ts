import { type CompiledQuery, type Generated, type Kysely, type Selectable, type Updateable, sql } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { DatabaseError } from '../errors.js'
import { compileRepeated, executeRepeated } from './repeated-query.js'

/** The ledger: one row per applied migration, for every skill of the database. */
export const LEDGER_TABLE = '_migrations'
/** Which skill created which table or view (used by codegen). */
export const OWNERSHIP_TABLE = '_migration_objects'
/** What was done to the ledger besides applying migrations: baselines, accepted edits, resolved failures. */
export const EVENTS_TABLE = '_migration_events'
/** A fingerprint of each skill's own tables and views, taken after the runs that changed them (drift). */
export const FINGERPRINTS_TABLE = '_migration_fingerprints'
/** Tables a migration may not touch. */
export const RESERVED_TABLES: readonly string[] = Object.freeze([
  LEDGER_TABLE,
  OWNERSHIP_TABLE,
  EVENTS_TABLE,
  FINGERPRINTS_TABLE,
])

/** A row of `_migrations`. */
export interface LedgerRow {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly checksum: string
  /** ISO-8601 UTC. */
  readonly appliedAt: string
  readonly durationMs: number | null
  /**
   * The migrations folder the migration was applied from (absolute), so `status` and `verify`
   * can find a skill's files even when it was migrated with `--dir`; `null` in rows written
   * before this was recorded.
   */
  readonly migrationsDir: string | null
  /**
   * The skill's generated types have not caught up with this migration yet (set when it is
   * applied, cleared once `db-types.ts` is written), so a run killed between its commit and the
   * type generation is completed by the next run.
   */
  readonly typesPending: boolean
  /**
   * `applied` for every finished migration. Where DDL commits implicitly (MySQL), a migration
   * that runs statement by statement has a row while it runs, and keeps one when it fails:
   * `running` (statement `progress.applied + 1` was under way), `failed` (statement
   * `progress.applied + 1` failed). Such a migration is not applied: a run resumes it.
   */
  readonly status: LedgerStatus
  /** Statement progress of a migration run statement by statement, when recorded. */
  readonly progress: StatementProgress | null
  /**
   * How the row came to be: `run` (the migration ran), `baseline` (recorded without running, for
   * a database whose schema was made outside the toolkit), `resolved` (a migration stopped part
   * way, declared applied by hand).
   */
  readonly source: LedgerSource
  /**
   * A checksum of the migration's SQL without its comments and spacing, so that an edit of an
   * applied file can be told apart: comments and whitespace only, or changed SQL. `null` in rows
   * written before this was recorded.
   */
  readonly sqlChecksum: string | null
}

export type LedgerSource = 'run' | 'baseline' | 'resolved'

export type LedgerStatus = 'applied' | 'running' | 'failed'

/** How far a migration run statement by statement got, and what its applied statements were. */
export interface StatementProgress {
  /** Statements applied, from the first. */
  readonly applied: number
  readonly total: number
  /** A checksum of each applied statement's text, in order: a resumed file must keep them. */
  readonly checksums: readonly string[]
  /** The database's message for the statement that failed (`status: 'failed'`). */
  readonly error: string | null
  /**
   * What the objects the statement under way touches looked like before it ran (`status:
   * 'running'`), so that a run interrupted there can tell whether it took effect.
   */
  readonly probe: string | null
}

export interface LedgerTable {
  skill_name: string
  version: number
  filename: string
  checksum: string
  applied_at: string
  duration_ms: number | null
  types_pending: number
  migrations_dir: string | null
  status: Generated<string>
  statements_applied: Generated<number | null>
  statements_total: Generated<number | null>
  statement_checksums: Generated<string | null>
  error: Generated<string | null>
  probe: Generated<string | null>
  source: Generated<string>
  sql_checksum: Generated<string | null>
}

export interface EventsTable {
  skill_name: string
  version: number
  event: string
  at: string
  old_checksum: string | null
  new_checksum: string | null
  change: string | null
  user_name: string | null
  host: string | null
  detail: string | null
}

export interface OwnershipTable {
  object_name: string
  object_type: string
  skill_name: string
  version: number
}

export interface FingerprintsTable {
  skill_name: string
  fingerprint: string
  versions: string
  objects: string
  recorded_at: string
}

export interface LedgerTables {
  [LEDGER_TABLE]: LedgerTable
  [OWNERSHIP_TABLE]: OwnershipTable
  [EVENTS_TABLE]: EventsTable
  [FINGERPRINTS_TABLE]: FingerprintsTable
}

const REQUIRED_COLUMNS = ['skill_name', 'version', 'filename', 'checksum', 'applied_at']

/** Columns added after the first release, with how to add them to an older ledger. */
const ADDED_COLUMNS: readonly {
  readonly name: keyof LedgerTable
  readonly type: 'integer' | 'varchar(16)' | 'varchar(64)' | 'varchar(4096)' | 'text'
}[] = [
  { name: 'duration_ms', type: 'integer' },
  { name: 'types_pending', type: 'integer' },
  { name: 'migrations_dir', type: 'varchar(4096)' },
  { name: 'status', type: 'varchar(16)' },
  { name: 'statements_applied', type: 'integer' },
  { name: 'statements_total', type: 'integer' },
  { name: 'statement_checksums', type: 'text' },
  { name: 'error', type: 'text' },
  { name: 'probe', type: 'text' },
  { name: 'source', type: 'varchar(16)' },
  { name: 'sql_checksum', type: 'varchar(64)' },
]

/** Columns that get a default when added (existing rows take it). */
const COLUMN_DEFAULTS: Partial<Record<keyof LedgerTable, string | number>> = {
  types_pending: 0,
  status: 'applied',
  source: 'run',
}

/**
 * Reads ledger rows (all skills, or the given ones) without taking any lock. A database without
 * a ledger has no applied migrations.
 */
export async function readLedger(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  skills?: readonly string[],
): Promise<readonly LedgerRow[]> {
  const columns = await dialect.columnNames(conn, LEDGER_TABLE) // none: no ledger yet
  if (columns.length === 0) return []
  const optional = ADDED_COLUMNS.map((column) => column.name).filter((name) => columns.includes(name))
  let query = (conn as Kysely<LedgerTables>)
    .selectFrom(LEDGER_TABLE)
    .select(['skill_name', 'version', 'filename', 'checksum', 'applied_at', ...optional])
  // One skill: filter in SQL. Several: read all rows once and filter here, which keeps the query
  // text constant (a cached statement) and is as fast for the few thousand rows a ledger holds.
  if (skills !== undefined && skills.length === 1) query = query.where('skill_name', '=', skills[0] as string)
  const rows = (await query.execute()) as Partial<Selectable<LedgerTable>>[]
  const wanted = skills === undefined || skills.length === 1 ? undefined : new Set(skills)
  const result: LedgerRow[] = []
  for (const row of rows) {
    if (wanted && !wanted.has(row.skill_name as string)) continue
    result.push(
      Object.freeze({
        skill: String(row.skill_name),
        version: Number(row.version),
        filename: String(row.filename),
        checksum: String(row.checksum),
        appliedAt: String(row.applied_at),
        durationMs: row.duration_ms === undefined || row.duration_ms === null ? null : Number(row.duration_ms),
        migrationsDir: row.migrations_dir ?? null,
        typesPending: Number(row.types_pending ?? 0) === 1,
        status: statusOf(row.status),
        source: row.source === 'baseline' || row.source === 'resolved' ? row.source : 'run',
        sqlChecksum: row.sql_checksum ?? null,
        progress:
          row.statements_total === undefined || row.statements_total === null
            ? null
            : Object.freeze({
                applied: Number(row.statements_applied ?? 0),
                total: Number(row.statements_total),
                checksums: Object.freeze(row.statement_checksums ? row.statement_checksums.split(',') : []),
                error: row.error ?? null,
                probe: row.probe ?? null,
              }),
      }),
    )
  }
  return result.sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : a.version - b.version))
}

/**
 * Creates the ledger and ownership tables when missing, and adds the columns a ledger made by an
 * older version lacks. Runs inside the migration's transaction, so a failed first migration
 * leaves no trace of them either.
 */
export async function ensureLedger(conn: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const columns = await dialect.columnNames(conn, LEDGER_TABLE)
  if (columns.length > 0) {
    const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column))
    if (missing.length > 0) {
      throw new DatabaseError(
        'ledger',
        `table ${LEDGER_TABLE} exists but lacks column(s) ${missing.join(', ')}`,
        `it was not made by glorious-migrate; rename or drop it, then run again`,
      )
    }
    for (const column of ADDED_COLUMNS) {
      if (columns.includes(column.name)) continue
      const fallback = COLUMN_DEFAULTS[column.name]
      await conn.schema
        .alterTable(LEDGER_TABLE)
        .addColumn(column.name, column.type, (c) => (fallback === undefined ? c : c.notNull().defaultTo(fallback)))
        .execute()
    }
  } else {
    await conn.schema
      .createTable(LEDGER_TABLE)
      .addColumn('skill_name', 'varchar(255)', (column) => column.notNull())
      .addColumn('version', 'bigint', (column) => column.notNull())
      .addColumn('filename', 'varchar(255)', (column) => column.notNull())
      .addColumn('checksum', 'varchar(64)', (column) => column.notNull())
      .addColumn('applied_at', 'varchar(32)', (column) => column.notNull())
      .addColumn('duration_ms', 'integer')
      .addColumn('types_pending', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('migrations_dir', 'varchar(4096)')
      .addColumn('status', 'varchar(16)', (column) => column.notNull().defaultTo('applied'))
      .addColumn('statements_applied', 'integer')
      .addColumn('statements_total', 'integer')
      .addColumn('statement_checksums', 'text')
      .addColumn('error', 'text')
      .addColumn('probe', 'text')
      .addColumn('source', 'varchar(16)', (column) => column.notNull().defaultTo('run'))
      .addColumn('sql_checksum', 'varchar(64)')
      .addPrimaryKeyConstraint(`${LEDGER_TABLE}_pk`, ['skill_name', 'version'])
      .execute()
  }
  await ensureOwnershipTable(conn, dialect)
  if (!(await dialect.tableExists(conn, EVENTS_TABLE))) {
    await conn.schema
      .createTable(EVENTS_TABLE)
      .addColumn('skill_name', 'varchar(255)', (column) => column.notNull())
      .addColumn('version', 'bigint', (column) => column.notNull())
      .addColumn('event', 'varchar(32)', (column) => column.notNull())
      .addColumn('at', 'varchar(32)', (column) => column.notNull())
      .addColumn('old_checksum', 'varchar(64)')
      .addColumn('new_checksum', 'varchar(64)')
      .addColumn('change', 'varchar(32)')
      .addColumn('user_name', 'varchar(255)')
      .addColumn('host', 'varchar(255)')
      .addColumn('detail', 'text')
      .addPrimaryKeyConstraint(`${EVENTS_TABLE}_pk`, ['skill_name', 'version', 'event', 'at'])
      .execute()
  }
}

/**
 * The ownership table. Where table names ignore letter case (SQLite), its key does too, so that
 * `CREATE TABLE Notes` and a later `ALTER TABLE notes RENAME TO items` find the same row; an
 * ownership table made before that is rebuilt once, in the run's transaction.
 */
async function ensureOwnershipTable(conn: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const nocase = dialect.capabilities.caseInsensitiveNames
  const exists = await dialect.tableExists(conn, OWNERSHIP_TABLE)
  if (exists && (!nocase || (await hasNocaseKey(conn)))) return
  const name = exists ? `${OWNERSHIP_TABLE}_new` : OWNERSHIP_TABLE
  await conn.schema
    .createTable(name)
    .addColumn('object_name', 'varchar(255)', (column) =>
      nocase ? column.primaryKey().modifyEnd(sql`collate nocase`) : column.primaryKey(),
    )
    .addColumn('object_type', 'varchar(32)', (column) => column.notNull())
    .addColumn('skill_name', 'varchar(255)', (column) => column.notNull())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .execute()
  if (!exists) return
  // Rows that differ only in case were one table: the newest record wins.
  await sql`INSERT OR REPLACE INTO ${sql.table(name)} SELECT object_name, object_type, skill_name, version FROM ${sql.table(OWNERSHIP_TABLE)} ORDER BY version`.execute(
    conn,
  )
  await conn.schema.dropTable(OWNERSHIP_TABLE).execute()
  await conn.schema.alterTable(name).renameTo(OWNERSHIP_TABLE).execute()
}

async function hasNocaseKey(conn: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ coll: string | null }>`
    SELECT coll FROM pragma_index_xinfo((SELECT name FROM pragma_index_list(${OWNERSHIP_TABLE}) WHERE origin = 'pk'))
    WHERE key = 1`.execute(conn)
  return rows.length > 0 && rows.every((row) => row.coll?.toUpperCase() === 'NOCASE')
}

export async function insertLedgerRow(conn: Kysely<any>, row: LedgerRow): Promise<void> {
  if (row.source === 'run' && row.status === 'applied' && row.progress === null) {
    // The row of every migration a run applies: one shape, compiled once per run.
    // Its values in the order the query binds them: the key, then the record columns.
    const values = [row.skill, row.version, ...Object.values(recordColumns(row))]
    await executeRepeated(conn, 'insert-applied-row', () => insertQuery(conn, row), values)
    return
  }
  await insertQuery(conn, row).execute()
}

/**
 * The ledger row of a migration a run applies, compiled, its `duration_ms` the value of an SQL
 * expression: the server measures the migration in the message that applies it.
 */
export function appliedRowInsert(conn: Kysely<any>, row: LedgerRow, durationExpression: string): CompiledQuery {
  const { duration_ms: _measuredByTheServer, ...columns } = recordColumns(row)
  return compileRepeated(
    conn,
    'insert-applied-row-measured',
    () =>
      (conn as Kysely<LedgerTables>).insertInto(LEDGER_TABLE).values({
        skill_name: row.skill,
        version: row.version,
        ...columns,
        duration_ms: sql<number>`${sql.raw(durationExpression)}`,
      }),
    [row.skill, row.version, ...Object.values(columns)],
  )
}

/**
 * The recorded duration of each of these migrations that has a ledger row, keyed
 * `skill/version`: what a run reads back for migrations whose time only the server measured
 * (several in one message), and to learn which of them committed.
 */
export async function readRecordedDurations(
  conn: Kysely<any>,
  migrations: readonly { readonly skill: string; readonly version: number }[],
): Promise<ReadonlyMap<string, number | null>> {
  if (migrations.length === 0) return new Map()
  // A range of versions per skill: one index range scan each, planned in a fraction of the time
  // an OR of every (skill, version) pair takes; rows in between that are not asked for are dropped.
  const ranges = new Map<string, { min: number; max: number }>()
  for (const { skill, version } of migrations) {
    const range = ranges.get(skill)
    if (range) ranges.set(skill, { min: Math.min(range.min, version), max: Math.max(range.max, version) })
    else ranges.set(skill, { min: version, max: version })
  }
  const rows = await (conn as Kysely<LedgerTables>)
    .selectFrom(LEDGER_TABLE)
    .select(['skill_name', 'version', 'duration_ms'])
    .where((eb) =>
      eb.or(
        [...ranges].map(([skill, { min, max }]) =>
          eb.and([eb('skill_name', '=', skill), eb('version', '>=', min), eb('version', '<=', max)]),
        ),
      ),
    )
    .execute()
  const wanted = new Set(migrations.map((m) => `${m.skill}/${m.version}`))
  const durations = new Map<string, number | null>()
  for (const row of rows) {
    const key = `${row.skill_name}/${Number(row.version)}`
    if (wanted.has(key)) durations.set(key, row.duration_ms === null ? null : Number(row.duration_ms))
  }
  return durations
}

/**
 * Rewrites a ledger row unchanged in a transaction of its own, committed synchronously: on
 * PostgreSQL that commit makes every earlier commit of the session durable (the log is flushed
 * in order), which is how a run settles what its deferred commits owe before it reports.
 */
export async function rewriteLedgerRow(conn: Kysely<any>, skill: string, version: number): Promise<void> {
  await (conn as Kysely<LedgerTables>)
    .updateTable(LEDGER_TABLE)
    .set((eb) => ({ duration_ms: eb.ref('duration_ms') }))
    .where('skill_name', '=', skill)
    .where('version', '=', version)
    .execute()
}

/** The columns every write of a ledger row sets (its key and progress aside). */
function recordColumns(row: LedgerRow) {
  return {
    filename: row.filename,
    checksum: row.checksum,
    applied_at: row.appliedAt,
    duration_ms: row.durationMs,
    types_pending: row.typesPending ? 1 : 0,
    migrations_dir: row.migrationsDir,
    sql_checksum: row.sqlChecksum,
  }
}

function insertQuery(conn: Kysely<any>, row: LedgerRow) {
  return (conn as Kysely<LedgerTables>).insertInto(LEDGER_TABLE).values({
    skill_name: row.skill,
    version: row.version,
    ...recordColumns(row),
    ...(row.source === 'run' ? {} : { source: row.source }),
    ...(row.status === 'applied' && row.progress === null ? {} : progressColumns(row)),
  })
}

/**
 * Writes a statement-by-statement migration's row as it stands: its status, progress and
 * checksum (the ledger row of a migration that has not finished).
 *
 * @returns whether the row was there to update (a migration that deleted its own row was not
 *   stopped by anything else).
 */
export async function updateLedgerRow(conn: Kysely<any>, row: LedgerRow): Promise<boolean> {
  const result = await (conn as Kysely<LedgerTables>)
    .updateTable(LEDGER_TABLE)
    .set({
      ...recordColumns(row),
      source: row.source,
      ...progressColumns(row),
    })
    .where('skill_name', '=', row.skill)
    .where('version', '=', row.version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

function progressColumns(row: LedgerRow): Updateable<LedgerTable> {
  return {
    status: row.status,
    statements_applied: row.progress?.applied ?? null,
    statements_total: row.progress?.total ?? null,
    statement_checksums: row.progress ? row.progress.checksums.join(',') : null,
    error: row.progress?.error ?? null,
    probe: row.progress?.probe ?? null,
  }
}

function statusOf(value: string | undefined): LedgerStatus {
  return value === 'running' || value === 'failed' ? value : 'applied'
}

/** Records that the skills' generated types have caught up with every migration applied so far. */
export async function clearTypesPending(conn: Kysely<any>, skills: readonly string[]): Promise<void> {
  if (skills.length === 0) return
  await (conn as Kysely<LedgerTables>)
    .updateTable(LEDGER_TABLE)
    .set({ types_pending: 0 })
    .where('skill_name', 'in', skills)
    .where('types_pending', '=', 1)
    .execute()
}

/** Deletes exactly the given ledger rows of a skill (matched by version and checksum). The schema is not touched. */
export async function deleteLedgerRows(conn: Kysely<any>, skill: string, rows: readonly LedgerRow[]): Promise<void> {
  for (const row of rows) {
    await (conn as Kysely<LedgerTables>)
      .deleteFrom(LEDGER_TABLE)
      .where('skill_name', '=', skill)
      .where('version', '=', row.version)
      .where('checksum', '=', row.checksum)
      .execute()
  }
}

/** Ledger rows newest first, for `history`. */
export async function readHistory(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  options: { readonly skill?: string | undefined; readonly limit?: number | undefined },
): Promise<readonly LedgerRow[]> {
  const rows = await readLedger(conn, dialect, options.skill === undefined ? undefined : [options.skill])
  const sorted = [...rows].sort(
    (a, b) =>
      (a.appliedAt < b.appliedAt ? 1 : a.appliedAt > b.appliedAt ? -1 : 0) ||
      (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0) ||
      b.version - a.version,
  )
  return options.limit === undefined ? sorted : sorted.slice(0, options.limit)
}

import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { DatabaseError } from '../errors.js'

/** The ledger: one row per applied migration, for every skill of the database. */
export const LEDGER_TABLE = '_migrations'
/** Which skill created which table or view (used by codegen). */
export const OWNERSHIP_TABLE = '_migration_objects'
/** Tables a migration may not touch. */
export const RESERVED_TABLES: readonly string[] = Object.freeze([LEDGER_TABLE, OWNERSHIP_TABLE])

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
   * The skill's generated types have not caught up with this migration yet (set when it is
   * applied, cleared once `db-types.ts` is written), so a run killed between its commit and the
   * type generation is completed by the next run.
   */
  readonly typesPending: boolean
}

interface LedgerTable {
  skill_name: string
  version: number
  filename: string
  checksum: string
  applied_at: string
  duration_ms: number | null
  types_pending: number
}

interface OwnershipTable {
  object_name: string
  object_type: string
  skill_name: string
  version: number
}

interface Tables {
  [LEDGER_TABLE]: LedgerTable
  [OWNERSHIP_TABLE]: OwnershipTable
}

const REQUIRED_COLUMNS = ['skill_name', 'version', 'filename', 'checksum', 'applied_at']

/**
 * Reads ledger rows (all skills, or the given ones) without taking any lock. A database without
 * a ledger has no applied migrations.
 */
export async function readLedger(
  db: Kysely<any>,
  dialect: MigrationDialect,
  skills?: readonly string[],
): Promise<readonly LedgerRow[]> {
  const columns = await dialect.columnNames(db, LEDGER_TABLE) // none: no ledger yet
  if (columns.length === 0) return []
  const ledger = db as Kysely<Tables>
  const hasDuration = columns.includes('duration_ms')
  const hasTypesPending = columns.includes('types_pending')
  let query = ledger
    .selectFrom(LEDGER_TABLE)
    .select(['skill_name', 'version', 'filename', 'checksum', 'applied_at'])
    .$if(hasDuration, (q) => q.select('duration_ms'))
    .$if(hasTypesPending, (q) => q.select('types_pending'))
  // One skill: filter in SQL. Several: read all rows once and filter here, which keeps the query
  // text constant (a cached statement) and is as fast for the few thousand rows a ledger holds.
  if (skills !== undefined && skills.length === 1) query = query.where('skill_name', '=', skills[0] as string)
  const rows = await query.execute()
  const wanted = skills === undefined || skills.length === 1 ? undefined : new Set(skills)
  const result: LedgerRow[] = []
  for (const row of rows) {
    if (wanted && !wanted.has(row.skill_name)) continue
    result.push(
      Object.freeze({
        skill: row.skill_name,
        version: Number(row.version),
        filename: row.filename,
        checksum: row.checksum,
        appliedAt: String(row.applied_at),
        durationMs: (row as { duration_ms?: number | null }).duration_ms ?? null,
        typesPending: Number((row as { types_pending?: number }).types_pending ?? 0) === 1,
      }),
    )
  }
  return result.sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : a.version - b.version))
}

/**
 * Creates the ledger and ownership tables when missing, and adds `duration_ms` and
 * `types_pending` to a ledger made by an older tool. Runs inside the migration's transaction, so a failed first migration leaves
 * no trace of them either.
 */
export async function ensureLedger(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  if (await dialect.tableExists(db, LEDGER_TABLE)) {
    const columns = await dialect.columnNames(db, LEDGER_TABLE)
    const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column))
    if (missing.length > 0) {
      throw new DatabaseError(
        'ledger',
        `table ${LEDGER_TABLE} exists but lacks column(s) ${missing.join(', ')}`,
        `it was not made by glorious-migrate; rename or drop it, then run again`,
      )
    }
    if (!columns.includes('duration_ms')) {
      await db.schema.alterTable(LEDGER_TABLE).addColumn('duration_ms', 'integer').execute()
    }
    if (!columns.includes('types_pending')) {
      await db.schema
        .alterTable(LEDGER_TABLE)
        .addColumn('types_pending', 'integer', (column) => column.notNull().defaultTo(0))
        .execute()
    }
  } else {
    await db.schema
      .createTable(LEDGER_TABLE)
      .addColumn('skill_name', 'varchar(255)', (column) => column.notNull())
      .addColumn('version', 'bigint', (column) => column.notNull())
      .addColumn('filename', 'varchar(255)', (column) => column.notNull())
      .addColumn('checksum', 'varchar(64)', (column) => column.notNull())
      .addColumn('applied_at', 'varchar(32)', (column) => column.notNull())
      .addColumn('duration_ms', 'integer')
      .addColumn('types_pending', 'integer', (column) => column.notNull().defaultTo(0))
      .addPrimaryKeyConstraint(`${LEDGER_TABLE}_pk`, ['skill_name', 'version'])
      .execute()
  }
  if (!(await dialect.tableExists(db, OWNERSHIP_TABLE))) {
    await db.schema
      .createTable(OWNERSHIP_TABLE)
      .addColumn('object_name', 'varchar(255)', (column) => column.primaryKey())
      .addColumn('object_type', 'varchar(16)', (column) => column.notNull())
      .addColumn('skill_name', 'varchar(255)', (column) => column.notNull())
      .addColumn('version', 'bigint', (column) => column.notNull())
      .execute()
  }
}

export async function insertLedgerRow(db: Kysely<any>, row: LedgerRow): Promise<void> {
  await (db as Kysely<Tables>)
    .insertInto(LEDGER_TABLE)
    .values({
      skill_name: row.skill,
      version: row.version,
      filename: row.filename,
      checksum: row.checksum,
      applied_at: row.appliedAt,
      duration_ms: row.durationMs,
      types_pending: row.typesPending ? 1 : 0,
    })
    .execute()
}

/** Records that the skills' generated types have caught up with every migration applied so far. */
export async function clearTypesPending(db: Kysely<any>, skills: readonly string[]): Promise<void> {
  if (skills.length === 0) return
  await (db as Kysely<Tables>)
    .updateTable(LEDGER_TABLE)
    .set({ types_pending: 0 })
    .where('skill_name', 'in', skills)
    .where('types_pending', '=', 1)
    .execute()
}

/** Deletes a skill's ledger rows above `keepUpTo` (0 deletes them all). The schema is not touched. */
export async function deleteLedgerRows(db: Kysely<any>, skill: string, keepUpTo: number): Promise<void> {
  await (db as Kysely<Tables>)
    .deleteFrom(LEDGER_TABLE)
    .where('skill_name', '=', skill)
    .where('version', '>', keepUpTo)
    .execute()
}

/** Ledger rows newest first, for `history`. */
export async function readHistory(
  db: Kysely<any>,
  dialect: MigrationDialect,
  options: { readonly skill?: string | undefined; readonly limit?: number | undefined },
): Promise<readonly LedgerRow[]> {
  const rows = await readLedger(db, dialect, options.skill === undefined ? undefined : [options.skill])
  const sorted = [...rows].sort(
    (a, b) =>
      (a.appliedAt < b.appliedAt ? 1 : a.appliedAt > b.appliedAt ? -1 : 0) ||
      (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0) ||
      b.version - a.version,
  )
  return options.limit === undefined ? sorted : sorted.slice(0, options.limit)
}

/** The ownership rows: object name → owning skill. */
export async function readOwnership(
  db: Kysely<any>,
  dialect: MigrationDialect,
): Promise<ReadonlyMap<string, { readonly skill: string; readonly type: string; readonly version: number }>> {
  const owners = new Map<string, { skill: string; type: string; version: number }>()
  if (!(await dialect.tableExists(db, OWNERSHIP_TABLE))) return owners
  const rows = await (db as Kysely<Tables>).selectFrom(OWNERSHIP_TABLE).selectAll().execute()
  for (const row of rows)
    owners.set(row.object_name, { skill: row.skill_name, type: row.object_type, version: Number(row.version) })
  return owners
}

/** Applies the ownership changes of one migration. */
export async function recordOwnership(
  db: Kysely<any>,
  changes: {
    readonly skill: string
    readonly version: number
    readonly created: readonly { name: string; type: string }[]
    readonly dropped: readonly string[]
    readonly renamed: readonly { from: string; to: string; type: string }[]
  },
): Promise<void> {
  const owned = db as Kysely<Tables>
  const removed = [
    ...changes.dropped,
    ...changes.created.map((object) => object.name),
    ...changes.renamed.map((rename) => rename.to),
  ]
  if (removed.length > 0) await owned.deleteFrom(OWNERSHIP_TABLE).where('object_name', 'in', removed).execute()
  for (const rename of changes.renamed) {
    await owned
      .updateTable(OWNERSHIP_TABLE)
      .set({ object_name: rename.to, object_type: rename.type })
      .where('object_name', '=', rename.from)
      .execute()
  }
  if (changes.created.length > 0) {
    await owned
      .insertInto(OWNERSHIP_TABLE)
      .values(
        changes.created.map((object) => ({
          object_name: object.name,
          object_type: object.type,
          skill_name: changes.skill,
          version: changes.version,
        })),
      )
      .execute()
  }
}

import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { FINGERPRINTS_TABLE, type LedgerTables } from './ledger.js'

/** A skill's schema fingerprint as recorded after a run (see `lib/drift/fingerprint.ts`). */
export interface RecordedFingerprint {
  readonly skill: string
  /** SHA-256 of the skill's tables and views, as the engine describes them. */
  readonly fingerprint: string
  /** Which applied versions the fingerprint was taken at (a digest): another set makes it stale. */
  readonly versions: string
  /** Per object, a digest of its description (`absent` for an owned object that was gone). */
  readonly objects: Readonly<Record<string, string>>
  /** ISO-8601 UTC. */
  readonly recordedAt: string
}

/**
 * The fingerprints, by skill. A ledger made before fingerprints were recorded has no table: no
 * fingerprints (nothing is created by reading).
 */
export async function readFingerprints(
  conn: Kysely<any>,
  dialect: MigrationDialect,
): Promise<ReadonlyMap<string, RecordedFingerprint>> {
  if (!(await dialect.tableExists(conn, FINGERPRINTS_TABLE))) return new Map()
  const rows = await (conn as Kysely<LedgerTables>).selectFrom(FINGERPRINTS_TABLE).selectAll().execute()
  const result = new Map<string, RecordedFingerprint>()
  for (const row of rows) {
    let objects: Record<string, string> = {}
    try {
      const parsed: unknown = JSON.parse(row.objects)
      if (parsed !== null && typeof parsed === 'object') objects = parsed as Record<string, string>
    } catch {
      // A damaged row still has its fingerprint; only the names of changed objects are lost.
    }
    result.set(row.skill_name, {
      skill: row.skill_name,
      fingerprint: row.fingerprint,
      versions: row.versions,
      objects,
      recordedAt: String(row.recorded_at),
    })
  }
  return result
}

/** Creates the table when missing: a ledger made by an older version gets it on its next run. */
export async function ensureFingerprintsTable(conn: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  if (await dialect.tableExists(conn, FINGERPRINTS_TABLE)) return
  await conn.schema
    .createTable(FINGERPRINTS_TABLE)
    .addColumn('skill_name', 'varchar(255)', (column) => column.primaryKey())
    .addColumn('fingerprint', 'varchar(64)', (column) => column.notNull())
    .addColumn('versions', 'varchar(64)', (column) => column.notNull())
    .addColumn('objects', 'text', (column) => column.notNull())
    .addColumn('recorded_at', 'varchar(32)', (column) => column.notNull())
    .execute()
}

/** Replaces every skill's fingerprint with the given ones (skills no longer in the ledger lose theirs). */
export async function writeFingerprints(
  conn: Kysely<any>,
  fingerprints: readonly RecordedFingerprint[],
): Promise<void> {
  const table = conn as Kysely<LedgerTables>
  await table.deleteFrom(FINGERPRINTS_TABLE).execute()
  if (fingerprints.length === 0) return
  await table
    .insertInto(FINGERPRINTS_TABLE)
    .values(
      fingerprints.map((fingerprint) => ({
        skill_name: fingerprint.skill,
        fingerprint: fingerprint.fingerprint,
        versions: fingerprint.versions,
        objects: JSON.stringify(fingerprint.objects),
        recorded_at: fingerprint.recordedAt,
      })),
    )
    .execute()
}

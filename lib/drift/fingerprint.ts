import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import type { SchemaSnapshotter, SnapshotObject } from '../dialects/schema-snapshot.js'
import { type LedgerRow, type LedgerTables, OWNERSHIP_TABLE } from '../ledger/ledger.js'
import type { RecordedFingerprint } from '../ledger/fingerprints.js'
import { nameKeyOf } from '../ledger/ownership-rows.js'

/** What an object that a skill owns, but that does not exist, is fingerprinted as. */
export const ABSENT = 'absent'

/** The tables and views each skill's migrations created (`_migration_objects`), by skill. */
export async function ownedObjectsBySkill(
  conn: Kysely<any>,
  dialect: MigrationDialect,
): Promise<ReadonlyMap<string, readonly string[]>> {
  const result = new Map<string, string[]>()
  if (!(await dialect.tableExists(conn, OWNERSHIP_TABLE))) return result
  const rows = await (conn as Kysely<LedgerTables>)
    .selectFrom(OWNERSHIP_TABLE)
    .select(['object_name', 'skill_name'])
    .orderBy('object_name')
    .execute()
  for (const row of rows) result.set(row.skill_name, [...(result.get(row.skill_name) ?? []), row.object_name])
  return result
}

/**
 * A digest of a skill's applied versions (and of how far an unfinished one got): a fingerprint
 * taken at other versions says nothing about the schema now (a run ended before it recorded
 * one, or rows were rolled back).
 */
export function versionsDigest(rows: readonly LedgerRow[]): string {
  const text = rows
    .map((row) => `${row.version}:${row.status}:${row.progress?.applied ?? ''}`)
    .sort()
    .join(',')
  return createHash('sha256').update(text).digest('hex')
}

/** A digest of one object's description. */
export function objectDigest(object: SnapshotObject | undefined): string {
  if (object === undefined) return ABSENT
  return createHash('sha256')
    .update(JSON.stringify([object.type, object.parts.map((part) => [part.kind, part.name, part.sql])]))
    .digest('hex')
    .slice(0, 16)
}

/** Describes every owned object of the given skills, in one pass over the catalog. */
export async function describeOwned(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  snapshot: SchemaSnapshotter,
  owned: ReadonlyMap<string, readonly string[]>,
): Promise<ReadonlyMap<string, SnapshotObject>> {
  const key = nameKeyOf(dialect)
  const names = [...new Set([...owned.values()].flat())]
  const objects = await snapshot.describe(conn, names)
  return new Map(objects.map((object) => [key(object.name), object]))
}

/**
 * The fingerprint of each skill that has applied migrations: a digest of its owned tables and
 * views (with their columns, constraints, indexes and triggers) as the engine describes them.
 */
export function fingerprintSkills(
  rows: readonly LedgerRow[],
  owned: ReadonlyMap<string, readonly string[]>,
  described: ReadonlyMap<string, SnapshotObject>,
  dialect: MigrationDialect,
  recordedAt: string,
): readonly RecordedFingerprint[] {
  const key = nameKeyOf(dialect)
  const bySkill = new Map<string, LedgerRow[]>()
  for (const row of rows) bySkill.set(row.skill, [...(bySkill.get(row.skill) ?? []), row])
  const result: RecordedFingerprint[] = []
  for (const [skill, skillRows] of bySkill) {
    const objects: Record<string, string> = {}
    for (const name of owned.get(skill) ?? []) objects[name] = objectDigest(described.get(key(name)))
    result.push({
      skill,
      fingerprint: skillDigest(objects),
      versions: versionsDigest(skillRows),
      objects,
      recordedAt,
    })
  }
  return result
}

export function skillDigest(objects: Readonly<Record<string, string>>): string {
  const entries = Object.entries(objects).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex')
}

import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { schemaToolsFor } from '../dialects/registry.js'
import { readFingerprints } from '../ledger/fingerprints.js'
import type { LedgerRow } from '../ledger/ledger.js'
import { describeOwned, objectDigest, ownedObjectsBySkill, versionsDigest } from './fingerprint.js'
import { nameKeyOf } from '../ledger/ownership-rows.js'

/**
 * Whether a skill's own tables and views still match the fingerprint recorded after its last run:
 * `unchanged`, `drifted` (changed by hand since), or `unknown` (no fingerprint, or one taken at
 * other versions: a run ended before it recorded one, or ledger rows were rolled back).
 */
export interface SkillDriftCheck {
  readonly skill: string
  readonly state: 'unchanged' | 'drifted' | 'unknown'
  /** The objects that changed or are gone (`drifted` only). */
  readonly changed: readonly string[]
  /** When the fingerprint was recorded. */
  readonly recordedAt: string | undefined
}

/**
 * Compares each skill's live objects with its recorded fingerprint. Costs one catalog pass over
 * the owned objects of the skills that have a current fingerprint, and nothing more when none
 * has (a ledger made before fingerprints, or a database never migrated).
 */
export async function checkFingerprints(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  rows: readonly LedgerRow[],
): Promise<ReadonlyMap<string, SkillDriftCheck>> {
  const recorded = await readFingerprints(conn, dialect)
  const bySkill = new Map<string, LedgerRow[]>()
  for (const row of rows) bySkill.set(row.skill, [...(bySkill.get(row.skill) ?? []), row])
  const result = new Map<string, SkillDriftCheck>()
  const current = new Map<string, string[]>()
  for (const [skill, skillRows] of bySkill) {
    const fingerprint = recorded.get(skill)
    if (fingerprint !== undefined && fingerprint.versions === versionsDigest(skillRows)) {
      current.set(skill, Object.keys(fingerprint.objects))
    } else {
      result.set(skill, { skill, state: 'unknown', changed: [], recordedAt: fingerprint?.recordedAt })
    }
  }
  if (current.size === 0) return result
  const { snapshot } = await schemaToolsFor(dialect.name)
  const owned = await ownedObjectsBySkill(conn, dialect)
  // The objects the fingerprint covered, and any the skill owns now (ownership changes only by a run).
  const names = new Map(
    [...current].map(([skill, objects]) => [skill, [...new Set([...objects, ...(owned.get(skill) ?? [])])]]),
  )
  const described = await describeOwned(conn, dialect, snapshot, names)
  const key = nameKeyOf(dialect)
  for (const [skill, objects] of names) {
    const fingerprint = recorded.get(skill)
    if (fingerprint === undefined) continue
    const changed = objects.filter((name) => fingerprint.objects[name] !== objectDigest(described.get(key(name))))
    result.set(skill, {
      skill,
      state: changed.length > 0 ? 'drifted' : 'unchanged',
      changed,
      recordedAt: fingerprint.recordedAt,
    })
  }
  return result
}

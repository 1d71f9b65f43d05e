import { type DatabaseOptions, resolveDatabaseTarget } from '../connection/database-options.js'
import { missingDatabase, openSettings } from '../connection/open-database.js'
import { SessionHolder } from '../connection/session-holder.js'
import { schemaToolsFor } from '../dialects/registry.js'
import type { SnapshotObject } from '../dialects/schema-snapshot.js'
import { SkillError } from '../errors.js'
import { type MigrationFileRef, listMigrationFolder } from '../files/migration-folder.js'
import { DEFAULT_MAX_FILE_BYTES } from '../files/migration-source.js'
import { type LedgerRow, readLedger } from '../ledger/ledger.js'
import { nameKeyOf } from '../ledger/ownership-rows.js'
import { recordedSkillFolders } from '../ledger/recorded-folders.js'
import type { SkillMigrations } from '../skills.js'
import { type ObjectDrift, compareObjects } from './compare.js'
import { ownedObjectsBySkill } from './fingerprint.js'
import { type ReplayStep, replayMigrations } from './replay.js'

export type { ObjectDrift } from './compare.js'

export interface DriftOptions extends DatabaseOptions {
  /** Skills found on disk (e.g. with `discoverSkills`), for their migration files. */
  readonly skills: readonly SkillMigrations[]
  /** Compare only this skill's objects (all skills' migrations are still replayed, in order). */
  readonly skill?: string | undefined
  readonly maxFileBytes?: number | undefined
}

/** One skill's comparison. */
export interface SkillDrift {
  readonly skill: string
  /** The tables and views compared (the skill's own, from `_migration_objects`). */
  readonly objects: readonly string[]
  /** The objects that differ; empty when the live schema is what the migrations make. */
  readonly drift: readonly ObjectDrift[]
}

export interface DriftReport {
  /** The live database, as users know it. */
  readonly database: string
  /** Some skill's objects differ from what its migrations make. */
  readonly drifted: boolean
  readonly skills: readonly SkillDrift[]
  /** Where the migrations were replayed (it no longer exists). */
  readonly scratch: string
  readonly warnings: readonly string[]
}

/**
 * Replays the applied migrations of the database's skills, in the order they were applied, into
 * a scratch database the toolkit makes and removes itself (SQLite: in memory; PostgreSQL and
 * MySQL: a temporary database on the same server), and compares each skill's own tables and
 * views there with the live ones. Read-only on the live database.
 *
 * @example
 * ```ts
 * import { detectDrift, discoverSkills } from 'glorious-migrate'
 * const report = await detectDrift({ database: 'agent.db', skills: discoverSkills(['skills']) })
 * for (const skill of report.skills) for (const object of skill.drift) console.log(object.differences.join('\n'))
 * ```
 *
 * @throws {DatabaseError} when the database does not exist or no scratch database can be made.
 * @throws {ReplayFailedError} when a migration cannot be replayed (a missing file, a failing statement).
 */
export async function detectDrift(options: DriftOptions): Promise<DriftReport> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    if (!session) throw missingDatabase(options)
    const { dialect } = session
    const rows = await readLedger(session.db, dialect).catch((error) => {
      throw dialect.describeError(error, session.label, 0) ?? error
    })
    const inLedger = [...new Set(rows.map((row) => row.skill))].sort()
    if (options.skill !== undefined && !inLedger.includes(options.skill)) {
      throw new SkillError(
        `skill "${options.skill}" has no applied migrations in ${session.label}: nothing to compare (check the name, or run its migrations first)`,
        { skill: options.skill },
      )
    }
    const compared = options.skill === undefined ? inLedger : [options.skill]
    const warnings: string[] = []
    const steps = replaySteps(rows, options.skills, compared, warnings)
    const owned = await ownedObjectsBySkill(session.db, dialect)
    const names = [...new Set(compared.flatMap((skill) => owned.get(skill) ?? []))]
    const key = nameKeyOf(dialect)
    const tools = await schemaToolsFor(dialect.name)
    const live = byKey(await tools.snapshot.describe(session.db, names), key)

    const target = resolveDatabaseTarget(options)
    const scratch = await tools.scratch.create(
      target.kind === 'kysely' ? undefined : target,
      openSettings(options, false),
    )
    let replayed: ReadonlyMap<string, SnapshotObject>
    try {
      warnings.push(
        ...(await scratch.session.pinned((conn) =>
          replayMigrations(conn, scratch.session.dialect, steps, maxFileBytes),
        )),
      )
      replayed = byKey(await tools.snapshot.describe(scratch.session.db, names), key)
    } finally {
      await scratch.drop()
    }
    const skills: SkillDrift[] = []
    for (const skill of compared) {
      const objects = owned.get(skill) ?? []
      skills.push({ skill, objects, drift: await compareObjects(objects, replayed, live, key) })
    }
    return {
      database: session.label,
      drifted: skills.some((skill) => skill.drift.length > 0),
      skills,
      scratch: scratch.label,
      warnings,
    }
  } finally {
    await sessions.close()
  }
}

/**
 * Every applied migration of every skill, in the order it was applied (a migration may build on
 * another skill's tables), with its file. Files of a skill that is not compared and cannot be
 * found are left out with a warning; those of a compared skill must be there.
 */
function replaySteps(
  rows: readonly LedgerRow[],
  found: readonly SkillMigrations[],
  compared: readonly string[],
  warnings: string[],
): readonly ReplayStep[] {
  const folders = new Map<string, string>()
  for (const skill of found) folders.set(skill.name, skill.migrationsDir)
  for (const skill of recordedSkillFolders(rows, found)) folders.set(skill.name, skill.migrationsDir)
  const files = new Map<string, ReadonlyMap<number, MigrationFileRef>>()
  for (const [skill, dir] of folders) {
    try {
      files.set(skill, new Map(listMigrationFolder(dir, skill).files.map((file) => [file.version, file])))
    } catch {
      // An unreadable folder is as good as none: its files are reported missing below.
    }
  }
  const skipped = new Set<string>()
  const steps: ReplayStep[] = []
  const ordered = [...rows]
    .filter((row) => row.status === 'applied' || (row.progress?.applied ?? 0) > 0)
    .sort(
      (a, b) =>
        (a.appliedAt < b.appliedAt ? -1 : a.appliedAt > b.appliedAt ? 1 : 0) ||
        (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0) ||
        a.version - b.version,
    )
  for (const row of ordered) {
    const file = files.get(row.skill)?.get(row.version)
    if (file === undefined && !compared.includes(row.skill)) {
      if (!skipped.has(row.skill)) {
        warnings.push(
          `skill "${row.skill}": its migration files were not found, so they were not replayed (pass its folder with --skills if other skills build on its tables)`,
        )
        skipped.add(row.skill)
      }
      continue
    }
    steps.push({ row, file })
  }
  return steps
}

function byKey(objects: readonly SnapshotObject[], key: (name: string) => string): ReadonlyMap<string, SnapshotObject> {
  return new Map(objects.map((object) => [key(object.name), object]))
}

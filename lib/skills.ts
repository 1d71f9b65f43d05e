import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { DatabaseOptions } from './connection/database-options.js'
import { listMigrationFolder } from './files/migration-folder.js'
import { type Skill, readSkill } from './files/skill.js'
import { assertSkillName } from './files/skill-name.js'
import { SessionHolder } from './connection/session-holder.js'
import { type AfterRunOptions, type AfterRunResult, afterRun } from './after-run.js'
import { runLegacySchema } from './runner/legacy-schema.js'
import { type MigrationResultSet, asMigrateError, failedReport, resultSet } from './migrator.js'
import { type ApplyOptions, runOptions } from './runner/run-options.js'
import { type RunReport, type SkillRunResult, runMigrations } from './runner/run-migrations.js'

/** A skill to migrate: its name and its migrations folder. */
export interface SkillMigrations {
  readonly name: string
  readonly migrationsDir: string
  /** Apply nothing above this version. */
  readonly toVersion?: number | undefined
}

export interface MigrateSkillsOptions extends DatabaseOptions, ApplyOptions, AfterRunOptions {}

/** What a multi-skill run did, per skill and in total. */
export interface SkillsRunResult extends MigrationResultSet {
  readonly skills: readonly SkillRunResult[]
}

/**
 * Applies the pending migrations of several skills in one run: one lock, consecutive migrations
 * batched in one transaction with a savepoint each. A skill with a problem stops and is
 * reported; the others go on. Never throws.
 *
 * @example
 * ```ts
 * const { error, skills } = await migrateSkills(discoverSkills(['./skills']), { database: 'agent.db' })
 * ```
 */
export async function migrateSkills(
  skills: readonly (Skill | SkillMigrations)[],
  options: MigrateSkillsOptions = {},
): Promise<SkillsRunResult> {
  const sessions = new SessionHolder(options)
  try {
    const targets = skills.map((skill) => {
      const name = assertSkillName(skill.name)
      const dir = resolve(skill.migrationsDir)
      const toVersion = 'toVersion' in skill ? skill.toVersion : undefined
      return { skill: name, dir, folder: listMigrationFolder(dir, name), toVersion }
    })
    const report = await runMigrations(sessions, targets, runOptions(options))
    return skillsResult(report, await afterRun(sessions, report, targets, options))
  } catch (error) {
    return skillsResult(failedReport(skills[0]?.name ?? '(none)', error))
  } finally {
    await sessions.close()
  }
}

export interface LoadSkillResult extends SkillsRunResult {
  /** The skill as read from its folder (`undefined` when the folder is not a valid skill). */
  readonly skill: Skill | undefined
  /** How its schema is managed: numbered migrations, a legacy schema.sql, or neither. */
  readonly kind: 'migrations' | 'legacy-schema' | 'none'
}

/**
 * What the framework does when it loads a skill: reads `skill.json`, finds
 * `src/<name>/migrations/` (or `migrations/`) and applies what is pending; a skill with only a
 * legacy `schema.sql` gets that file executed. Never throws.
 *
 * @example
 * ```ts
 * const { error } = await loadSkill('./skills/notes', { database: 'agent.db' })
 * if (error) throw error // do not start a skill whose schema is not in place
 * ```
 */
export async function loadSkill(folder: string, options: MigrateSkillsOptions = {}): Promise<LoadSkillResult> {
  let skill: Skill
  try {
    skill = readSkill(folder)
  } catch (error) {
    return { ...skillsResult(failedReport('(unknown)', error)), skill: undefined, kind: 'none' }
  }
  if (isDirectory(skill.migrationsDir)) {
    return { ...(await migrateSkills([skill], options)), skill, kind: 'migrations' }
  }
  if (skill.schemaFile) {
    return { ...(await initSkillSchema(skill.name, skill.schemaFile, options)), skill, kind: 'legacy-schema' }
  }
  return { ...skillsResult({ skills: [], error: undefined }), skill, kind: 'none' }
}

/**
 * The guide's `init_skill_schema`: when a `migrations/` folder sits beside `schema.sql`, its
 * migrations are applied; otherwise the legacy `schema.sql` is executed (atomically). Never
 * throws.
 */
export async function initSkillSchema(
  skillName: string,
  schemaPath: string,
  options: MigrateSkillsOptions = {},
): Promise<SkillsRunResult> {
  const migrationsDir = join(dirname(resolve(schemaPath)), 'migrations')
  if (isDirectory(migrationsDir)) return migrateSkills([{ name: skillName, migrationsDir }], options)
  const sessions = new SessionHolder(options)
  try {
    const skill = assertSkillName(skillName)
    const path = resolve(schemaPath)
    if (!existsSync(path)) return skillsResult({ skills: [], error: undefined })
    const { changedTables } = await runLegacySchema(await sessions.writable(), skill, path, runOptions(options))
    const report: RunReport = { skills: [], error: undefined }
    return skillsResult(
      report,
      await afterRun(sessions, report, [{ skill, dir: migrationsDir }], options, changedTables),
    )
  } catch (error) {
    return skillsResult(failedReport(skillName, asMigrateError(error)))
  } finally {
    await sessions.close()
  }
}

function skillsResult(report: RunReport, after?: AfterRunResult): SkillsRunResult {
  return { ...resultSet(report, after), skills: report.skills }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

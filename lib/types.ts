import type { CodegenFileResult } from '../codegen/index.js'
import type { DatabaseOptions } from './connection/database-options.js'
import { missingDatabase } from './connection/open-database.js'
import { assertSkillName } from './files/skill-name.js'
import { SessionHolder } from './connection/session-holder.js'
import type { TypesOptions } from './after-run.js'
import type { SkillMigrations } from './skills.js'

export interface GenerateTypesOptions extends DatabaseOptions, TypesOptions {
  /** The skills whose `db-types.ts` to generate (none with `all` and `out`: the whole database). */
  readonly skills: readonly SkillMigrations[]
  /** One file to write instead of each skill's `db-types.ts` (one skill, or `all`). */
  readonly out?: string | undefined
  /** Every table and view of the database rather than the skill's own. @default false */
  readonly all?: boolean | undefined
  /** Compare only: report stale or missing files with a diff, write nothing. @default false */
  readonly check?: boolean | undefined
}

/**
 * Generates (or checks) `db-types.ts` files from the database as it is, read-only. The codegen
 * module (and ts-morph) is loaded here, on first use.
 *
 * @example
 * ```ts
 * const [file] = await generateSkillTypes({ database: 'agent.db', skills: [{ name: 'notes', migrationsDir }] })
 * file.status // 'written' | 'unchanged'
 * ```
 * @throws {DatabaseError | InvalidOptionError | TypesFileError}
 */
export async function generateSkillTypes(options: GenerateTypesOptions): Promise<readonly CodegenFileResult[]> {
  const targets = options.skills.map((skill) => ({
    skill: assertSkillName(skill.name),
    migrationsDir: skill.migrationsDir,
  }))
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    if (!session) throw missingDatabase(options)
    const { generateTypes } = await import('../codegen/index.js')
    return await generateTypes(session, targets, {
      out: options.out,
      all: options.all,
      check: options.check,
      camelCase: options.camelCase,
      booleans: options.booleans,
      json: options.json,
      integers: options.integers,
      bigNumbers: options.bigNumbers,
    })
  } finally {
    await sessions.close()
  }
}

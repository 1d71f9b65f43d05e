import type { SessionSource } from './connection/session-holder.js'
import { GloriousMigrateError, UnexpectedError } from './errors.js'
import { clearTypesPending } from './ledger/ledger.js'
import type { RunReport } from './runner/run-migrations.js'

/**
 * Options of the type generation (see `glorious migrate codegen`). A skill saves its own in its
 * skill.json, under `"codegen"` (`{"name": "notes", "codegen": {"camelCase": true}}`); every
 * run, reload and check uses them. Options given here override the saved ones for this call.
 */
export interface TypesOptions {
  /** Keys as Kysely's `CamelCasePlugin` shows them. @default false */
  readonly camelCase?: boolean | undefined
  /** `boolean` for BOOLEAN columns (needs a converting plugin) instead of SQLite's 0/1 `number`. @default 'number' */
  readonly booleans?: 'number' | 'boolean' | undefined
  /** A `Json` type for JSON columns (needs a parsing plugin) instead of the stored text. @default 'string' */
  readonly json?: 'string' | 'json' | undefined
  /**
   * `'bigint'` for applications that read integers with better-sqlite3's `safeIntegers`:
   * `bigint` on select, `number | bigint` on insert and update. The default `number` is exact
   * only up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`). @default 'number'
   */
  readonly integers?: 'number' | 'bigint' | undefined
  /** MySQL/MariaDB BIGINT as `string`, for mysql2's `supportBigNumbers` + `bigNumberStrings`, instead of `number`. @default 'number' */
  readonly bigNumbers?: 'number' | 'string' | undefined
}

/** What happens after migrations were applied. */
export interface AfterRunOptions {
  /**
   * Generate each skill's `db-types.ts` (beside its `migrations/` folder) after a run that
   * applied something: `true` (with the options the skill saves in its skill.json), `false`, or
   * options that override the saved ones.
   * @default true
   */
  readonly codegen?: boolean | TypesOptions | undefined
}

/** A `db-types.ts` the run wrote or found up to date. */
export interface GeneratedTypesFile {
  readonly skill: string
  readonly path: string
  readonly status: 'written' | 'unchanged'
}

export interface AfterRunResult {
  readonly types: readonly GeneratedTypesFile[]
  /** Codegen problems: shown as warnings, they never undo or fail the applied migrations. */
  readonly warnings: readonly string[]
  /** Why the types could not be generated at all (also among `warnings`). */
  readonly typesError?: GloriousMigrateError | undefined
}

/**
 * Generates the types of the run's skills when the run changed something, or when an earlier run
 * applied migrations but ended before it wrote their types (the ledger's `types_pending`). A run
 * that applied nothing and owes no types returns at once: the codegen module and ts-morph are
 * never loaded on that path.
 */
export async function afterRun(
  sessions: SessionSource,
  report: RunReport,
  skills: readonly { readonly skill: string; readonly dir: string }[],
  options: AfterRunOptions,
  changed = report.skills.some((skill) => skill.typesPending),
): Promise<AfterRunResult> {
  if (!changed || options.codegen === false || skills.length === 0) return { types: [], warnings: [] }
  const settings = typeof options.codegen === 'object' ? options.codegen : {}
  try {
    const session = await sessions.existingWritable()
    if (!session) return { types: [], warnings: [] }
    const { generateTypes } = await import('../codegen/index.js')
    const results = await generateTypes(
      session,
      skills.map((skill) => ({ skill: skill.skill, migrationsDir: skill.dir })),
      settings,
    )
    // Only now, with every file written, may the ledger say the types have caught up.
    await clearTypesPending(
      session.db,
      skills.map((skill) => skill.skill),
    ).catch(() => undefined)
    return {
      types: results.map((result) => ({
        skill: result.skill,
        path: result.path,
        status: result.status === 'written' ? ('written' as const) : ('unchanged' as const),
      })),
      warnings: results.flatMap((result) => result.warnings ?? []),
    }
  } catch (error) {
    const typesError = error instanceof GloriousMigrateError ? error : UnexpectedError.from(error)
    return { types: [], warnings: [`types were not generated: ${typesError.message}`], typesError }
  }
}

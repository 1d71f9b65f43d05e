/**
 * Codegen: after migrations, the TypeScript types of each skill's tables, as `db-types.ts`
 * beside the skill's `migrations/` folder, for `Kysely<DB>`.
 *
 * introspect (catalog queries → {@link SchemaModel}) → map (column types, per dialect) → emit
 * (text, with ts-morph, loaded on first use) → write (only when changed) or check (with a diff).
 *
 * The engine loads this module lazily (`await import('../../codegen/index.js')`): nothing here is
 * on the start-up path of a migration run.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { DatabaseSession } from '../lib/connection/session.js'
import { GloriousMigrateError, InvalidOptionError, UnexpectedError } from '../lib/errors.js'
import {
  CODEGEN_CHOICES,
  type CodegenOptionName,
  type SavedCodegenOptions,
  readSavedCodegenOptions,
} from '../lib/files/skill-codegen.js'
import { RESERVED_TABLES } from '../lib/ledger/ledger.js'
import { readOwnership } from '../lib/ledger/ownership-rows.js'
import { type EmitOptions, type EmitScope, emitTypes, isCurrentTypesFile } from './emit.js'
import type { CodegenDialect } from './dialects/codegen-dialect.js'
import { codegenDialectFor } from './dialects/registry.js'
import type { SchemaModel } from './model.js'
import { checkFile, writeIfChanged } from './write.js'

export { StaleTypesError, TypesFileError } from './errors.js'
export type { StaleTypesFile } from './errors.js'

/** The name of the generated file, beside a skill's `migrations/` folder. */
export const TYPES_FILE_NAME = 'db-types.ts'

/**
 * Options of one generation. The four type options (`camelCase`, `booleans`, `json`,
 * `integers`) override, for this call, those the target's skill saves in its skill.json under
 * `"codegen"`; options left out (or `undefined`) come from there, else from the defaults.
 */
export interface CodegenOptions {
  /** Write to this file instead of `db-types.ts` beside the migrations folder (one target only). */
  out?: string | undefined
  /**
   * Emit every table and view of the database (except the toolkit's own, `sqlite_*` and FTS
   * shadow tables) instead of only those the skill's migrations created. @default false
   */
  all?: boolean | undefined
  /** Keys as Kysely's `CamelCasePlugin` shows them (`created_at` → `createdAt`). @default false */
  camelCase?: boolean | undefined
  /**
   * `'number'`: boolean columns are `number` (SQLite stores 0/1; better-sqlite3 returns numbers).
   * `'boolean'`: `boolean`, for applications with a plugin or type cast that converts. @default 'number'
   */
  booleans?: 'number' | 'boolean' | undefined
  /**
   * `'string'`: JSON columns are the value as stored. `'json'`: a `Json` type (parsed values on
   * select, text on insert), for applications that parse JSON with a plugin. @default 'string'
   */
  json?: 'string' | 'json' | undefined
  /**
   * `'number'`: integers are `number`, exact up to 2^53 - 1 (what better-sqlite3 returns by
   * default; larger values come back rounded). `'bigint'`: `bigint` on select and `number |
   * bigint` on insert and update, for applications that turn on better-sqlite3's
   * `safeIntegers`. @default 'number'
   */
  integers?: 'number' | 'bigint' | undefined
  /**
   * MySQL/MariaDB `BIGINT` columns. `'number'`: what mysql2 returns by default (exact up to
   * 2^53 - 1; larger values come back rounded). `'string'`: a string on select, for applications
   * that connect with `supportBigNumbers: true, bigNumberStrings: true`. @default 'number'
   */
  bigNumbers?: 'number' | 'string' | undefined
}

/** A skill whose types to generate: its name (the ownership key) and its migrations folder. */
export interface CodegenTarget {
  skill: string
  migrationsDir: string
}

export interface CodegenFileResult {
  /** The target's skill; `'*'` for a whole-database file written with `all` and `out` and no target. */
  skill: string
  /** Absolute path of the file. */
  path: string
  /**
   * - `written`: the file was created or its content changed;
   * - `unchanged`: identical bytes, the file was not touched;
   * - `stale` (check mode): the file differs from what would be written (`diff` says how);
   * - `missing` (check mode): there is no file (`diff` has its whole content).
   */
  status: 'written' | 'unchanged' | 'stale' | 'missing'
  /** Unified diff, on-disk → expected (check mode, when stale or missing). */
  diff?: string
  /** Tables and views in the file. */
  tables: number
  /** Things worth showing (a view that could not be read, a name CamelCasePlugin cannot round-trip). */
  warnings?: readonly string[]
}

/** Skill label of a whole-database file that has no target. */
export const WHOLE_DATABASE = '*'

/**
 * Generates (or, with `check: true`, only compares) the `db-types.ts` of each target, reading
 * the schema once. A skill's file holds the tables and views its own migrations created (as
 * recorded in the ownership ledger, `_migration_objects`), or, with `all`, the whole database.
 * Files whose content would not change are not touched. Check mode writes nothing and reports
 * `stale` or `missing` files with a unified diff.
 *
 * @throws {InvalidOptionError} for contradictory options (`out` or `all` with several targets).
 * @throws {TypesFileError} when a file cannot be read or written.
 *
 * @example
 * ```ts
 * const results = await generateTypes(session, [{ skill: 'notes', migrationsDir: 'skills/notes/src/notes/migrations' }], {})
 * // [{ skill: 'notes', path: '…/skills/notes/src/notes/db-types.ts', status: 'written', tables: 2 }]
 * ```
 */
export async function generateTypes(
  session: DatabaseSession,
  targets: readonly CodegenTarget[],
  options: CodegenOptions & { check?: boolean | undefined },
): Promise<readonly CodegenFileResult[]> {
  const given = checkOptions(targets, options)
  const files = filesFor(targets, options)
  if (files.length === 0) return []
  const codegen = await codegenDialectFor(session.dialect.name)
  const model = await readSchema(session, codegen)
  const results: CodegenFileResult[] = []
  for (const file of files) {
    const { emitOptions, notices } = resolveOptions(file, given, options)
    const selected = selectTables(model, file.scope)
    const existing = options.check ? undefined : await readText(file.path)
    if (existing !== undefined && isCurrentTypesFile(existing, selected, file.scope, emitOptions)) {
      // Same schema, options and format as the file on disk: nothing to print, ts-morph stays unloaded.
      const warnings = [...selected.problems.map((problem) => problem.reason), ...notices]
      results.push(
        Object.freeze({
          skill: file.skill,
          path: file.path,
          tables: selected.tables.length,
          status: 'unchanged' as const,
          ...(warnings.length > 0 ? { warnings } : {}),
        }),
      )
      continue
    }
    const emitted = await emitTypes(selected, codegen.mapper, file.scope, emitOptions)
    const warnings = [...selected.problems.map((problem) => problem.reason), ...emitted.warnings, ...notices]
    const base = {
      skill: file.skill,
      path: file.path,
      tables: selected.tables.length,
      ...(warnings.length > 0 ? { warnings } : {}),
    }
    if (options.check) {
      const { status, diff } = await checkFile(file.path, emitted.text, diffLabel(file.path), file.skill)
      results.push(Object.freeze({ ...base, status, ...(diff === undefined ? {} : { diff }) }))
    } else {
      results.push(Object.freeze({ ...base, status: await writeIfChanged(file.path, emitted.text, file.skill) }))
    }
  }
  return Object.freeze(results)
}

/** The type options of one generation that were given (checked), each `undefined` when not. */
type GivenOptions = { readonly [K in CodegenOptionName]: (typeof CODEGEN_CHOICES)[K][number] | undefined }

/** The command-line flag that sets an option to a value. */
function flagFor(name: CodegenOptionName, value: unknown): string {
  switch (name) {
    case 'camelCase':
      return value ? '--camel-case' : '--no-camel-case'
    case 'booleans':
      return `--booleans ${String(value)}`
    case 'json':
      return `--json-columns ${String(value)}`
    case 'integers':
      return `--integers ${String(value)}`
    case 'bigNumbers':
      return `--big-numbers ${String(value)}`
  }
}

/**
 * The options of one file: those given, else those its skill saves in skill.json, else the
 * defaults; and, when given options differ from the saved ones, the flags that regenerate the
 * file (for its header) and a warning that later runs and checks will not use them.
 */
function resolveOptions(
  file: PlannedFile,
  given: GivenOptions,
  options: CodegenOptions & { check?: boolean | undefined },
): { emitOptions: EmitOptions; notices: string[] } {
  const saved = file.saved?.options ?? {}
  const effective: Record<string, unknown> = {}
  const flags: string[] = []
  const overrides: Record<string, unknown> = {}
  for (const name of Object.keys(CODEGEN_CHOICES) as CodegenOptionName[]) {
    const base = saved[name] ?? CODEGEN_CHOICES[name][0]
    const value = given[name] ?? base
    effective[name] = value
    if (value !== base) {
      flags.push(flagFor(name, value))
      overrides[name] = value
    }
  }
  const emitOptions = Object.freeze({ ...effective, flags: Object.freeze(flags) }) as EmitOptions
  const notices: string[] = []
  // Only a skill's own db-types.ts is regenerated by later runs (and compared by --check).
  if (flags.length > 0 && file.saved !== undefined && !options.check && options.out === undefined) {
    const names = Object.keys(overrides)
    const [is, it] = names.length === 1 ? ['is', 'it'] : ['are', 'them']
    const shown = names.map((name) => `${name}: ${JSON.stringify(overrides[name])}`).join(', ')
    const keep = JSON.stringify({ ...saved, ...overrides })
    notices.push(
      file.saved.manifest === undefined
        ? `${file.skill}: ${shown} ${is} not saved (no skill.json beside its migrations folder), so a later run, reload or codegen --check without ${it} uses the defaults: ` +
            `give ${it} every time, or add a skill.json with {"name": ${JSON.stringify(file.skill)}, "codegen": ${keep}}`
        : `${file.skill}: ${shown} ${is} not saved in ${file.saved.manifest}, so a later run, reload or codegen --check without ${it} uses the saved options: ` +
            `to keep ${it}, set "codegen": ${keep} there`,
    )
  }
  return { emitOptions, notices }
}

/** Reads the schema and who owns what, once for every file. */
async function readSchema(session: DatabaseSession, codegen: CodegenDialect): Promise<SchemaModel> {
  try {
    const owners = await readOwnership(session.db, session.dialect)
    return await codegen.introspect(session.db, owners, RESERVED_TABLES)
  } catch (error) {
    if (error instanceof GloriousMigrateError) throw error
    throw session.dialect.describeError(error, session.label, 0) ?? UnexpectedError.from(error)
  }
}

interface PlannedFile {
  readonly skill: string
  readonly path: string
  readonly scope: EmitScope
  /** What the target's skill saves in its skill.json (none for a whole-database file without a target). */
  readonly saved: SavedCodegenOptions | undefined
}

function filesFor(targets: readonly CodegenTarget[], options: CodegenOptions): PlannedFile[] {
  const out = options.out === undefined ? undefined : resolve(options.out)
  if (targets.length === 0) {
    return options.all && out !== undefined
      ? [{ skill: WHOLE_DATABASE, path: out, scope: { wholeDatabase: true }, saved: undefined }]
      : []
  }
  // Every skill.json is read (and checked) before anything is written.
  return targets.map((target) => ({
    skill: target.skill,
    path: out ?? join(dirname(resolve(target.migrationsDir)), TYPES_FILE_NAME),
    scope: options.all ? { wholeDatabase: true } : { skill: target.skill },
    saved: readSavedCodegenOptions(target.migrationsDir),
  }))
}

function checkOptions(targets: readonly CodegenTarget[], options: CodegenOptions): GivenOptions {
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out.trim() === '')) {
    throw new InvalidOptionError('out must be a file path')
  }
  if (options.out !== undefined && targets.length > 1) {
    throw new InvalidOptionError(
      `out (--out) names one file, but ${targets.length} skills were given (${targets.map((t) => t.skill).join(', ')}): ` +
        "give one skill, or leave out --out to write each skill's db-types.ts beside its migrations",
    )
  }
  if (options.all && targets.length > 1) {
    throw new InvalidOptionError(
      `all (--all) writes one file for the whole database, but ${targets.length} skills were given: give one skill, or --out without a skill`,
    )
  }
  if (options.all && targets.length === 0 && options.out === undefined) {
    throw new InvalidOptionError(
      "all (--all) without a skill needs out (--out): the file to write the whole database's types to",
    )
  }
  const given: Record<string, unknown> = {}
  for (const name of Object.keys(CODEGEN_CHOICES) as CodegenOptionName[]) {
    const value = options[name]
    const choices: readonly unknown[] = CODEGEN_CHOICES[name]
    if (value !== undefined && !choices.includes(value)) {
      throw new InvalidOptionError(
        `${name} must be ${choices.map((choice) => (typeof choice === 'string' ? `'${choice}'` : String(choice))).join(' or ')}, got ${JSON.stringify(value)}`,
      )
    }
    given[name] = value
  }
  return Object.freeze(given) as GivenOptions
}

/** The part of the model a file covers: the skill's own relations, or all of them. */
export function selectTables(model: SchemaModel, scope: EmitScope): SchemaModel {
  if (!('skill' in scope)) return model
  return Object.freeze({
    ...model,
    tables: Object.freeze(model.tables.filter((table) => table.owner?.skill === scope.skill)),
    problems: Object.freeze(model.problems.filter((problem) => problem.owner === scope.skill)),
  })
}

/** A file's text, or `undefined` when it cannot be read (then it is simply regenerated). */
async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

/** A file's name in diff headers: relative to the working folder when inside it. */
function diffLabel(path: string): string {
  const local = relative(process.cwd(), path)
  return local !== '' && !local.startsWith('..') && !local.startsWith(sep) ? local.split(sep).join('/') : path
}

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
import { RESERVED_TABLES } from '../lib/ledger/ledger.js'
import { readOwnership } from '../lib/ledger/ownership-rows.js'
import { type EmitOptions, type EmitScope, emitTypes, isCurrentTypesFile } from './emit.js'
import type { CodegenDialect } from './dialects/codegen-dialect.js'
import { codegenDialectFor } from './dialects/registry.js'
import { DEFAULT_MAP_OPTIONS } from './mapper.js'
import type { SchemaModel } from './model.js'
import { checkFile, writeIfChanged } from './write.js'

export { StaleTypesError, TypesFileError } from './errors.js'
export type { StaleTypesFile } from './errors.js'

/** The name of the generated file, beside a skill's `migrations/` folder. */
export const TYPES_FILE_NAME = 'db-types.ts'

export interface CodegenOptions {
  /** Write to this file instead of `db-types.ts` beside the migrations folder (one target only). */
  out?: string
  /**
   * Emit every table and view of the database (except the toolkit's own, `sqlite_*` and FTS
   * shadow tables) instead of only those the skill's migrations created. @default false
   */
  all?: boolean
  /** Keys as Kysely's `CamelCasePlugin` shows them (`created_at` → `createdAt`). @default false */
  camelCase?: boolean
  /**
   * `'number'`: boolean columns are `number` (SQLite stores 0/1; better-sqlite3 returns numbers).
   * `'boolean'`: `boolean`, for applications with a plugin or type cast that converts. @default 'number'
   */
  booleans?: 'number' | 'boolean'
  /**
   * `'string'`: JSON columns are the text as stored. `'json'`: a `Json` type (parsed values on
   * select, text on insert), for applications that parse JSON with a plugin. @default 'string'
   */
  json?: 'string' | 'json'
  /**
   * MySQL/MariaDB `BIGINT` columns. `'number'`: what mysql2 returns by default (exact up to
   * 2^53 - 1; larger values come back rounded). `'string'`: a string on select, for applications
   * that connect with `supportBigNumbers: true, bigNumberStrings: true`. @default 'number'
   */
  bigNumbers?: 'number' | 'string'
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
  options: CodegenOptions & { check?: boolean },
): Promise<readonly CodegenFileResult[]> {
  const emitOptions = checkOptions(targets, options)
  const files = filesFor(targets, options)
  if (files.length === 0) return []
  const codegen = await codegenDialectFor(session.dialect.name)
  const model = await readSchema(session, codegen)
  const results: CodegenFileResult[] = []
  for (const file of files) {
    const selected = selectTables(model, file.scope)
    const existing = options.check ? undefined : await readText(file.path)
    if (existing !== undefined && isCurrentTypesFile(existing, selected, file.scope, emitOptions)) {
      // Same schema, options and format as the file on disk: nothing to print, ts-morph stays unloaded.
      const warnings = selected.problems.map((problem) => problem.reason)
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
    const warnings = [...selected.problems.map((problem) => problem.reason), ...emitted.warnings]
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
}

function filesFor(targets: readonly CodegenTarget[], options: CodegenOptions): PlannedFile[] {
  const out = options.out === undefined ? undefined : resolve(options.out)
  if (targets.length === 0) {
    return options.all && out !== undefined
      ? [{ skill: WHOLE_DATABASE, path: out, scope: { wholeDatabase: true } }]
      : []
  }
  return targets.map((target) => ({
    skill: target.skill,
    path: out ?? join(dirname(resolve(target.migrationsDir)), TYPES_FILE_NAME),
    scope: options.all ? { wholeDatabase: true } : { skill: target.skill },
  }))
}

function checkOptions(targets: readonly CodegenTarget[], options: CodegenOptions): EmitOptions {
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
  if (options.booleans !== undefined && options.booleans !== 'number' && options.booleans !== 'boolean') {
    throw new InvalidOptionError(`booleans must be 'number' or 'boolean', got ${JSON.stringify(options.booleans)}`)
  }
  if (options.json !== undefined && options.json !== 'string' && options.json !== 'json') {
    throw new InvalidOptionError(`json must be 'string' or 'json', got ${JSON.stringify(options.json)}`)
  }
  if (options.bigNumbers !== undefined && options.bigNumbers !== 'number' && options.bigNumbers !== 'string') {
    throw new InvalidOptionError(`bigNumbers must be 'number' or 'string', got ${JSON.stringify(options.bigNumbers)}`)
  }
  return Object.freeze({
    camelCase: options.camelCase ?? false,
    booleans: options.booleans ?? DEFAULT_MAP_OPTIONS.booleans,
    json: options.json ?? DEFAULT_MAP_OPTIONS.json,
    ...(options.bigNumbers === undefined ? {} : { bigNumbers: options.bigNumbers }),
  })
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

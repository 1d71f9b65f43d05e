import { type ColumnModel, type TableModel, isReadOnly } from './model.js'
import { type TypeExpr, generic, named, nullable } from './type-expr.js'

/** Choices that change how values are typed (the same for every dialect). */
export interface MapOptions {
  /**
   * How boolean columns are typed: `'number'` for what the driver really returns (SQLite: 0/1),
   * `'boolean'` when the application converts them (a Kysely plugin or a driver type cast).
   */
  readonly booleans: 'number' | 'boolean'
  /** How JSON columns are typed: `'string'` (the text as stored), or `'json'` (parsed values). */
  readonly json: 'string' | 'json'
  /**
   * How integers are typed: `'number'` (the driver's default: exact up to 2^53 - 1, larger values
   * are rounded), or `'bigint'` for applications that read them as `bigint` (better-sqlite3's
   * `safeIntegers`): `bigint` on select, `number | bigint` on insert and update.
   */
  readonly integers: 'number' | 'bigint'
  /**
   * How MySQL/MariaDB `BIGINT` columns are typed: `'number'` (mysql2's default: exact up to
   * 2^53 - 1, larger values come back rounded), or `'string'` for applications that connect with
   * mysql2's `supportBigNumbers: true, bigNumberStrings: true` (always a string). @default 'number'
   */
  readonly bigNumbers?: 'number' | 'string' | undefined
}

/** A column's value type before the modifiers (nullable, generated, read-only) are applied. */
export interface BaseType {
  /** The type as written in the interface (`string`, `Json`). */
  readonly type: TypeExpr
  /** What a select returns (differs from `type` when `type` is a `ColumnType`, like `Json`). */
  readonly select: TypeExpr
}

/** A named type a file defines, as Prettier prints it (its JSDoc included). */
export interface TypeDefinition {
  readonly name: string
  readonly text: string
}

/** A helper type a dialect's files may use: defined once, only in files that use it (or what needs it). */
export interface HelperType extends TypeDefinition {
  /** The helpers and `kysely` types its text refers to. */
  readonly needs: readonly string[]
}

/** The outcome of mapping one column. */
export interface MappedColumn {
  readonly type: TypeExpr
  /** JSDoc lines for the column (notable facts: declared type, default, expression, caveats). */
  readonly docs: readonly string[]
  /** Types of the schema the column's type names, such as an enum's union (emitted once, by name). */
  readonly definitions?: readonly TypeDefinition[]
}

/** One per dialect: turns the model's columns into TypeScript types. */
export interface TypeMapper {
  mapColumn(column: ColumnModel, table: TableModel, options: MapOptions): MappedColumn
  /** JSDoc for the table interface (facts beyond its name and owner), if any. */
  describeTable(table: TableModel): string | undefined
  /** Lines for the file's header about how this driver's values come back (integer precision, …). */
  headerNotes?(options: MapOptions): readonly string[]
  /**
   * The dialect's own helper types (`Int8`, `Timestamp`, …), emitted after `Generated` and
   * `GeneratedAlways` when used; one named like a shared helper (`Json`) replaces it.
   */
  readonly helpers?: readonly HelperType[]
}

export const DEFAULT_MAP_OPTIONS: MapOptions = Object.freeze({ booleans: 'number', json: 'string', integers: 'number' })

/**
 * Applies the modifiers every dialect shares to a column's base type:
 * - view columns are read-only and nullable: `ColumnType<T | null, never, never>`;
 * - computed columns are never written: `GeneratedAlways<T>`;
 * - columns the database fills in (default, rowid alias, auto-increment) are optional on
 *   insert: `Generated<T>`;
 * - nullable columns get `| null`.
 */
export function applyModifiers(base: BaseType, column: ColumnModel, table: TableModel): TypeExpr {
  if (isReadOnly(table)) return generic('ColumnType', nullable(base.select), named('never'), named('never'))
  const value = column.nullable ? nullable(base.type) : base.type
  switch (column.generation) {
    case 'always':
      return generic('GeneratedAlways', value)
    case 'default':
      return generic('Generated', value)
    case 'none':
      return value
  }
}

/**
 * The schema model: what codegen knows about a database, as plain frozen data. Introspectors
 * (one per dialect) produce it; mappers and the emitter only read it. Nothing in it is tied to
 * one database engine: each dialect fills the same fields from its own catalog.
 *
 * @module
 */

/** The database engines glorious-migrate knows. */
export type DialectName = 'sqlite' | 'postgres' | 'mysql'

/**
 * What kind of relation a table is:
 * - `table`: an ordinary table (insertable, updatable);
 * - `virtual-table`: a table backed by a module (SQLite FTS5, R*Tree, …);
 * - `view`, `materialized-view`: read-only.
 */
export type RelationKind = 'table' | 'virtual-table' | 'view' | 'materialized-view'

/**
 * How a column gets its value when an insert leaves it out:
 * - `none`: it does not (it must be given, or it is `NULL` when nullable);
 * - `default`: the database fills it in, and it may still be written (a `DEFAULT`, a rowid
 *   alias, `AUTOINCREMENT`, an identity `BY DEFAULT`);
 * - `always`: the database computes it and it can never be written (a generated column, an
 *   identity `ALWAYS`).
 */
export type ColumnGeneration = 'none' | 'default' | 'always'

/** How the database numbers a column by itself, when it does. */
export type AutoIncrement = 'rowid-alias' | 'autoincrement' | 'identity'

/**
 * The class of a stored value, as SQLite names its storage classes (NULL aside): what decides
 * the JavaScript type a driver returns (better-sqlite3: INTEGER → `number`, or `bigint` with
 * `safeIntegers`; REAL → `number`; TEXT → `string`; BLOB → `Buffer`).
 */
export type StorageClass = 'integer' | 'real' | 'text' | 'blob'

export interface ColumnModel {
  /** The column name, exactly as the database reports it. */
  readonly name: string
  /** The declared type as written in the DDL (`VARCHAR(255)`); `''` when none was declared. */
  readonly declaredType: string
  /** Whether the column can hold `NULL`, as far as the catalog knows. */
  readonly nullable: boolean
  readonly primaryKey: boolean
  /** The `DEFAULT` expression as the catalog reports it, when there is one. */
  readonly defaultExpression: string | undefined
  /**
   * What the `DEFAULT` really stores in this column, when the introspector found out (SQLite:
   * the expression evaluated, then the column's affinity applied; `DEFAULT (unixepoch())` in a
   * `TIMESTAMP` column stores an integer). `undefined` when there is no default, it is `NULL`,
   * or it could not be evaluated.
   */
  readonly defaultStorageClass: StorageClass | undefined
  readonly autoIncrement: AutoIncrement | undefined
  readonly generation: ColumnGeneration
  /** For a computed column: its expression (when known) and how it is kept. */
  readonly computed: { readonly expression: string | undefined; readonly storage: 'virtual' | 'stored' } | undefined
  /** Allowed values, for enum types (PostgreSQL, MySQL). */
  readonly enumValues: readonly string[] | undefined
  /** The column's comment in the database, when the dialect has them. */
  readonly comment: string | undefined
  /**
   * What the column holds beyond its SQL type, when that changes what the driver returns
   * (MariaDB, whose JSON is a text type the server marks as JSON to the driver):
   * - `json`: JSON documents, which the driver parses;
   * - `json-or-text`: a view column that may be either (codegen could not trace it to its source).
   */
  readonly format?: 'json' | 'json-or-text' | undefined
  /** Column options that change behaviour, as written (MySQL: `ON UPDATE current_timestamp()`, `INVISIBLE`). */
  readonly options?: readonly string[] | undefined
  /**
   * The type the driver decodes, when the dialect knows more than `declaredType`: the catalog's
   * name of the type a domain resolves to (PostgreSQL `int8`, `_int4` for `integer[]`), qualified
   * with its schema when it is not built in (`public.mood`).
   */
  readonly dataType?: string | undefined
  /** For an array: its element type, named as `dataType` is (domains resolved). */
  readonly elementType?: string | undefined
  /** For an array: the dimensions it was declared with (`integer[][]`: 2), at least 1. */
  readonly arrayDimensions?: number | undefined
  /** For a column of a domain: the type the domain is declared over (`integer`, another domain). */
  readonly domainBase?: string | undefined
  /** For an enum column (or an array of one): the name of the enum's union type, unique in the model. */
  readonly typeAlias?: string | undefined
}

export interface TableModel {
  /** The table name, exactly as the database reports it. */
  readonly name: string
  readonly kind: RelationKind
  /** The skill whose migration created the table, when the ownership ledger knows it. */
  readonly owner: { readonly skill: string; readonly version: number } | undefined
  /** Table options that change behaviour, as written (`STRICT`, `WITHOUT ROWID`). */
  readonly options: readonly string[]
  /** For a virtual table: the module it uses (`fts5`, `rtree`). */
  readonly module: string | undefined
  /** Columns in declaration order. */
  readonly columns: readonly ColumnModel[]
  readonly comment: string | undefined
}

export interface SchemaModel {
  readonly dialect: DialectName
  /** Every user table and view, sorted by name (the toolkit's own tables are left out). */
  readonly tables: readonly TableModel[]
  /**
   * What the introspector could not read, and what it did instead: a relation left out (a view
   * over a dropped table), a `DEFAULT` it could not evaluate (it calls the application's own function).
   */
  readonly problems: readonly SchemaProblem[]
}

export interface SchemaProblem {
  readonly relation: string
  /** The skill that created the relation, when known. */
  readonly owner: string | undefined
  readonly reason: string
}

/** Builds a column with the defaults of everything not given. */
export function columnModel(column: Pick<ColumnModel, 'name'> & Partial<ColumnModel>): ColumnModel {
  return Object.freeze({
    name: column.name,
    declaredType: column.declaredType ?? '',
    nullable: column.nullable ?? true,
    primaryKey: column.primaryKey ?? false,
    defaultExpression: column.defaultExpression,
    defaultStorageClass: column.defaultStorageClass,
    autoIncrement: column.autoIncrement,
    generation:
      column.generation ?? (column.defaultExpression !== undefined || column.autoIncrement ? 'default' : 'none'),
    computed: column.computed === undefined ? undefined : Object.freeze({ ...column.computed }),
    enumValues: column.enumValues === undefined ? undefined : Object.freeze([...column.enumValues]),
    comment: column.comment,
    // Only when set, so models (and their fingerprints) of dialects without formats stay as they were.
    ...(column.format === undefined ? {} : { format: column.format }),
    ...(column.options === undefined || column.options.length === 0
      ? {}
      : { options: Object.freeze([...column.options]) }),
    dataType: column.dataType,
    elementType: column.elementType,
    arrayDimensions: column.arrayDimensions,
    domainBase: column.domainBase,
    typeAlias: column.typeAlias,
  })
}

/** Builds a table with the defaults of everything not given; columns are frozen as they are. */
export function tableModel(
  table: Pick<TableModel, 'name'> & Partial<Omit<TableModel, 'columns'>> & { readonly columns: readonly ColumnModel[] },
): TableModel {
  return Object.freeze({
    name: table.name,
    kind: table.kind ?? 'table',
    owner: table.owner === undefined ? undefined : Object.freeze({ ...table.owner }),
    options: Object.freeze([...(table.options ?? [])]),
    module: table.module,
    columns: Object.freeze(table.columns.map((column) => (Object.isFrozen(column) ? column : columnModel(column)))),
    comment: table.comment,
  })
}

/** Builds a schema model, sorting the tables by name (by code unit, so the order never depends on a locale). */
export function schemaModel(
  dialect: DialectName,
  tables: readonly TableModel[],
  problems: readonly SchemaProblem[] = [],
): SchemaModel {
  const sorted = [...tables].sort((a, b) => compareNames(a.name, b.name))
  const frozenProblems = problems.map((problem) => Object.freeze({ ...problem }))
  return Object.freeze({ dialect, tables: Object.freeze(sorted), problems: Object.freeze(frozenProblems) })
}

/** Orders names by UTF-16 code unit: the same order on every machine. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Whether a relation can be written to (insert, update). */
export function isReadOnly(table: TableModel): boolean {
  return table.kind === 'view' || table.kind === 'materialized-view'
}

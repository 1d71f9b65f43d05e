/**
 * What a column's `DEFAULT` really stores. SQLite evaluates the expression and converts the
 * value by the column's affinity: `DEFAULT (unixepoch())` in a `TIMESTAMP` column stores an
 * integer, `DEFAULT (strftime('%s', 'now'))` too (its text reads as a number), `DEFAULT
 * CURRENT_TIMESTAMP` in an `INTEGER` column stays text, `DEFAULT (jsonb('{}'))` is a blob.
 *
 * Rather than re-implement the evaluation and the conversion, SQLite is asked: each default is
 * stored in a private in-memory database (`sqlite-scratch.ts`), in a column of the same affinity
 * (and STRICT type), and its `typeof` read back. Nothing is written to the database being described. A default
 * that calls a function only the application's connection has (an extension, a registered
 * function) is evaluated there, read-only, and its value stored in the private database.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { sqliteAffinity } from './sqlite-type-map.js'
import type { StorageClass } from '../../model.js'
import type { ScratchDatabase } from './sqlite-scratch.js'

/** A column whose default to measure. */
export interface DefaultProbe {
  readonly declaredType: string
  readonly defaultExpression: string
  readonly strict: boolean
}

/** Types a STRICT table may declare (anything else makes the CREATE fail; ANY keeps values as they are). */
const STRICT_TYPES: ReadonlySet<string> = new Set(['INT', 'INTEGER', 'REAL', 'TEXT', 'BLOB', 'ANY'])

const STORAGE_CLASSES: ReadonlySet<string> = new Set(['integer', 'real', 'text', 'blob'])

/** What a default stores, or why that could not be found out. */
export interface DefaultStorage {
  /** `undefined` when the default is NULL, or when `problem` says why it is not known. */
  readonly stored: StorageClass | undefined
  readonly problem?: string | undefined
}

/**
 * What each default stores, in the order of the probes. The scratch database gets (and loses
 * again) one table, `glorious_default_probe`.
 */
export async function defaultStorageClasses(
  db: Kysely<any>,
  scratch: ScratchDatabase,
  probes: readonly DefaultProbe[],
): Promise<DefaultStorage[]> {
  const known = new Map<string, DefaultStorage>()
  const results: DefaultStorage[] = []
  for (const probe of probes) {
    const column = probeColumn(probe)
    const key = `${column?.type}\u0000${column?.strict}\u0000${probe.defaultExpression}`
    let result = known.get(key)
    if (result === undefined) {
      result = column === undefined ? { stored: undefined } : await measure(db, scratch, column, probe)
      known.set(key, result)
    }
    results.push(result)
  }
  scratch.exec('DROP TABLE IF EXISTS glorious_default_probe')
  return results
}

/** A column of the private database that converts a value as the real column does. */
interface ProbeColumn {
  readonly type: string
  readonly strict: boolean
}

function probeColumn(probe: DefaultProbe): ProbeColumn | undefined {
  if (probe.strict) {
    const type = probe.declaredType.trim().toUpperCase()
    return STRICT_TYPES.has(type) ? { type, strict: true } : undefined
  }
  // The affinity decides the conversion, and the affinity's own name has that affinity.
  return { type: sqliteAffinity(probe.declaredType), strict: false }
}

/** The probe table: created with one statement (`prepare` refuses more), so an odd default cannot add any. */
function createProbe(scratch: ScratchDatabase, column: ProbeColumn, defaultExpression?: string): void {
  scratch.exec('DROP TABLE IF EXISTS glorious_default_probe')
  // The catalog reports `DEFAULT (unixepoch())` as `unixepoch()`; in parentheses any default is valid.
  const dflt = defaultExpression === undefined ? '' : ` DEFAULT (${defaultExpression})`
  scratch
    .prepare(`CREATE TABLE glorious_default_probe (c ${column.type}${dflt})${column.strict ? ' STRICT' : ''}`)
    .run()
}

async function measure(
  db: Kysely<any>,
  scratch: ScratchDatabase,
  column: ProbeColumn,
  probe: DefaultProbe,
): Promise<DefaultStorage> {
  try {
    createProbe(scratch, column, probe.defaultExpression)
    scratch.prepare('INSERT INTO glorious_default_probe DEFAULT VALUES').run()
    return { stored: storageClass(scratch.prepare('SELECT typeof(c) AS t FROM glorious_default_probe').get()) }
  } catch {
    // A function only the application's connection knows: evaluate it there, store the value here.
    return await measureThroughConnection(db, scratch, column, probe.defaultExpression)
  }
}

async function measureThroughConnection(
  db: Kysely<any>,
  scratch: ScratchDatabase,
  column: ProbeColumn,
  expression: string,
): Promise<DefaultStorage> {
  let row: { t: string; v: unknown } | undefined
  try {
    const { rows } = await sql<{ t: string; v: unknown }>`
      SELECT typeof(v) AS t, v FROM (SELECT ${sql.raw(expression)} AS v)`.execute(db)
    row = rows[0]
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const hint = /no such function/.test(message)
      ? ': open the database with the function registered (your own Kysely instance) to include it'
      : ''
    return { stored: undefined, problem: `its DEFAULT (${expression}) cannot be evaluated here (${message})${hint}` }
  }
  if (row === undefined || row.t === 'null') return { stored: undefined }
  try {
    createProbe(scratch, column)
    scratch.prepare('INSERT INTO glorious_default_probe (c) VALUES (?)').run(bindable(row.t, row.v))
    return { stored: storageClass(scratch.prepare('SELECT typeof(c) AS t FROM glorious_default_probe').get()) }
  } catch {
    return {
      stored: undefined,
      problem: `its DEFAULT (${expression}) gives ${row.t}, which SQLite refuses to store in a ${column.type} column`,
    }
  }
}

/** The value as better-sqlite3 binds it with the same storage class (a number binds as REAL, a bigint as INTEGER). */
function bindable(storage: string, value: unknown): unknown {
  if (storage === 'integer') return BigInt(Math.trunc(Number(value)))
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value)
  return value
}

function storageClass(row: unknown): StorageClass | undefined {
  const type = (row as { t?: unknown } | undefined)?.t
  return typeof type === 'string' && STORAGE_CLASSES.has(type) ? (type as StorageClass) : undefined
}

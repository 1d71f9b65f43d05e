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
import { sqliteAffinity } from '../map/sqlite.js'
import type { StorageClass } from '../model.js'
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

/**
 * The storage class each default stores (`undefined` when it is NULL or cannot be evaluated),
 * in the order of the probes. The scratch database gets (and loses again) one table, `probe`.
 */
export async function defaultStorageClasses(
  db: Kysely<any>,
  scratch: ScratchDatabase,
  probes: readonly DefaultProbe[],
): Promise<(StorageClass | undefined)[]> {
  const known = new Map<string, StorageClass | undefined>()
  const results: (StorageClass | undefined)[] = []
  for (const probe of probes) {
    const column = probeColumn(probe)
    const key = `${column?.type}\u0000${column?.strict}\u0000${probe.defaultExpression}`
    if (!known.has(key)) known.set(key, column === undefined ? undefined : await measure(db, scratch, column, probe))
    results.push(known.get(key))
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
): Promise<StorageClass | undefined> {
  try {
    createProbe(scratch, column, probe.defaultExpression)
    scratch.prepare('INSERT INTO glorious_default_probe DEFAULT VALUES').run()
    return storageClass(scratch.prepare('SELECT typeof(c) AS t FROM glorious_default_probe').get())
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
): Promise<StorageClass | undefined> {
  try {
    const { rows } = await sql<{ t: string; v: unknown }>`
      SELECT typeof(v) AS t, v FROM (SELECT ${sql.raw(expression)} AS v)`.execute(db)
    const row = rows[0]
    if (row === undefined || row.t === 'null') return undefined
    createProbe(scratch, column)
    scratch.prepare('INSERT INTO glorious_default_probe (c) VALUES (?)').run(bindable(row.t, row.v))
    return storageClass(scratch.prepare('SELECT typeof(c) AS t FROM glorious_default_probe').get())
  } catch {
    return undefined
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

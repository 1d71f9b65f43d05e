// A synthetic PostgreSQL migration history for the race and crash suites, and the checks that
// read a database back against it. Every migration records itself in `log` (without a key, so a
// double application shows as two rows) and most change shared state (`counter`), so each one
// is visibly applied exactly once, not at all, or partly.
//
// Kinds: ordinary transactional migrations (tables, views, plpgsql functions with dollar quotes,
// column additions, counter bumps), `slow` ones (a big table filled in one statement), a
// `-- glorious:no-transaction` file of several statements written to be rerun after an
// interruption (IF NOT EXISTS, ON CONFLICT, DROP INDEX CONCURRENTLY IF EXISTS before CREATE INDEX
// CONCURRENTLY), and a file holding only a CREATE INDEX CONCURRENTLY (run outside a transaction
// automatically).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PgDatabase } from '../helpers/pg-server.js'

export type PgKind =
  'base' | 'table' | 'bump' | 'view' | 'function' | 'column' | 'slow' | 'no-transaction' | 'concurrently'

export interface PgMigration {
  readonly version: number
  readonly filename: string
  readonly kind: PgKind
  readonly sql: string
  /** For `concurrently`: the index it builds (on the slow table `big<of>`). */
  readonly index?: string
}

export interface PgHistory {
  readonly migrations: readonly PgMigration[]
  /** Rows of each slow table and of the no-transaction table. */
  readonly rows: number
}

export interface PgHistoryOptions {
  readonly count: number
  readonly rows: number
  readonly slowAt?: readonly number[]
  readonly noTransactionAt?: readonly number[]
  /** Versions holding only `CREATE INDEX CONCURRENTLY IF NOT EXISTS` on the slow table before them. */
  readonly concurrentlyAt?: readonly number[]
}

const CYCLE: readonly PgKind[] = ['table', 'bump', 'view', 'function', 'column']

export function buildPgHistory(options: PgHistoryOptions): PgHistory {
  const migrations: PgMigration[] = []
  let lastSlow: number | undefined
  for (let v = 1; v <= options.count; v++) {
    const kind: PgKind =
      v === 1
        ? 'base'
        : options.slowAt?.includes(v)
          ? 'slow'
          : options.noTransactionAt?.includes(v)
            ? 'no-transaction'
            : options.concurrentlyAt?.includes(v)
              ? 'concurrently'
              : (CYCLE[v % CYCLE.length] as PgKind)
    const lines: string[] = []
    let index: string | undefined
    const log = `INSERT INTO log (n, kind) VALUES (${v}, '${kind}');`
    switch (kind) {
      case 'base':
        lines.push(
          'CREATE TABLE log (n integer NOT NULL, kind text NOT NULL);',
          'CREATE TABLE counter (total bigint NOT NULL, bumps integer NOT NULL);',
          'INSERT INTO counter VALUES (0, 0);',
          log,
        )
        break
      case 'table':
        lines.push(
          `CREATE TABLE t${v} (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v integer NOT NULL, note text DEFAULT 'a;b');`,
          `INSERT INTO t${v} (v) VALUES (${v}), (${v + 1});`,
          log,
        )
        break
      case 'bump':
        lines.push(`UPDATE counter SET total = total + ${v}, bumps = bumps + 1;`, log)
        break
      case 'view':
        lines.push(`CREATE VIEW v${v} AS SELECT n, kind FROM log WHERE n <= ${v};`, log)
        break
      case 'function':
        lines.push(
          `CREATE FUNCTION f${v}(x integer) RETURNS integer LANGUAGE plpgsql AS $body$`,
          'BEGIN',
          `  RETURN x + ${v}; -- a ; inside`,
          'END;',
          '$body$;',
          log,
        )
        break
      case 'column':
        lines.push(`ALTER TABLE counter ADD COLUMN c${v} integer NOT NULL DEFAULT ${v};`, log)
        break
      case 'slow':
        lastSlow = v
        lines.push(
          `CREATE TABLE big${v} (x integer PRIMARY KEY, y integer NOT NULL, z text NOT NULL);`,
          `INSERT INTO big${v} SELECT g, (g * 7919) % 1000003, 'row-' || g FROM generate_series(1, ${options.rows}) g;`,
          log,
        )
        break
      case 'no-transaction':
        lines.push(
          '-- glorious:no-transaction',
          `CREATE TABLE IF NOT EXISTS nt${v} (id integer PRIMARY KEY, v integer NOT NULL);`,
          `INSERT INTO nt${v} (id, v) SELECT g, (g * 31) % 1009 FROM generate_series(1, ${options.rows}) g ON CONFLICT (id) DO NOTHING;`,
          `DROP INDEX CONCURRENTLY IF EXISTS nt${v}_v;`,
          `CREATE INDEX CONCURRENTLY nt${v}_v ON nt${v} (v, id);`,
          `INSERT INTO log (n, kind) SELECT ${v}, '${kind}' WHERE NOT EXISTS (SELECT 1 FROM log WHERE n = ${v});`,
        )
        break
      case 'concurrently':
        if (lastSlow === undefined) throw new Error(`concurrently at ${v} needs a slow migration before it`)
        index = `big${lastSlow}_y_z`
        // An expression index slow enough to build that a kill can land inside it.
        lines.push(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON big${lastSlow} (md5(repeat(z, 100)), y);`)
        break
    }
    migrations.push({
      version: v,
      filename: `${String(v).padStart(3, '0')}_${kind.replaceAll('-', '_')}.sql`,
      kind,
      sql: `${lines.join('\n')}\n`,
      ...(index === undefined ? {} : { index }),
    })
  }
  return { migrations, rows: options.rows }
}

/** Writes the history as `<root>/<name>/migrations` and returns that folder. */
export function writePgHistory(root: string, name: string, history: PgHistory): string {
  const dir = join(root, name, 'migrations')
  mkdirSync(dir, { recursive: true })
  for (const migration of history.migrations) writeFileSync(join(dir, migration.filename), migration.sql)
  return dir
}

/**
 * Schema and data to compare two databases: every relation's definition from the catalog
 * (columns, indexes with their validity, views, functions), every row of small tables, big ones
 * as count and sums, and the ledger without times, durations and folders. Without
 * `fingerprints`, the drift fingerprints' table (its columns, index and rows) is left out.
 */
export async function pgStateDump(db: PgDatabase, options: { readonly fingerprints?: boolean } = {}): Promise<string> {
  const fingerprints = options.fingerprints ?? true
  const lines: string[] = []
  const add = (label: string, rows: unknown[]) =>
    lines.push(`${label}: ${JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`)
  const columns = await db.query<{
    table_name: string
  }>(`SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
                    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, ordinal_position`)
  add(
    'columns',
    columns.filter((column) => fingerprints || column.table_name !== '_migration_fingerprints'),
  )
  const indexes = await db.query<{
    relname: string
  }>(`SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid, i.indisready
                    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' ORDER BY 1`)
  add(
    'indexes',
    indexes.filter((index) => fingerprints || !index.relname.startsWith('_migration_fingerprints')),
  )
  add('views', await db.query(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1`))
  add(
    'functions',
    await db.query(`SELECT p.proname, pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public' ORDER BY 1`),
  )
  const tables = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  )
  for (const { name } of tables) {
    if (name === '_migration_fingerprints' && !fingerprints) continue
    if (name === '_migrations') {
      add(
        name,
        await db.query(`SELECT skill_name, version::text, filename, checksum, status, source, sql_checksum, types_pending,
                               statements_applied, statements_total, error
                        FROM _migrations ORDER BY skill_name, _migrations.version`),
      )
    } else if (name === '_migration_objects') {
      add(name, await db.query(`SELECT * FROM _migration_objects ORDER BY object_name`))
    } else if (name === '_migration_events') {
      add(name, await db.query(`SELECT skill_name, version::text, event FROM _migration_events ORDER BY 1, 2, 3`))
    } else if (name === '_migration_fingerprints') {
      // Derived data with the time it was taken: which skills have one is what must match.
      add(name, await db.query(`SELECT skill_name FROM _migration_fingerprints ORDER BY 1`))
    } else if (name.startsWith('big') || name.startsWith('nt')) {
      add(
        name,
        await db.query(`SELECT count(*)::text AS n, sum(hashtext(t::text)::bigint)::text AS h FROM "${name}" AS t`),
      )
    } else {
      add(name, await db.query(`SELECT * FROM "${name}" AS t ORDER BY t::text`))
    }
  }
  return lines.join('\n')
}

export interface PgCheck {
  /** Versions in the ledger with status `applied`. */
  readonly ledger: readonly number[]
  /** Ledger rows of another status (none expected on PostgreSQL). */
  readonly otherRows: readonly string[]
  readonly problems: readonly string[]
  /** For each no-transaction migration without a ledger row: how many of its 5 statements took effect, and in what state. */
  readonly noTransactionProgress: ReadonlyMap<number, string>
  /** INVALID indexes (a CREATE INDEX CONCURRENTLY cut short). */
  readonly invalidIndexes: readonly string[]
}

/**
 * Reads a database back against its history. A transactional migration's effects must be all
 * there with a ledger row, or none without one. A no-transaction migration may be partly there
 * when it has no ledger row — but only as a prefix of its statements, each whole (that is what
 * the file declared); with a ledger row, all of it. `log` and `counter` must match the ledger.
 */
export async function checkPgDatabase(db: PgDatabase, history: PgHistory, skill: string): Promise<PgCheck> {
  const problems: string[] = []
  const relations = new Map(
    (
      await db.query<{ name: string; kind: string; valid: boolean | null }>(
        `SELECT c.relname AS name, c.relkind::text AS kind, i.indisvalid AS valid
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid
         WHERE n.nspname = 'public'`,
      )
    ).map((row) => [row.name, row]),
  )
  const functions = new Set(
    (
      await db.query<{ name: string }>(
        `SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
      )
    ).map((row) => row.name),
  )
  const columns = new Set(
    (
      await db.query<{ name: string }>(
        `SELECT table_name || '.' || column_name AS name FROM information_schema.columns WHERE table_schema = 'public'`,
      )
    ).map((row) => row.name),
  )
  const count = async (table: string): Promise<number> =>
    relations.has(table) ? Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`))[0]?.n) : 0
  const ledgerRows = relations.has('_migrations')
    ? await db.query<{ version: string; status: string }>(
        `SELECT version::text, status FROM _migrations WHERE skill_name = $1 ORDER BY _migrations.version`,
        [skill],
      )
    : []
  const ledger = ledgerRows.filter((row) => row.status === 'applied').map((row) => Number(row.version))
  const otherRows = ledgerRows.filter((row) => row.status !== 'applied').map((row) => `${row.version}:${row.status}`)
  if (otherRows.length > 0) problems.push(`ledger rows not applied: ${otherRows.join(', ')}`)
  const inLedger = new Set(ledger)
  const logRows = relations.has('log')
    ? await db.query<{ n: number }>('SELECT n FROM log ORDER BY n')
    : ([] as { n: number }[])
  const logged = new Map<number, number>()
  for (const row of logRows) logged.set(row.n, (logged.get(row.n) ?? 0) + 1)
  const noTransactionProgress = new Map<number, string>()
  const invalidIndexes = [...relations.values()].filter((r) => r.valid === false).map((r) => r.name)

  for (const m of history.migrations) {
    const v = m.version
    const times = logged.get(v) ?? 0
    if (times > 1) problems.push(`${m.filename}: logged ${times} times (applied twice)`)
    let effects: boolean[]
    switch (m.kind) {
      case 'base':
        effects = [relations.has('log') && relations.has('counter') && (await count('counter')) === 1]
        break
      case 'table':
        effects = [relations.has(`t${v}`) && (await count(`t${v}`)) === 2]
        break
      case 'view':
        effects = [relations.get(`v${v}`)?.kind === 'v']
        break
      case 'function':
        effects = [functions.has(`f${v}`)]
        break
      case 'column':
        effects = [columns.has(`counter.c${v}`)]
        break
      case 'bump':
        effects = [] // checked through the counter below
        break
      case 'slow': {
        const rows = await count(`big${v}`)
        if (relations.has(`big${v}`) && rows !== history.rows) problems.push(`${m.filename}: big${v} has ${rows} rows`)
        effects = [relations.has(`big${v}`)]
        break
      }
      case 'concurrently': {
        const index = relations.get(m.index as string)
        if (inLedger.has(v) && index?.valid !== true)
          problems.push(`${m.filename}: in the ledger, but its index is ${index ? 'INVALID' : 'missing'}`)
        if (!inLedger.has(v) && index)
          noTransactionProgress.set(v, `index ${index.valid ? 'built (valid)' : 'left INVALID'}, no ledger row`)
        continue
      }
      case 'no-transaction': {
        const rows = await count(`nt${v}`)
        const index = relations.get(`nt${v}_v`)
        const steps = [
          relations.has(`nt${v}`),
          rows === history.rows,
          index?.valid === true, // statements 3 (drop) and 4 (create) together
          times === 1,
        ]
        if (relations.has(`nt${v}`) && rows !== 0 && rows !== history.rows)
          problems.push(`${m.filename}: nt${v} has ${rows} rows (a statement partly applied)`)
        const done = steps.findIndex((step) => !step)
        const prefix = done === -1 ? steps.length : done
        if (steps.slice(prefix).some(Boolean))
          problems.push(`${m.filename}: its effects are not a prefix of its statements (${steps.join(', ')})`)
        if (inLedger.has(v) && prefix !== steps.length)
          problems.push(`${m.filename}: in the ledger, but only ${prefix} of its steps took effect`)
        if (!inLedger.has(v) && (prefix > 0 || index !== undefined)) {
          noTransactionProgress.set(
            v,
            `${['nothing', 'table', 'table+rows', 'table+rows+index', 'all 5 statements'][prefix]}` +
              (index && !index.valid ? ' + INVALID index' : ''),
          )
        }
        continue
      }
    }
    const present = effects.every(Boolean) && (effects.length > 0 || times === 1) && times >= 1
    const absent = !effects.some(Boolean) && times === 0
    if (!present && !absent)
      problems.push(`${m.filename}: partly applied (effects ${effects.join(', ')}, logged ${times})`)
    if (present && !inLedger.has(v)) problems.push(`${m.filename}: applied without a ledger row`)
    if (!present && inLedger.has(v)) problems.push(`${m.filename}: ledger row without its effects`)
  }
  if (relations.has('counter')) {
    const applied = history.migrations.filter((m) => inLedger.has(m.version) && m.kind === 'bump')
    const counter = (await db.query<{ total: string; bumps: number }>('SELECT total::text, bumps FROM counter'))[0]
    const expected = { total: String(applied.reduce((sum, m) => sum + m.version, 0)), bumps: applied.length }
    if (counter?.total !== expected.total || counter.bumps !== expected.bumps)
      problems.push(`counter is ${JSON.stringify(counter)}, expected ${JSON.stringify(expected)} from the ledger`)
  }
  const prefixOk = ledger.every((version, i) => version === i + 1)
  if (!prefixOk) problems.push(`the ledger is not a prefix of the history: ${ledger.join(',')}`)
  return { ledger, otherRows, problems, noTransactionProgress, invalidIndexes }
}

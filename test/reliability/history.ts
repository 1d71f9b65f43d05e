// Migration histories for the race and crash tests, and the checks that read their effects back.
//
// Every migration's effect is observable and non-idempotent: each one inserts its own row into
// `log` (a second application adds a second row), most also create an object or change data (a
// counter, a column added and updated, child rows, trigger firings), so a double application, a
// lost one or a half-applied one shows in the database.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export interface HistoryOptions {
  /** Number of migrations. @default 50 */
  readonly count?: number
  /** Versions that rebuild the `parent` table with `PRAGMA foreign_keys = OFF` (their own transaction). */
  readonly foreignKeysOffAt?: readonly number[]
  /** Versions marked `-- glorious:no-transaction` (run outside a transaction, under the session lock). */
  readonly noTransactionAt?: readonly number[]
  /** Slow migrations: `rows` rows into an indexed table `big<at>`, made by a recursive CTE. */
  readonly slow?: readonly SlowMigration[] | undefined
}

export interface SlowMigration {
  readonly at: number
  readonly rows: number
  /**
   * `scrambled`: the index is on a pseudo-random column, so its pages are written all over the
   * file (slow, and slow to integrity-check). `sequential`: in insertion order (fast). @default 'scrambled'
   */
  readonly index?: 'scrambled' | 'sequential' | undefined
}

type Kind =
  | 'init'
  | 'table'
  | 'bump'
  | 'index'
  | 'alter'
  | 'view'
  | 'trigger'
  | 'child'
  | 'fk-off-rebuild'
  | 'no-transaction'
  | 'slow'

/** A query returning one number: `present` when the migration's effect is there, 0 when it is not. */
export interface Probe {
  readonly what: string
  readonly sql: string
  readonly present: number
}

export interface HistoryMigration {
  readonly version: number
  readonly filename: string
  readonly kind: Kind
  readonly sql: string
  readonly probes: readonly Probe[]
}

export interface History {
  readonly migrations: readonly HistoryMigration[]
  readonly options: HistoryOptions
}

const REGULAR: readonly Kind[] = ['table', 'bump', 'index', 'alter', 'view', 'trigger', 'child']
const PARENTS = 3

export function buildHistory(options: HistoryOptions = {}): History {
  const count = options.count ?? 50
  const fkOff = new Set(options.foreignKeysOffAt ?? [])
  const noTransaction = new Set(options.noTransactionAt ?? [])
  const slowAt = new Map((options.slow ?? []).map((slow) => [slow.at, slow]))
  const migrations: HistoryMigration[] = []
  const rebuilds: number[] = [] // versions of the rebuilds so far: each adds a column r<v> to parent
  for (let v = 1; v <= count; v++) {
    const kind: Kind =
      v === 1
        ? 'init'
        : slowAt.has(v)
          ? 'slow'
          : fkOff.has(v)
            ? 'fk-off-rebuild'
            : noTransaction.has(v)
              ? 'no-transaction'
              : (REGULAR[v % REGULAR.length] as Kind)
    const probes: Probe[] = [{ what: `log row ${v}`, sql: `SELECT count(*) FROM log WHERE n = ${v}`, present: 1 }]
    const lines: string[] = []
    switch (kind) {
      case 'init':
        lines.push(
          'CREATE TABLE log (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, kind TEXT NOT NULL);',
          'CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), total INTEGER NOT NULL, bumps INTEGER NOT NULL, fired INTEGER NOT NULL);',
          'INSERT INTO counter VALUES (1, 0, 0, 0);',
          'CREATE TABLE wide (id INTEGER PRIMARY KEY, name TEXT NOT NULL);',
          "INSERT INTO wide (name) VALUES ('a'), ('b'), ('c');",
          'CREATE TABLE events (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);',
          'CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);',
          'CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, label TEXT NOT NULL);',
          `INSERT INTO parent (id, name) VALUES ${Array.from({ length: PARENTS }, (_, i) => `(${i + 1}, 'p${i + 1}')`).join(', ')};`,
          "INSERT INTO child (parent_id, label) SELECT id, 'init' FROM parent;",
        )
        probes.push(
          { what: 'counter row', sql: 'SELECT count(*) FROM counter', present: 1 },
          { what: 'wide rows', sql: 'SELECT count(*) FROM wide', present: 3 },
          { what: 'parent rows', sql: 'SELECT count(*) FROM parent', present: PARENTS },
          // Lost if a table rebuild ever ran with foreign keys on (DROP TABLE parent cascades).
          { what: 'initial child rows', sql: "SELECT count(*) FROM child WHERE label = 'init'", present: PARENTS },
        )
        break
      case 'table':
        lines.push(
          `CREATE TABLE t${v} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, note TEXT);`,
          `INSERT INTO t${v} (v, note) VALUES (${v}, 'x'), (${v}, 'y');`,
        )
        probes.push({ what: `table t${v}`, sql: `SELECT count(*) FROM t${v}`, present: 2 })
        break
      case 'bump':
        // No object of its own: checked through the counter (see checkDatabase).
        lines.push(`UPDATE counter SET total = total + ${v}, bumps = bumps + 1;`)
        break
      case 'index':
        lines.push(`CREATE INDEX log_n_${v} ON log (n, kind) WHERE n >= ${v};`)
        probes.push({
          what: `index log_n_${v}`,
          sql: `SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'log_n_${v}'`,
          present: 1,
        })
        break
      case 'alter':
        lines.push(
          `ALTER TABLE wide ADD COLUMN c${v} INTEGER NOT NULL DEFAULT ${v};`,
          `UPDATE wide SET c${v} = c${v} + id;`,
        )
        probes.push({ what: `column wide.c${v}`, sql: `SELECT sum(c${v}) FROM wide`, present: 3 * v + 6 })
        break
      case 'view':
        lines.push(`CREATE VIEW view${v} AS SELECT n, kind FROM log WHERE n <= ${v};`)
        probes.push({
          what: `view view${v}`,
          sql: `SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name = 'view${v}'`,
          present: 1,
        })
        break
      case 'trigger':
        lines.push(
          `CREATE TRIGGER trg${v} AFTER INSERT ON events BEGIN UPDATE counter SET fired = fired + 1; END;`,
          `INSERT INTO events (v) VALUES (${v});`,
        )
        probes.push(
          {
            what: `trigger trg${v}`,
            sql: `SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'trg${v}'`,
            present: 1,
          },
          { what: `events row ${v}`, sql: `SELECT count(*) FROM events WHERE v = ${v}`, present: 1 },
        )
        break
      case 'child':
        lines.push(`INSERT INTO child (parent_id, label) SELECT id, 'v${v}' FROM parent;`)
        probes.push({
          what: `child rows v${v}`,
          sql: `SELECT count(*) FROM child WHERE label = 'v${v}'`,
          present: PARENTS,
        })
        break
      case 'fk-off-rebuild': {
        // SQLite's documented table rebuild: with foreign keys on (or ignored inside a transaction),
        // DROP TABLE parent would delete every child row through ON DELETE CASCADE.
        rebuilds.push(v)
        const extra = rebuilds.map((r) => `r${r}`)
        const kept = ['id', 'name', ...extra.slice(0, -1)]
        lines.push(
          'PRAGMA foreign_keys = OFF;',
          `CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL${extra.map((c) => `, ${c} INTEGER NOT NULL`).join('')});`,
          `INSERT INTO parent_new (${[...kept, `r${v}`].join(', ')}) SELECT ${[...kept, `${v} * id`].join(', ')} FROM parent;`,
          'DROP TABLE parent;',
          'ALTER TABLE parent_new RENAME TO parent;',
          'PRAGMA foreign_keys = ON;',
        )
        probes.push({
          what: `parent.r${v}`,
          sql: `SELECT sum(r${v}) FROM parent`,
          present: v * ((PARENTS * (PARENTS + 1)) / 2),
        })
        break
      }
      case 'no-transaction':
        lines.unshift('-- glorious:no-transaction')
        lines.push(
          `CREATE TABLE nt${v} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);`,
          `INSERT INTO nt${v} (v) VALUES (${v});`,
        )
        probes.push({ what: `table nt${v}`, sql: `SELECT count(*) FROM nt${v}`, present: 1 })
        break
      case 'slow': {
        const { rows, index } = slowAt.get(v) as SlowMigration
        const y = index === 'sequential' ? 'x * 2' : '(x * 7919) % 1000003'
        lines.push(
          `CREATE TABLE big${v} (x INTEGER PRIMARY KEY, y INTEGER NOT NULL, z TEXT NOT NULL);`,
          `CREATE INDEX big${v}_y ON big${v} (y);`,
          `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows})`,
          `INSERT INTO big${v} (x, y, z) SELECT x, ${y}, printf('row-%08d', x) FROM c;`,
        )
        probes.push({ what: `big${v} rows`, sql: `SELECT count(*) FROM big${v}`, present: rows })
        break
      }
    }
    lines.push(`INSERT INTO log (n, kind) VALUES (${v}, '${kind}');`)
    const name = kind.replaceAll('-', '_')
    migrations.push({
      version: v,
      filename: `${String(v).padStart(3, '0')}_${name}.sql`,
      kind,
      sql: `${lines.join('\n')}\n`,
      probes,
    })
  }
  return { migrations, options }
}

/** Writes the history as a migrations folder `<root>/<name>/migrations` and returns its path. */
export function writeHistory(root: string, name: string, history: History): string {
  const dir = join(root, name, 'migrations')
  mkdirSync(dir, { recursive: true })
  for (const migration of history.migrations) writeFileSync(join(dir, migration.filename), migration.sql)
  return dir
}

/** Opens a database the way a new process would (read-write, so a hot journal is rolled back). */
export function openFresh(path: string): Database.Database {
  return new Database(path, { timeout: 10_000 })
}

export interface DatabaseCheck {
  /** Versions in the ledger. */
  readonly ledger: readonly number[]
  /** Versions whose effects are all present. */
  readonly present: readonly number[]
  /** Every inconsistency: a partial or doubled migration, ledger ≠ effects, a counter off, integrity. */
  readonly problems: readonly string[]
  readonly integrity: string
}

/**
 * Reads a database back against its history: which versions the ledger has, which migrations'
 * effects are present (each all or nothing: a mix is a partial state, any other count a double
 * application), whether those two sets are equal, the data that has no object of its own (the
 * counter, trigger firings, the log), and `PRAGMA integrity_check`.
 */
export function checkDatabase(
  db: Database.Database,
  history: History,
  skill: string,
  integrityCheck: 'integrity_check' | 'quick_check' = 'integrity_check',
): DatabaseCheck {
  const problems: string[] = []
  const integrity = (db.prepare(`PRAGMA ${integrityCheck}`).raw().all() as string[][]).map((row) => row[0]).join('; ')
  if (integrity !== 'ok') problems.push(`${integrityCheck}: ${integrity}`)
  const value = (sql: string): number => {
    try {
      return Number(db.prepare(sql).pluck().get() ?? 0)
    } catch (error) {
      if (/no such (table|column)/.test((error as Error).message)) return 0
      throw error
    }
  }
  const hasLedger = value("SELECT count(*) FROM sqlite_schema WHERE name = '_migrations'") === 1
  const ledger = hasLedger
    ? (
        db
          .prepare('SELECT version FROM _migrations WHERE skill_name = ? ORDER BY version')
          .pluck()
          .all(skill) as number[]
      ).map(Number)
    : []
  const inLedger = new Set(ledger)
  const present: number[] = []
  for (const migration of history.migrations) {
    const states = migration.probes.map((probe) => {
      const found = value(probe.sql)
      return { probe, found, state: found === probe.present ? 'present' : found === 0 ? 'absent' : 'wrong' }
    })
    const wrong = states.filter((s) => s.state === 'wrong')
    const isPresent = states.every((s) => s.state === 'present')
    const isAbsent = states.every((s) => s.state === 'absent')
    if (wrong.length > 0) {
      problems.push(
        `${migration.filename}: ${wrong.map((s) => `${s.probe.what} = ${s.found} (expected ${s.probe.present} or 0)`).join(', ')} (applied twice or partly)`,
      )
    } else if (!isPresent && !isAbsent) {
      problems.push(
        `${migration.filename}: partly applied (${states.map((s) => `${s.probe.what}: ${s.state}`).join(', ')})`,
      )
    }
    if (isPresent) present.push(migration.version)
    if (isPresent && !inLedger.has(migration.version))
      problems.push(`${migration.filename}: effects present without a ledger row`)
    if (!isPresent && inLedger.has(migration.version))
      problems.push(`${migration.filename}: ledger row without its effects`)
  }
  if (inLedger.size > 0 || present.length > 0) {
    const applied = history.migrations.filter((m) => inLedger.has(m.version))
    const logRows = value('SELECT count(*) FROM log')
    if (logRows !== applied.length) problems.push(`log has ${logRows} rows for ${applied.length} applied migrations`)
    const bumps = applied.filter((m) => m.kind === 'bump')
    const triggers = applied.filter((m) => m.kind === 'trigger')
    // Each trigger migration's insert fires every trigger created so far, its own included.
    const expected = {
      total: bumps.reduce((sum, m) => sum + m.version, 0),
      bumps: bumps.length,
      fired: triggers.reduce((sum, _m, index) => sum + index + 1, 0),
    }
    const counter = inLedger.has(1)
      ? (db.prepare('SELECT total, bumps, fired FROM counter').get() as typeof expected | undefined)
      : undefined
    if (inLedger.has(1) && JSON.stringify(counter) !== JSON.stringify(expected)) {
      problems.push(`counter is ${JSON.stringify(counter)}, expected ${JSON.stringify(expected)} from the ledger`)
    }
  }
  return { ledger, present, problems, integrity }
}

/**
 * A logical dump to compare two databases: the schema, every row of every table (tables of more
 * than 20,000 rows as their row count and per-column sums), and the ledger without its
 * timestamps and durations.
 */
export function stateDump(db: Database.Database): string {
  const lines: string[] = []
  const all = db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name`,
    )
    .all() as { type: string; name: string; tbl_name: string; sql: string | null }[]
  // The fingerprints (drift detection) are derived from the schema, stamped with their time, and
  // written by whichever run ends last: not part of the state a serial run is compared by.
  const objects = all.filter((o) => o.tbl_name !== '_migration_fingerprints')
  for (const o of objects) lines.push(`${o.type} ${o.name} on ${o.tbl_name}: ${o.sql ?? ''}`)
  const json = (data: unknown) => JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
  for (const { name } of objects.filter((o) => o.type === 'table')) {
    const quoted = `"${name.replaceAll('"', '""')}"`
    if (name === '_migrations') {
      lines.push(
        `${name}: ${json(db.prepare('SELECT skill_name, version, filename, checksum FROM _migrations ORDER BY skill_name, version').raw().all())}`,
      )
      continue
    }
    const count = Number(db.prepare(`SELECT count(*) FROM ${quoted}`).pluck().get())
    if (count <= 20_000) {
      const order = name === '_migration_objects' ? 'ORDER BY object_name' : 'ORDER BY rowid'
      lines.push(`${name}: ${json(db.prepare(`SELECT * FROM ${quoted} ${order}`).raw().all())}`)
    } else {
      const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(name) as string[]
      const aggregates = columns.flatMap((c) => {
        const q = `"${c.replaceAll('"', '""')}"`
        return [`total(${q})`, `total(length(${q}))`]
      })
      const order = `total(rowid * length(${columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(' || ')}))`
      lines.push(
        `${name}: ${count} rows, ${json(
          db
            .prepare(`SELECT ${[...aggregates, order].join(', ')} FROM ${quoted}`)
            .raw()
            .get(),
        )}`,
      )
    }
  }
  return lines.join('\n')
}

/** {@link stateDump} of a database file (opened as a new process would). */
export function dumpFile(path: string): string {
  const db = openFresh(path)
  try {
    return stateDump(db)
  } finally {
    db.close()
  }
}

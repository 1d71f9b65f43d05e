// kill -9 on MariaDB: a real migrator (the library in a worker process, or the CLI) is killed at
// seeded random moments of a run of five migrations that mix DDL (implicit commits: statement by
// statement, with progress recorded) and DML-only ones (one transaction each; one inserts 25,000
// rows, so kills land inside it), with slow DDL (a COPY rebuild, an index on those rows) where kills
// land mid-statement. After each kill, once the server has ended the killed session:
//
// - every state is explained by the recorded progress: for each migration, no ledger row → none
//   of its statements took effect; `applied` → all; `running`/`failed` after statement a → statements
//   1..a took effect, a+2.. did not, and a+1 did or did not only when the row records it under way
//   (its probe); DML-only migrations all or nothing; no side effect twice;
// - no lock is left (IS_USED_LOCK of the toolkit's lock name is NULL; the server may release it a
//   moment after the session left its process list, so up to 5 s is allowed, and counted);
// - a rerun (with a 2 s lock timeout) completes it, and the ledger (ownership included), schema and
//   data then equal a serial run's. (This found a kill between a migration's final "applied" record
//   and its ownership rows, which left a view without its owner: they now commit together.)
//
// GLORIOUS_CRASH_SEED (random; printed) replays a schedule; MYSQL_CRASH_KILLS (20).
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { createMigrator } from '../../lib/index.js'
import { GLORIOUS } from '../helpers/cli.js'
import { type MysqlDatabase, freshDatabase, requireMysqlServer } from '../helpers/mysql-server.js'
import { type WorkerHandle, startWorker, withTimeout } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import type { MysqlWorkerConfig } from './mysql-race-worker.js'

const WORKER = fileURLToPath(new URL('./mysql-race-worker.js', import.meta.url))
const SKILL = 'crash'
const KILLS = envNumber('MYSQL_CRASH_KILLS', 20)
const SEED = process.env.GLORIOUS_CRASH_SEED ? Number(process.env.GLORIOUS_CRASH_SEED) : randomInt(2 ** 31)
const BIG_ROWS = 25_000

function envNumber(name: string, fallback: number): number {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

console.log(`mysql crashes: seed ${SEED} (replay with GLORIOUS_CRASH_SEED=${SEED})`)

/** What a statement leaves that can be seen: a table, column, index or routine, a log tag, the big rows. */
type Effect =
  | { readonly table: string }
  | { readonly column: string }
  | { readonly index: string }
  | { readonly routine: string }
  | { readonly tag: string }
  | { readonly bigRows: number }

interface Statement {
  readonly sql: string
  readonly effect: Effect
}
interface Migration {
  readonly file: string
  readonly version: number
  /** Only DML: one transaction, all or nothing. */
  readonly dmlOnly: boolean
  readonly statements: readonly Statement[]
}

const tag = (t: string): Statement => ({ sql: `INSERT INTO c_log (tag) VALUES ('${t}')`, effect: { tag: t } })
const HISTORY: readonly Migration[] = [
  {
    file: '001_schema.sql',
    version: 1,
    dmlOnly: false,
    statements: [
      {
        sql: 'CREATE TABLE c_items (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL)',
        effect: { table: 'c_items' },
      },
      {
        sql: 'CREATE TABLE c_log (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(10) NOT NULL)',
        effect: { table: 'c_log' },
      },
      tag('1.3'),
      { sql: 'CREATE TABLE c_big (id INT PRIMARY KEY, pad VARCHAR(100) NOT NULL)', effect: { table: 'c_big' } },
      { sql: 'ALTER TABLE c_items ADD COLUMN qty INT NOT NULL DEFAULT 0', effect: { column: 'c_items.qty' } },
      tag('1.6'),
    ],
  },
  {
    file: '002_bulk.sql',
    version: 2,
    dmlOnly: true,
    statements: [
      {
        sql: `INSERT INTO c_big (id, pad) SELECT seq, REPEAT('x', 80) FROM seq_1_to_${BIG_ROWS}`,
        effect: { bigRows: BIG_ROWS },
      },
      tag('2.2'),
    ],
  },
  {
    file: '003_rebuild.sql',
    version: 3,
    dmlOnly: false,
    statements: [
      tag('3.1'),
      {
        sql: 'ALTER TABLE c_big ADD COLUMN extra INT NOT NULL DEFAULT 0, ALGORITHM=COPY',
        effect: { column: 'c_big.extra' },
      },
      tag('3.3'),
      { sql: 'CREATE INDEX c_big_pad ON c_big (pad(20), id)', effect: { index: 'c_big.c_big_pad' } },
      {
        sql: 'CREATE PROCEDURE c_count(OUT n INT)\nBEGIN\n  SELECT COUNT(*) INTO n FROM c_big;\nEND',
        effect: { routine: 'c_count' },
      },
      tag('3.6'),
    ],
  },
  { file: '004_tags.sql', version: 4, dmlOnly: true, statements: [tag('4.1'), tag('4.2')] },
  {
    file: '005_tail.sql',
    version: 5,
    dmlOnly: false,
    statements: [
      { sql: 'CREATE VIEW c_summary AS SELECT COUNT(*) AS n FROM c_big', effect: { table: 'c_summary' } },
      tag('5.2'),
      { sql: 'ALTER TABLE c_log ADD COLUMN note VARCHAR(20)', effect: { column: 'c_log.note' } },
    ],
  },
]

function writeSkill(): { skills: string; migrations: string } {
  const skills = join(tempDir('glorious-my-crashes-'), 'skills')
  const folder = join(skills, SKILL)
  const migrations = join(folder, 'migrations')
  mkdirSync(migrations, { recursive: true })
  writeFileSync(join(folder, 'skill.json'), JSON.stringify({ name: SKILL }))
  for (const migration of HISTORY) {
    writeFileSync(
      join(migrations, migration.file),
      `-- ${migration.dmlOnly ? 'DML only' : 'DDL and DML'}\n${migration.statements.map((s) => `${s.sql};\n`).join('')}`,
    )
  }
  return { skills, migrations }
}

/** mulberry32: a small seeded generator, so a schedule can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The effects visible in the database, as `version.statement` keys, and every problem seen on the way. */
async function observedEffects(db: MysqlDatabase): Promise<{ present: Set<string>; problems: string[] }> {
  const tables = new Set(
    (await db.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()')).map((r) =>
      String(r.t),
    ),
  )
  const columns = new Set(
    (
      await db.query(
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
      )
    ).map((r) => String(r.c)),
  )
  const indexes = new Set(
    (
      await db.query(
        "SELECT DISTINCT CONCAT(TABLE_NAME, '.', INDEX_NAME) AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()",
      )
    ).map((r) => String(r.i)),
  )
  const routines = new Set(
    (await db.query('SELECT ROUTINE_NAME AS r FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()')).map(
      (r) => String(r.r),
    ),
  )
  const tags = new Map<string, number>()
  if (tables.has('c_log')) {
    for (const row of await db.query('SELECT tag, COUNT(*) AS n FROM c_log GROUP BY tag')) {
      tags.set(String(row.tag), Number(row.n))
    }
  }
  const bigRows = tables.has('c_big') ? Number((await db.query('SELECT COUNT(*) AS n FROM c_big'))[0]?.n) : 0
  const present = new Set<string>()
  const problems: string[] = []
  for (const migration of HISTORY) {
    migration.statements.forEach((statement, i) => {
      const key = `${migration.version}.${i + 1}`
      const e = statement.effect
      let seen: boolean
      if ('table' in e) seen = tables.has(e.table)
      else if ('column' in e) seen = columns.has(e.column)
      else if ('index' in e) seen = indexes.has(e.index)
      else if ('routine' in e) seen = routines.has(e.routine)
      else if ('tag' in e) {
        const n = tags.get(e.tag) ?? 0
        if (n > 1) problems.push(`statement ${key} took effect ${n} times`)
        seen = n > 0
      } else {
        if (bigRows !== 0 && bigRows !== e.bigRows) problems.push(`c_big holds ${bigRows} rows: a partial INSERT`)
        seen = bigRows === e.bigRows
      }
      if (seen) present.add(key)
    })
  }
  return { present, problems }
}

interface LedgerState {
  readonly version: number
  readonly status: string
  readonly applied: number
  readonly probe: number | undefined
}

async function ledgerOf(db: MysqlDatabase): Promise<LedgerState[]> {
  const exists = await db.query(
    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '_migrations'",
  )
  if (exists.length === 0) return []
  const rows = await db.query(
    'SELECT version, status, statements_applied, probe FROM _migrations WHERE skill_name = ? ORDER BY version',
    [SKILL],
  )
  return rows.map((row) => ({
    version: Number(row.version),
    status: String(row.status),
    applied: Number(row.statements_applied),
    probe: row.probe === null ? undefined : (JSON.parse(String(row.probe)) as { statement: number }).statement,
  }))
}

/**
 * Whether the recorded progress explains the effects: the statements it says applied are there,
 * the ones after are not, and only a statement recorded as under way may be either.
 */
function explain(ledger: readonly LedgerState[], observed: Set<string>): { problems: string[]; describe: string } {
  const problems: string[] = []
  const parts: string[] = []
  for (const migration of HISTORY) {
    const row = ledger.find((r) => r.version === migration.version)
    const total = migration.statements.length
    let certain: number
    let uncertain: number | undefined
    if (!row) {
      certain = 0
      parts.push(`${migration.version}: -`)
    } else if (row.status === 'applied') {
      certain = total
      parts.push(`${migration.version}: applied`)
    } else {
      certain = row.applied
      uncertain = row.probe
      if (migration.dmlOnly) problems.push(`DML-only migration ${migration.version} has a ${row.status} row`)
      if (uncertain !== undefined && uncertain !== certain + 1)
        problems.push(`migration ${migration.version}: the statement under way (${uncertain}) is not the next one`)
      parts.push(
        `${migration.version}: ${row.status} after ${row.applied} of ${total}${uncertain ? `, ${uncertain} under way` : ''}`,
      )
    }
    for (let i = 1; i <= total; i++) {
      const key = `${migration.version}.${i}`
      if (i === uncertain) {
        parts[parts.length - 1] += observed.has(key) ? ' (took effect)' : ' (did not take effect)'
        continue
      }
      const expected = i <= certain
      if (observed.has(key) !== expected)
        problems.push(
          `statement ${key} ${observed.has(key) ? 'took effect' : 'is missing'} but the ledger says ${parts.at(-1)}`,
        )
    }
  }
  return { problems, describe: parts.filter((p) => !p.endsWith(': -')).join('; ') || 'nothing recorded' }
}

/** Ledger (without times), ownership, schema dump and data: what a completed run must end with. */
async function finalState(db: MysqlDatabase): Promise<string> {
  const ledger = await db.query(
    `SELECT skill_name, version, filename, checksum, status, statements_applied, statements_total, statement_checksums,
            error, probe, source, sql_checksum FROM _migrations ORDER BY skill_name, version`,
  )
  const objects = await db.query('SELECT * FROM _migration_objects ORDER BY 1, 2, 3, 4')
  const log = await db.query('SELECT tag FROM c_log ORDER BY tag')
  const big = await db.query('SELECT COUNT(*) AS n, SUM(id) AS s FROM c_big')
  return [
    `ledger ${JSON.stringify(ledger)}`,
    `objects ${JSON.stringify(objects)}`,
    await db.schemaDump(),
    `c_log ${JSON.stringify(log)}`,
    `c_big ${JSON.stringify(big)}`,
  ].join('\n')
}

/** Waits until the server has ended every session of the killed process on this database. */
async function sessionsGone(db: MysqlDatabase): Promise<number> {
  const started = performance.now()
  for (;;) {
    const [row] = await db.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()',
    )
    if (Number(row?.n) === 0) return Math.round(performance.now() - started)
    if (performance.now() - started > 120_000) throw new Error('the killed session is still on the server after 120 s')
    await sleep(50)
  }
}

/**
 * Waits until the toolkit's lock is free: the server releases it as it tears the killed session
 * down, which can end a moment after the session left the process list. Returns how long that
 * took, or `undefined` when the lock is still held after 5 s (a leftover lock).
 */
async function lockReleased(db: MysqlDatabase): Promise<number | undefined> {
  const started = performance.now()
  if (!(await db.lockHeld())) return 0
  do {
    if (performance.now() - started > 5000) return undefined
    await sleep(20)
  } while (await db.lockHeld())
  return Math.max(1, Math.round(performance.now() - started))
}

type Kind = 'library' | 'cli'

/** A kill point's database and migrator, loaded ahead (a library worker waits at its barrier). */
interface Prepared {
  readonly kind: Kind
  readonly db: MysqlDatabase
  /** Starts the run (the library's clock starts at "go"; the CLI starts loading now). */
  start(): Promise<WorkerHandle>
  discard(): Promise<void>
}

async function prepare(kind: Kind, skills: string): Promise<Prepared> {
  const db = await freshDatabase(kind === 'cli' ? 'crash_cli' : 'crash')
  if (kind === 'cli') {
    const args = ['migrate', 'run', '--skills', skills, '--url', db.url, '--json', '--no-codegen']
    return {
      kind,
      db,
      start: async () => startWorker(GLORIOUS, args, { env: { HOME: '/nonexistent-home' } }),
      discard: () => db.drop(),
    }
  }
  const config: MysqlWorkerConfig = { url: db.url, skills }
  const worker = startWorker(WORKER, [JSON.stringify(config)], { barrier: true })
  return {
    kind,
    db,
    start: async () => {
      await withTimeout(worker.ready, 60_000, 'the worker did not get ready within 60 s')
      worker.go()
      return worker
    },
    discard: async () => {
      worker.kill()
      await db.drop()
    },
  }
}

interface KillPoint {
  readonly kind: Kind
  readonly atMs: number
  readonly state: string
  readonly underWay: boolean
  readonly problems: readonly string[]
}

const points: KillPoint[] = []
let redrawn = 0
/** Lock releases that came after the killed session had left the process list (ms each). */
const lateLockReleases: number[] = []
let fullRunMs = 0
const suiteStarted = performance.now()

describe('MariaDB: kill -9 at seeded moments of a run', () => {
  before(requireMysqlServer)
  after(() => {
    const lines = [
      `mysql crashes: seed ${SEED}: ${points.length} kill points (${points.filter((p) => p.kind === 'library').length} library, ` +
        `${points.filter((p) => p.kind === 'cli').length} CLI; unkilled run ${fullRunMs} ms; ${redrawn} redrawn because the run finished first), ` +
        `${points.filter((p) => p.underWay).length} with a statement under way, ` +
        `lock released after the session left the process list ${lateLockReleases.length ? `${lateLockReleases.length} times (at most ${Math.max(...lateLockReleases)} ms later)` : 'never'}, ` +
        `${points.filter((p) => p.problems.length === 0).length}/${points.length} explained by the recorded progress, lock free, rerun complete and identical to a serial run ` +
        `(${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`,
    ]
    for (const p of points) {
      lines.push(
        `  ${p.kind.padEnd(7)} at ${String(p.atMs).padStart(5)} ms: ${p.state}${p.problems.length ? ' — PROBLEMS' : ''}`,
      )
    }
    console.log(lines.join('\n'))
  })

  it(`${KILLS} kills: every state explained by the progress recorded, no lock left, a rerun completes it`, async () => {
    const { skills, migrations } = writeSkill()
    // The serial reference, unkilled (its duration bounds the kill moments).
    const reference = await prepare('library', skills)
    const started = performance.now()
    const serialResult = await (await reference.start()).result
    fullRunMs = Math.round(performance.now() - started)
    assert.equal(serialResult.code, 0, `${serialResult.stdout}${serialResult.stderr}`)
    const serial = await finalState(reference.db)
    const serialObserved = await observedEffects(reference.db)
    assert.equal(serialObserved.present.size, HISTORY.flatMap((m) => m.statements).length)
    await reference.db.drop()

    const next = random(SEED)
    const kindOf = (i: number): Kind => (i % 4 === 3 ? 'cli' : 'library')
    const problems: string[] = []
    let ahead: Prepared | undefined = await prepare(kindOf(0), skills)
    try {
      for (let i = 0; i < KILLS; i++) {
        const kind = kindOf(i)
        let point: KillPoint | undefined
        for (let attempt = 0; point === undefined; attempt++) {
          const current: Prepared = ahead ?? (await prepare(kind, skills))
          ahead = undefined
          const { db } = current
          // Stratified: kill i lands in the i-th slice of the run, stretched because a run beside the next
          // kill point's loading process is slower than the serial one (the CLI loads first: longer still).
          const atMs = Math.round(((i + next()) / KILLS) * fullRunMs * (kind === 'cli' ? 1.4 : 1.25))
          const worker = await current.start()
          await sleep(atMs)
          if (worker.exited && attempt < 5) {
            // Runs got faster than the serial one (the machine is shared): the window follows them.
            fullRunMs = Math.min(fullRunMs, atMs)
            redrawn++
            await db.drop()
            continue
          }
          worker.kill()
          await worker.result
          // The next kill point's process loads while this one is checked.
          if (i + 1 < KILLS) ahead = await prepare(kindOf(i + 1), skills)
          const mine: string[] = []
          await sessionsGone(db)
          const lockWaitMs = await lockReleased(db)
          if (lockWaitMs === undefined) mine.push('the GET_LOCK is still held 5 s after the killed session ended')
          else if (lockWaitMs > 0) lateLockReleases.push(lockWaitMs)
          const ledger = await ledgerOf(db)
          const observed = await observedEffects(db)
          mine.push(...observed.problems.map((p) => `after the kill: ${p}`))
          const explained = explain(ledger, observed.present)
          mine.push(...explained.problems.map((p) => `after the kill: ${p}`))

          // The rerun: a short lock timeout, so a lock left behind would fail it.
          const migrator = createMigrator({
            database: db.url,
            skill: SKILL,
            migrationsDir: migrations,
            codegen: false,
            lockTimeoutMs: 2000,
          })
          const rerun = await migrator.migrateToLatest()
          await migrator.destroy()
          if (rerun.error) mine.push(`the rerun failed: ${rerun.error.message}`)
          else {
            const state = await finalState(db)
            if (state !== serial)
              mine.push(`after the rerun, differs from a serial run:\n${firstDifference(serial, state)}`)
          }
          if (await db.lockHeld()) mine.push('the GET_LOCK is held after the rerun')
          await db.drop()
          point = {
            kind,
            atMs,
            state: explained.describe,
            underWay: ledger.some((row) => row.probe !== undefined && row.status === 'running'),
            problems: mine,
          }
        }
        points.push(point)
        problems.push(...point.problems.map((p) => `kill ${i} (${point?.kind} at ${point?.atMs} ms): ${p}`))
      }
    } finally {
      await ahead?.discard()
    }
    assert.deepEqual(problems, [])
    assert.ok(points.length >= 20 || KILLS < 20)
  })
})

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `  serial: ${a[i]?.slice(0, 400)}\n  rerun:  ${b[i]?.slice(0, 400)}`
  }
  return '(same lines)'
}

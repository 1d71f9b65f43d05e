// Races: several real processes, released at the same instant by a barrier, migrate one fresh
// database. Each migration must be applied by exactly one of them, none may fail, and the result
// must be identical to a serial run. Then the same with a slow migration that holds the lock
// longer than SQLite's default busy timeout (5 s): the waiters must wait, then find nothing to do.
//
// RACE_PROCESSES (8), RACE_ROUNDS (20 per journal mode), RACE_SLOW_ROUNDS (3 per journal mode),
// RACE_SLOW_ROWS (2,100,000; raised automatically when the serial run is not slow enough).
import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { raceProcesses } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import { type History, buildHistory, checkDatabase, openFresh, stateDump, writeHistory } from './history.js'
import type { WorkerConfig, WorkerReport } from './migrate-worker.js'

const WORKER = fileURLToPath(new URL('./migrate-worker.js', import.meta.url))
const SKILL = 'race'
const MIGRATIONS = 50
const PROCESSES = envNumber('RACE_PROCESSES', 8)
const ROUNDS = envNumber('RACE_ROUNDS', 20)
const SLOW_ROUNDS = envNumber('RACE_SLOW_ROUNDS', 3)
/** better-sqlite3's default busy timeout: the slow migration must hold the lock longer than this. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000
/** The serial run of the slow migration must take at least this long, or it is made bigger. */
const SLOW_TARGET_MS = 6000
const JOURNALS = ['delete', 'wal'] as const
type Journal = (typeof JOURNALS)[number]

function envNumber(name: string, fallback: number): number {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

/** One transaction for all 50 (nothing but the lock taken once). */
const PLAIN = buildHistory({ count: MIGRATIONS })
/**
 * Two `foreign_keys = OFF` table rebuilds (own transactions) and a no-transaction migration: a
 * run takes and releases the lock six times, so other processes can take turns in between.
 */
const REBUILDS = buildHistory({ count: MIGRATIONS, foreignKeysOffAt: [15, 35], noTransactionAt: [42] })
const slowHistory = (rows: number) =>
  buildHistory({ count: MIGRATIONS, foreignKeysOffAt: [15, 35], slow: [{ at: 25, rows, index: 'scrambled' }] })

interface Serial {
  /** Whether the runs generate db-types.ts (as the library does by default). */
  readonly codegen: boolean
  readonly dump: string
  /** The generated db-types.ts, or '(missing)'. */
  readonly types: string
  readonly slowMs: number | undefined
  readonly elapsedMs: number
}

interface RoundResult {
  readonly failed: number
  /** Versions applied by more than one process. */
  readonly doubles: readonly number[]
  readonly problems: readonly string[]
  readonly identical: boolean
  readonly reports: readonly WorkerReport[]
  readonly slowMs: number | undefined
  readonly wallMs: number
}

interface Figures {
  runs: number
  failed: number
  doubles: number
  rounds: number
  identical: number
  wallMs: number
  /** Processes that found nothing to do after waiting (slow variant). */
  idleWaiters: number
  minWaitMs: number
  slowMs: number[]
  transactionsSeen: number
}

const figures: Record<string, Figures> = {}
const figuresFor = (key: string): Figures =>
  (figures[key] ??= {
    runs: 0,
    failed: 0,
    doubles: 0,
    rounds: 0,
    identical: 0,
    wallMs: 0,
    idleWaiters: 0,
    minWaitMs: Infinity,
    slowMs: [],
    transactionsSeen: 0,
  })

const suiteStarted = performance.now()
after(() => {
  const lines = Object.entries(figures).map(
    ([key, f]) =>
      `races ${key}: ${PROCESSES} processes × ${f.rounds} rounds: ${f.runs} runs, ${f.failed} failed processes, ` +
      `${f.doubles} double applications, schema+data identical to serial: ${f.identical === f.rounds ? 'yes' : `no (${f.rounds - f.identical} rounds differ)`}` +
      (f.slowMs.length > 0
        ? `; slow migration ${Math.min(...f.slowMs)}–${Math.max(...f.slowMs)} ms, ${f.idleWaiters} waiters found nothing to do, shortest wait ${f.minWaitMs} ms (> ${DEFAULT_BUSY_TIMEOUT_MS} ms)`
        : '') +
      ` (${(f.wallMs / 1000).toFixed(1)} s)`,
  )
  const total = Object.values(figures).reduce(
    (sum, f) => ({
      runs: sum.runs + f.runs,
      failed: sum.failed + f.failed,
      doubles: sum.doubles + f.doubles,
      rounds: sum.rounds + f.rounds,
      identical: sum.identical + f.identical,
    }),
    { runs: 0, failed: 0, doubles: 0, rounds: 0, identical: 0 },
  )
  lines.push(
    `races total: ${total.rounds} rounds, ${total.runs} runs, ${total.failed} failed processes, ${total.doubles} double applications, ` +
      `schema+data identical to serial: ${total.identical === total.rounds ? 'yes' : 'no'} (${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`,
  )
  console.log(lines.join('\n'))
})

function workerArgs(database: string, migrationsDir: string, journal: Journal, codegen: boolean): string[] {
  const config: WorkerConfig = { database, migrationsDir, skill: SKILL, journalMode: journal, codegen }
  return [JSON.stringify(config)]
}

function parseReport(stdout: string): WorkerReport | undefined {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1)
  return line ? (JSON.parse(line) as WorkerReport) : undefined
}

function slowDuration(database: string, history: History): number | undefined {
  const slow = history.migrations.find((m) => m.kind === 'slow')
  if (!slow) return undefined
  const db = openFresh(database)
  try {
    return Number(
      db
        .prepare('SELECT duration_ms FROM _migrations WHERE skill_name = ? AND version = ?')
        .pluck()
        .get(SKILL, slow.version),
    )
  } finally {
    db.close()
  }
}

/** The same history applied by one process alone: what every race must end with. */
async function serialRun(
  root: string,
  name: string,
  history: History,
  journal: Journal,
  integrity: IntegrityCheck,
  codegen: boolean,
): Promise<Serial> {
  const dir = writeHistory(root, name, history)
  const database = join(root, name, 'agent.db')
  const started = performance.now()
  const [result] = await raceProcesses(WORKER, workerArgs(database, dir, journal, codegen), 1)
  const elapsedMs = Math.round(performance.now() - started)
  assert.equal(result?.code, 0, `serial run failed: ${result?.stdout}${result?.stderr}`)
  const db = openFresh(database)
  let dump: string
  try {
    const check = checkDatabase(db, history, SKILL, integrity)
    assert.deepEqual(check.problems, [], 'the serial run itself is inconsistent')
    assert.equal(check.ledger.length, MIGRATIONS)
    dump = stateDump(db)
  } finally {
    db.close()
  }
  const types = readTypes(join(root, name))
  assert.equal(types === '(missing)', !codegen)
  const slowMs = slowDuration(database, history)
  rmSync(join(root, name), { recursive: true, force: true })
  return { codegen, dump, types, slowMs, elapsedMs }
}

type IntegrityCheck = 'integrity_check' | 'quick_check'

/** One round: PROCESSES workers released at once on a fresh database, and the database checked. */
async function raceRound(
  root: string,
  name: string,
  history: History,
  journal: Journal,
  serial: Serial,
  integrity: IntegrityCheck,
): Promise<RoundResult> {
  const dir = writeHistory(root, name, history)
  const database = join(root, name, 'agent.db')
  const started = performance.now()
  const results = await raceProcesses(WORKER, workerArgs(database, dir, journal, serial.codegen), PROCESSES, {
    timeoutMs: 180_000,
  })
  const wallMs = Math.round(performance.now() - started)
  const problems: string[] = []
  const reports: WorkerReport[] = []
  let failed = 0
  results.forEach((result, index) => {
    const report = parseReport(result.stdout)
    if (result.code !== 0 || !report || report.error) {
      failed++
      problems.push(
        `process ${index} failed (exit ${result.code ?? result.signal}): ${report?.error ?? ''} ${result.stderr.trim()}`.trim(),
      )
    }
    if (report) reports.push(report)
  })
  const appliedBy = new Map<number, number>()
  for (const report of reports)
    for (const version of report.applied) appliedBy.set(version, (appliedBy.get(version) ?? 0) + 1)
  const doubles = [...appliedBy].filter(([, n]) => n > 1).map(([version]) => version)
  if (doubles.length > 0) problems.push(`applied by more than one process: ${doubles.join(', ')}`)
  const never = history.migrations.filter((m) => !appliedBy.has(m.version)).map((m) => m.version)
  if (never.length > 0) problems.push(`applied by no process: ${never.join(', ')}`)

  const db = openFresh(database)
  let identical = false
  try {
    const check = checkDatabase(db, history, SKILL, integrity)
    problems.push(...check.problems)
    if (check.ledger.length !== MIGRATIONS)
      problems.push(`ledger has ${check.ledger.length} rows, expected ${MIGRATIONS}`)
    const logRows = db.prepare('SELECT count(*) AS n, count(DISTINCT n) AS d FROM log').get() as {
      n: number
      d: number
    }
    if (logRows.n !== MIGRATIONS || logRows.d !== MIGRATIONS)
      problems.push(`log has ${logRows.n} rows (${logRows.d} distinct)`)
    const mode = String(db.pragma('journal_mode', { simple: true }))
    if (mode !== journal) problems.push(`journal mode is ${mode}, expected ${journal}`)
    const dump = stateDump(db)
    identical = dump === serial.dump
    if (!identical) problems.push(`schema+data differ from the serial run:\n${firstDifference(serial.dump, dump)}`)
  } finally {
    db.close()
  }
  if (readTypes(join(root, name)) !== serial.types)
    problems.push('db-types.ts differs from the one the serial run generated')
  const slowMs = slowDuration(database, history)
  rmSync(join(root, name), { recursive: true, force: true })
  return { failed, doubles, problems, identical, reports, slowMs, wallMs }
}

function readTypes(skillFolder: string): string {
  const file = join(skillFolder, 'db-types.ts')
  return existsSync(file) ? readFileSync(file, 'utf8') : '(missing)'
}

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `  serial: ${a[i]?.slice(0, 300)}\n  race:   ${b[i]?.slice(0, 300)}`
  }
  return '(same lines)'
}

function record(key: string, round: RoundResult): Figures {
  const f = figuresFor(key)
  f.rounds++
  f.runs += PROCESSES
  f.failed += round.failed
  f.doubles += round.doubles.length
  f.wallMs += round.wallMs
  if (round.identical) f.identical++
  f.transactionsSeen += round.reports.filter((r) => r.applied.length > 0).length
  return f
}

let slowSerialRun: Promise<{ history: History; rows: number; serial: Serial }> | undefined

/**
 * The slow history and its serial run (in rollback-journal mode; shared by both journal modes: the
 * result does not depend on it), with the migration made bigger until it takes SLOW_TARGET_MS.
 */
function slowSerial(): Promise<{ history: History; rows: number; serial: Serial }> {
  slowSerialRun ??= (async () => {
    const root = tempDir('glorious-races-serial-')
    let rows = envNumber('RACE_SLOW_ROWS', 2_100_000)
    let history = slowHistory(rows)
    let serial = await serialRun(root, 'serial-slow', history, 'delete', 'quick_check', true)
    for (let attempt = 0; (serial.slowMs ?? 0) < SLOW_TARGET_MS && attempt < 2; attempt++) {
      rows =
        Math.ceil((rows * Math.min(3, (SLOW_TARGET_MS * 1.15) / Math.max(1, serial.slowMs ?? 1))) / 100_000) * 100_000
      history = slowHistory(rows)
      serial = await serialRun(root, 'serial-slow', history, 'delete', 'quick_check', true)
    }
    return { history, rows, serial }
  })()
  return slowSerialRun
}

describe('races: processes released at the same instant on one fresh database', () => {
  for (const journal of JOURNALS) {
    it(`${PROCESSES} processes × ${ROUNDS} rounds (${journal}): every migration applied exactly once, no failure, same result as a serial run`, async () => {
      const root = tempDir('glorious-races-')
      const serial = {
        // Types are generated where several processes may apply (and write them) in one round.
        plain: await serialRun(root, 'serial-plain', PLAIN, journal, 'integrity_check', false),
        rebuilds: await serialRun(root, 'serial-rebuilds', REBUILDS, journal, 'integrity_check', true),
      }
      const problems: string[] = []
      // Even rounds: one transaction (and no codegen: one process applies everything). Odd rounds:
      // foreign_keys=OFF rebuilds and a no-transaction migration, so the lock is released and taken
      // again mid-run and several processes may apply some and then generate the types.
      for (let round = 0; round < ROUNDS && problems.length <= 20; round++) {
        const variant = round % 2 === 0 ? 'plain' : 'rebuilds'
        const history = variant === 'plain' ? PLAIN : REBUILDS
        const result = await raceRound(root, `round-${round}`, history, journal, serial[variant], 'integrity_check')
        record(journal, result)
        problems.push(...result.problems.map((p) => `round ${round} (${variant}): ${p}`))
      }
      const f = figuresFor(journal)
      console.log(
        `races (${journal}): ${f.rounds} rounds × ${PROCESSES} processes, ${f.failed} failed, ${f.doubles} double applications, ` +
          `${f.identical}/${f.rounds} identical to serial, ${f.transactionsSeen} processes applied something (${(f.wallMs / 1000).toFixed(1)} s)`,
      )
      assert.deepEqual(problems, [])
      assert.equal(f.rounds, ROUNDS)
      assert.equal(f.failed, 0)
      assert.equal(f.doubles, 0)
      assert.equal(f.identical, ROUNDS)
    })
  }

  for (const journal of JOURNALS) {
    it(`${PROCESSES} processes × ${SLOW_ROUNDS} rounds (${journal}) with a migration slower than the default busy timeout: waiters wait, then find nothing to do`, async () => {
      const root = tempDir('glorious-races-slow-')
      const { history, rows, serial } = await slowSerial()
      console.log(
        `races slow (${journal}): ${rows} rows, the slow migration alone takes ${serial.slowMs} ms (serial run ${serial.elapsedMs} ms)`,
      )
      assert.ok((serial.slowMs ?? 0) > DEFAULT_BUSY_TIMEOUT_MS, `the slow migration took only ${serial.slowMs} ms`)

      const key = `slow ${journal}`
      const problems: string[] = []
      for (let round = 0; round < SLOW_ROUNDS; round++) {
        // A quick_check: a full integrity_check of the 2-million-row index takes seconds.
        const result = await raceRound(root, `slow-${round}`, history, journal, serial, 'quick_check')
        const f = record(key, result)
        f.slowMs.push(result.slowMs ?? 0)
        if ((result.slowMs ?? 0) <= DEFAULT_BUSY_TIMEOUT_MS)
          problems.push(`round ${round}: the slow migration took only ${result.slowMs} ms`)
        // Everyone was released before the slow migration committed, so everyone waited for it.
        for (const report of result.reports) {
          f.minWaitMs = Math.min(f.minWaitMs, report.elapsedMs)
          if (report.elapsedMs <= DEFAULT_BUSY_TIMEOUT_MS)
            problems.push(`round ${round}: a process finished after ${report.elapsedMs} ms`)
        }
        const idle = result.reports.filter((r) => r.applied.length === 0).length
        f.idleWaiters += idle
        if (idle === 0) problems.push(`round ${round}: no process found nothing to do`)
        problems.push(...result.problems.map((p) => `round ${round}: ${p}`))
      }
      const f = figuresFor(key)
      console.log(
        `races slow (${journal}): ${f.rounds} rounds × ${PROCESSES} processes, ${f.failed} failed, ${f.doubles} double applications, ` +
          `${f.identical}/${f.rounds} identical to serial, slow migration ${f.slowMs.join('/')} ms, ${f.idleWaiters} waiters found nothing to do, ` +
          `shortest process ${f.minWaitMs} ms (${(f.wallMs / 1000).toFixed(1)} s)`,
      )
      assert.deepEqual(problems, [])
      assert.equal(f.failed, 0)
      assert.equal(f.doubles, 0)
      assert.equal(f.identical, SLOW_ROUNDS)
    })
  }
})

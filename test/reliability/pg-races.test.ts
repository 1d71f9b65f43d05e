// Races on PostgreSQL: 8 real processes (the library in test/reliability/migrate-worker.ts),
// loaded and then released at the same instant by a barrier, migrate one skill on a fresh
// database, 20 rounds. Each migration must be applied by exactly one process (ledger rows
// unique, `log` and `counter` count each once), none may fail, the schema, data and ledger must
// equal a serial run's, the generated types too, and no advisory lock or session may be left.
//
// The history (20 migrations) has a `-- glorious:no-transaction` file of five statements and a
// CREATE INDEX CONCURRENTLY file: the holder of the session lock runs them outside a transaction
// while the others poll for the lock (holding no snapshot, or the CONCURRENTLY would wait forever).
//
// PG_RACE_PROCESSES (8), PG_RACE_ROUNDS (20). Needs the server at 127.0.0.1:5432.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { type PgDatabase, adminQuery, advisoryLocks, createDatabase, waitForNoBackends } from '../helpers/pg-server.js'
import { type PreparedRace, prepareRace } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import type { WorkerConfig, WorkerReport } from './migrate-worker.js'
import { type PgHistory, buildPgHistory, checkPgDatabase, pgStateDump, writePgHistory } from './pg-history.js'

const WORKER = fileURLToPath(new URL('./migrate-worker.js', import.meta.url))
const SKILL = 'race'
const MIGRATIONS = 20
const PROCESSES = envNumber('PG_RACE_PROCESSES', 8)
const ROUNDS = envNumber('PG_RACE_ROUNDS', 20)

function envNumber(name: string, fallback: number): number {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

const HISTORY: PgHistory = buildPgHistory({
  count: MIGRATIONS,
  rows: 5_000,
  slowAt: [6],
  noTransactionAt: [10],
  concurrentlyAt: [14],
})

/** Migrations that insert into `log` (a CONCURRENTLY-only file cannot). */
const LOGGED = HISTORY.migrations.filter((m) => m.kind !== 'concurrently').length

interface Round {
  readonly failed: number
  readonly doubles: readonly number[]
  readonly problems: readonly string[]
  readonly identical: boolean
  /** Processes that applied at least one migration. */
  readonly appliers: number
  readonly wallMs: number
}

const totals = { rounds: 0, runs: 0, failed: 0, doubles: 0, identical: 0, appliers: 0, locksLeft: 0, wallMs: 0 }
const started = performance.now()
after(() => {
  console.log(
    `pg races: ${PROCESSES} processes × ${totals.rounds} rounds: ${totals.runs} runs, ${totals.failed} failed processes, ` +
      `${totals.doubles} double applications, schema+data+ledger identical to serial: ` +
      `${totals.identical}/${totals.rounds}, rounds where more than one process applied something: ${totals.appliers}, ` +
      `advisory locks or sessions left: ${totals.locksLeft} (races ${(totals.wallMs / 1000).toFixed(1)} s, suite ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s)`,
  )
})

function parseReport(stdout: string): WorkerReport | undefined {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1)
  return line ? (JSON.parse(line) as WorkerReport) : undefined
}

function prepare(db: PgDatabase, dir: string, count: number, codegen: boolean): PreparedRace {
  const config: WorkerConfig = { database: db.url, migrationsDir: dir, skill: SKILL, codegen }
  return prepareRace(WORKER, [JSON.stringify(config)], count, { timeoutMs: 120_000 })
}

function readTypes(dir: string): string {
  const file = join(dir, '..', 'db-types.ts')
  return existsSync(file) ? readFileSync(file, 'utf8') : '(missing)'
}

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) return `  serial: ${a[i]?.slice(0, 400)}\n  race:   ${b[i]?.slice(0, 400)}`
  return '(same lines)'
}

interface Serial {
  readonly dump: string
  readonly types: string
}

describe('PostgreSQL races: processes released at the same instant on one fresh database', () => {
  before(async () => {
    await adminQuery('SELECT 1') // fails clearly when the server is down
  })

  it(`${PROCESSES} processes × ${ROUNDS} rounds: every migration applied exactly once, no failure, same result as a serial run, no lock left`, async () => {
    const root = tempDir('glorious-pg-races-')
    const serial: Record<'plain' | 'codegen', Serial> = {
      plain: await serialRun(root, 'serial-plain', false),
      codegen: await serialRun(root, 'serial-codegen', true),
    }
    const problems: string[] = []
    // Types are generated in every tenth round (by the process that applied: ts-morph is slow to
    // load on a busy machine). The next round's database and workers are made while this one is checked.
    const codegenIn = (round: number) => round % 10 === 9
    let next: Promise<Prepared> | undefined = prepareRound(root, 'round-0', codegenIn(0))
    for (let round = 0; round < ROUNDS && next; round++) {
      const current = await next
      next = round + 1 < ROUNDS ? prepareRound(root, `round-${round + 1}`, codegenIn(round + 1)) : undefined
      const codegen = codegenIn(round)
      const result = await raceRound(current, serial[codegen ? 'codegen' : 'plain'])
      totals.rounds++
      totals.runs += PROCESSES
      totals.failed += result.failed
      totals.doubles += result.doubles.length
      totals.wallMs += result.wallMs
      if (result.identical) totals.identical++
      if (result.appliers > 1) totals.appliers++
      problems.push(...result.problems.map((p) => `round ${round}: ${p}`))
      if (problems.length > 20) break
    }
    if (next) {
      const unused = await next
      unused.race.kill()
      await unused.db.drop()
    }
    assert.deepEqual(problems, [])
    assert.equal(totals.rounds, ROUNDS)
    assert.equal(totals.failed, 0)
    assert.equal(totals.doubles, 0)
    assert.equal(totals.identical, ROUNDS)
    assert.equal(totals.locksLeft, 0)
  })
})

/** The history applied by one process alone: what every round must end with. */
async function serialRun(root: string, name: string, codegen: boolean): Promise<Serial> {
  const dir = writePgHistory(root, name, HISTORY)
  const db = await createDatabase('race')
  try {
    const [result] = await prepare(db, dir, 1, codegen).run()
    assert.equal(result?.code, 0, `serial run failed: ${result?.stdout}${result?.stderr}`)
    const check = await checkPgDatabase(db, HISTORY, SKILL)
    assert.deepEqual(check.problems, [], 'the serial run itself is inconsistent')
    assert.equal(check.ledger.length, MIGRATIONS)
    const types = readTypes(dir)
    assert.equal(types === '(missing)', !codegen)
    return { dump: await pgStateDump(db), types }
  } finally {
    await db.drop()
    rmSync(join(root, name), { recursive: true, force: true })
  }
}

interface Prepared {
  readonly name: string
  readonly root: string
  readonly dir: string
  readonly db: PgDatabase
  readonly race: PreparedRace
}

async function prepareRound(root: string, name: string, codegen: boolean): Promise<Prepared> {
  const dir = writePgHistory(root, name, HISTORY)
  const db = await createDatabase('race')
  return { name, root, dir, db, race: prepare(db, dir, PROCESSES, codegen) }
}

async function raceRound(prepared: Prepared, serial: Serial): Promise<Round> {
  const { name, root, dir, db, race } = prepared
  try {
    const t0 = performance.now()
    const results = await race.run()
    const wallMs = Math.round(performance.now() - t0)
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
    const never = HISTORY.migrations.filter((m) => !appliedBy.has(m.version)).map((m) => m.version)
    if (never.length > 0) problems.push(`applied by no process: ${never.join(', ')}`)

    // Every process has exited and closed its pool: no session and no advisory lock may remain.
    const sessions = await waitForNoBackends(db.name, 5000)
    const locks = await advisoryLocks(db.name)
    if (sessions.length > 0 || locks.length > 0) {
      totals.locksLeft++
      problems.push(`left behind: ${JSON.stringify({ sessions, locks })}`)
    }

    const check = await checkPgDatabase(db, HISTORY, SKILL)
    problems.push(...check.problems)
    if (check.ledger.length !== MIGRATIONS)
      problems.push(`ledger has ${check.ledger.length} rows, expected ${MIGRATIONS}`)
    const ledgerKeys = await db.query<{ n: string; d: string }>(
      `SELECT count(*) AS n, count(DISTINCT (skill_name, version)) AS d FROM _migrations`,
    )
    if (ledgerKeys[0]?.n !== String(MIGRATIONS) || ledgerKeys[0]?.d !== String(MIGRATIONS))
      problems.push(`ledger rows ${JSON.stringify(ledgerKeys[0])}`)
    const logRows = await db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT n) AS d FROM log')
    if (logRows[0]?.n !== String(LOGGED) || logRows[0]?.d !== String(LOGGED))
      problems.push(`log has ${logRows[0]?.n} rows (${logRows[0]?.d} distinct)`)
    const dump = await pgStateDump(db)
    const identical = dump === serial.dump
    if (!identical) problems.push(`schema+data differ from the serial run:\n${firstDifference(serial.dump, dump)}`)
    if (readTypes(dir) !== serial.types) problems.push('db-types.ts differs from the one the serial run generated')
    if (process.env.PG_RACE_VERBOSE)
      console.log(`${name}: ${wallMs} ms, ${reports.map((r) => `${r.applied.length}/${r.elapsedMs}ms`).join(' ')}`)
    const appliers = reports.filter((r) => r.applied.length > 0).length
    return { failed, doubles, problems, identical, appliers, wallMs }
  } finally {
    await db.drop()
    rmSync(join(root, name), { recursive: true, force: true })
  }
}

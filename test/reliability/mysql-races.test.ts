// Races on MariaDB: 8 real processes started together migrate the same two skills into one fresh
// database, 20 rounds (a fresh database each round). Three rounds in four: library workers
// released at the same instant by a barrier; every fourth: the CLI (`glorious migrate run
// --json`), 8 processes spawned at once. Every round: no process fails, every migration is applied by exactly one
// process (reports, ledger rows unique, a side-effect INSERT per migration counted once), the
// ledger, schema (mariadb-dump) and data equal a serial run's, and the toolkit's GET_LOCK is free
// (IS_USED_LOCK is NULL) afterwards.
//
// MYSQL_RACE_PROCESSES (8), MYSQL_RACE_ROUNDS (20).
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { GLORIOUS } from '../helpers/cli.js'
import { type MysqlDatabase, freshDatabase, requireMysqlServer } from '../helpers/mysql-server.js'
import { type PreparedRace, type ProcessResult, prepareRace, startWorker, withTimeout } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import type { MysqlWorkerConfig, MysqlWorkerReport } from './mysql-race-worker.js'

const WORKER = fileURLToPath(new URL('./mysql-race-worker.js', import.meta.url))
const PROCESSES = envNumber('MYSQL_RACE_PROCESSES', 8)
const ROUNDS = envNumber('MYSQL_RACE_ROUNDS', 20)

function envNumber(name: string, fallback: number): number {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

/**
 * Two skills; each migration inserts its version into the skill's log table (the side effect
 * that shows a double application). DDL with DML (statement by statement, with progress), DML
 * only (one transaction), a procedure without DELIMITER, a view.
 */
const SKILLS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  inventory: {
    '001_items.sql':
      'CREATE TABLE inv_items (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE);\n' +
      'CREATE TABLE inv_log (id INT AUTO_INCREMENT PRIMARY KEY, version INT NOT NULL);\n' +
      'INSERT INTO inv_log (version) VALUES (1);\n',
    '002_seed.sql':
      "INSERT INTO inv_items (id, code) VALUES (1, 'a'), (2, 'b');\nINSERT INTO inv_log (version) VALUES (2);\n",
    '003_qty.sql':
      'ALTER TABLE inv_items ADD COLUMN qty INT NOT NULL DEFAULT 0;\n' +
      'UPDATE inv_items SET qty = id * 10;\n' +
      'INSERT INTO inv_log (version) VALUES (3);\n' +
      'CREATE INDEX inv_items_qty ON inv_items (qty);\n',
    '004_count.sql':
      'CREATE PROCEDURE inv_count(OUT n INT)\nBEGIN\n  SELECT COUNT(*) INTO n FROM inv_items;\nEND;\n' +
      'INSERT INTO inv_log (version) VALUES (4);\n',
    '005_restock.sql': 'UPDATE inv_items SET qty = qty + 1;\nINSERT INTO inv_log (version) VALUES (5);\n',
  },
  audit: {
    '001_events.sql':
      'CREATE TABLE audit_events (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40) NOT NULL);\n' +
      'CREATE TABLE audit_log (id INT AUTO_INCREMENT PRIMARY KEY, version INT NOT NULL);\n' +
      'INSERT INTO audit_log (version) VALUES (1);\n',
    '002_recent.sql':
      'CREATE VIEW audit_recent AS SELECT id, what FROM audit_events ORDER BY id DESC LIMIT 10;\n' +
      'INSERT INTO audit_log (version) VALUES (2);\n',
    '003_first.sql':
      "INSERT INTO audit_events (what) VALUES ('created');\nINSERT INTO audit_log (version) VALUES (3);\n",
  },
}
const LOGS: Readonly<Record<string, string>> = { inventory: 'inv_log', audit: 'audit_log' }
const ALL = Object.entries(SKILLS).flatMap(([skill, files]) =>
  Object.keys(files).map((file) => `${skill}:${Number(file.slice(0, 3))}`),
)

function skillsFolder(): string {
  const root = join(tempDir('glorious-my-races-'), 'skills')
  for (const [skill, files] of Object.entries(SKILLS)) {
    const folder = join(root, skill)
    mkdirSync(join(folder, 'migrations'), { recursive: true })
    writeFileSync(join(folder, 'skill.json'), JSON.stringify({ name: skill }))
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, 'migrations', name), text)
  }
  return root
}

/** Ledger (without times), schema dump, data and side effects: what a round must end with. */
async function finalState(db: MysqlDatabase): Promise<string> {
  const ledger = await db.query(
    `SELECT skill_name, version, filename, checksum, status, statements_applied, statements_total, statement_checksums,
            error, probe, source, sql_checksum, types_pending FROM _migrations ORDER BY skill_name, version`,
  )
  const objects = await db.query('SELECT * FROM _migration_objects ORDER BY 1, 2, 3, 4')
  const items = await db.query('SELECT * FROM inv_items ORDER BY id')
  const events = await db.query('SELECT * FROM audit_events ORDER BY id')
  const logs = await Promise.all(
    Object.values(LOGS).map((log) => db.query(`SELECT version FROM ${log} ORDER BY version`)),
  )
  return [
    `ledger ${JSON.stringify(ledger)}`,
    `objects ${JSON.stringify(objects)}`,
    await db.schemaDump(),
    `inv_items ${JSON.stringify(items)}`,
    `audit_events ${JSON.stringify(events)}`,
    `logs ${JSON.stringify(logs)}`,
  ].join('\n')
}

type Mode = 'library' | 'cli'

interface Round {
  readonly db: MysqlDatabase
  readonly mode: Mode
  run(): Promise<ProcessResult[]>
  kill(): void
}

/** Starts a round's processes (library workers wait at the barrier until `run`). */
async function startRound(mode: Mode, skills: string, processes: number): Promise<Round> {
  const db = await freshDatabase('races')
  if (mode === 'library') {
    const config: MysqlWorkerConfig = { url: db.url, skills, lockTimeoutMs: 120_000 }
    const race: PreparedRace = prepareRace(WORKER, [JSON.stringify(config)], processes, { timeoutMs: 180_000 })
    return { db, mode, run: () => race.run(), kill: () => race.kill() }
  }
  const args = [
    'migrate',
    'run',
    '--skills',
    skills,
    '--url',
    db.url,
    '--json',
    '--no-codegen',
    '--lock-timeout',
    '120000',
  ]
  let workers: ReturnType<typeof startWorker>[] = []
  return {
    db,
    mode,
    run: async () => {
      workers = Array.from({ length: processes }, () =>
        startWorker(GLORIOUS, args, { env: { HOME: '/nonexistent-home' } }),
      )
      try {
        return await withTimeout(
          Promise.all(workers.map((worker) => worker.result)),
          180_000,
          'the CLI processes did not all finish within 180 s (a hang?)',
        )
      } finally {
        for (const worker of workers) worker.kill()
      }
    },
    kill: () => {
      for (const worker of workers) worker.kill()
    },
  }
}

/** What one process applied, and its error, from its output. */
function reportOf(mode: Mode, result: ProcessResult): MysqlWorkerReport {
  try {
    if (mode === 'library') {
      const line = result.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1)
      return JSON.parse(line ?? 'null') as MysqlWorkerReport
    }
    const json = JSON.parse(result.stdout) as {
      ok: boolean
      applied: { skill: string; version: number }[]
      error: { message: string } | null
    }
    return {
      applied: json.applied.map((m) => `${m.skill}:${m.version}`),
      error: json.ok ? undefined : (json.error?.message ?? 'not ok'),
    }
  } catch {
    return { applied: [], error: `unreadable output: ${result.stdout.slice(0, 300)} ${result.stderr.slice(0, 300)}` }
  }
}

const totals = { rounds: 0, runs: 0, failed: 0, doubles: 0, identical: 0, lockLeft: 0, busyRounds: 0, wallMs: 0 }
const byMode: Record<Mode, number> = { library: 0, cli: 0 }

describe('MariaDB races: processes started together on one fresh database', () => {
  before(requireMysqlServer)
  after(() => {
    console.log(
      `mysql races: ${PROCESSES} processes × ${totals.rounds} rounds (${byMode.library} library with a barrier, ${byMode.cli} CLI): ` +
        `${totals.runs} runs, ${totals.failed} failed, ${totals.doubles} double applications, ` +
        `ledger+schema+data identical to serial ${totals.identical}/${totals.rounds}, locks left ${totals.lockLeft}, ` +
        `rounds where the applications were split between processes ${totals.busyRounds} (${(totals.wallMs / 1000).toFixed(1)} s)`,
    )
  })

  it(`${PROCESSES} processes × ${ROUNDS} rounds: 0 failed, 0 double applications, same result as a serial run, no lock left`, async () => {
    const skills = skillsFolder()
    // The serial run: one process alone.
    const serialRound = await startRound('library', skills, 1)
    const [serialResult] = await serialRound.run()
    assert.equal(serialResult?.code, 0, `${serialResult?.stdout}${serialResult?.stderr}`)
    assert.deepEqual(reportOf('library', serialResult as ProcessResult).applied.sort(), [...ALL].sort())
    const serial = await finalState(serialRound.db)
    await serialRound.db.drop()

    const problems: string[] = []
    // Library workers load while the previous round is checked; CLI processes load as the round starts.
    const modeOf = (round: number): Mode => (round % 4 === 3 ? 'cli' : 'library')
    let next: Round | undefined = await startRound(modeOf(0), skills, PROCESSES)
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const current: Round = next as Round
        const started = performance.now()
        const results = await current.run()
        totals.wallMs += performance.now() - started
        // Load the next round's processes while this one is checked.
        next = round + 1 < ROUNDS ? await startRound(modeOf(round + 1), skills, PROCESSES) : undefined

        totals.rounds++
        byMode[current.mode]++
        totals.runs += results.length
        const appliedBy = new Map<string, number>()
        let appliers = 0
        results.forEach((result, index) => {
          const report = reportOf(current.mode, result)
          if (result.code !== 0 || report.error) {
            totals.failed++
            problems.push(
              `round ${round} (${current.mode}) process ${index}: exit ${result.code ?? result.signal}: ${report.error ?? ''} ${result.stderr.trim()}`,
            )
          }
          if (report.applied.length > 0) appliers++
          for (const key of report.applied) appliedBy.set(key, (appliedBy.get(key) ?? 0) + 1)
        })
        if (appliers > 1) totals.busyRounds++
        const doubles = [...appliedBy].filter(([, n]) => n > 1).map(([key]) => key)
        totals.doubles += doubles.length
        if (doubles.length > 0) problems.push(`round ${round}: applied by more than one process: ${doubles.join(', ')}`)
        const never = ALL.filter((key) => !appliedBy.has(key))
        if (never.length > 0) problems.push(`round ${round}: applied by no process: ${never.join(', ')}`)

        const { db } = current
        if (appliedBy.size === 0) {
          // Nobody applied anything: the failures above say why; the database has nothing to check.
          await db.drop()
          continue
        }
        const duplicates = await db.query(
          'SELECT skill_name, version, COUNT(*) AS n FROM _migrations GROUP BY skill_name, version HAVING n > 1',
        )
        if (duplicates.length > 0) problems.push(`round ${round}: duplicate ledger rows ${JSON.stringify(duplicates)}`)
        for (const [skill, log] of Object.entries(LOGS)) {
          const counts = await db.query(`SELECT version, COUNT(*) AS n FROM ${log} GROUP BY version ORDER BY version`)
          const expected = Object.keys(SKILLS[skill] ?? {}).map((_, i) => ({ version: i + 1, n: 1 }))
          if (JSON.stringify(counts) !== JSON.stringify(expected)) {
            totals.doubles += counts.filter((row) => Number(row.n) > 1).length
            problems.push(`round ${round}: ${log} side effects ${JSON.stringify(counts)}`)
          }
        }
        const state = await finalState(db)
        if (state === serial) totals.identical++
        else problems.push(`round ${round}: differs from the serial run:\n${firstDifference(serial, state)}`)
        if (await db.lockHeld()) {
          totals.lockLeft++
          problems.push(`round ${round}: the GET_LOCK is still held`)
        }
        await db.drop()
      }
    } finally {
      next?.kill()
    }
    assert.deepEqual(problems, [])
    assert.equal(totals.rounds, ROUNDS)
    assert.equal(totals.failed, 0)
    assert.equal(totals.doubles, 0)
    assert.equal(totals.identical, ROUNDS)
    assert.equal(totals.lockLeft, 0)
  })
})

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `  serial: ${a[i]?.slice(0, 400)}\n  race:   ${b[i]?.slice(0, 400)}`
  }
  return '(same lines)'
}

// Crashes on PostgreSQL: a real migrator (the library in test/reliability/migrate-worker.ts, or
// the CLI bundle) is killed with SIGKILL at seeded moments of a 16-migration run that includes
// two slow migrations, a `-- glorious:no-transaction` file of five statements (with DROP/CREATE
// INDEX CONCURRENTLY) and a file holding only a CREATE INDEX CONCURRENTLY. Half of the kills
// are aimed inside those two files.
//
// After each kill, once the server has noticed the dead client (polled): no session and no
// advisory lock is left; the state is explained — every transactional migration is all there
// with its ledger row or not at all, a no-transaction file without a ledger row shows a prefix of
// its statements, each whole (what the file declared), and nothing is in the ledger that is not
// all there. Then a plain CLI rerun with a short lock timeout must finish the job: all 16
// applied once, no INVALID index, schema+data+ledger equal to an unkilled run.
//
// Half of the kill points run the migrator with `client_connection_check_interval` (PGOPTIONS),
// so the server aborts the dead client's statement at once (a CONCURRENTLY build is cut short and
// leaves an INVALID index); without it the server finishes the statement under way first.
//
// GLORIOUS_CRASH_SEED (random; printed), PG_CRASH_KILLS (20), PG_CRASH_ROWS (30,000).
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { GLORIOUS, glorious } from '../helpers/cli.js'
import { type PgDatabase, adminQuery, advisoryLocks, createDatabase, waitForNoBackends } from '../helpers/pg-server.js'
import { type WorkerHandle, startWorker, withTimeout } from '../helpers/processes.js'
import { tempDir, writeTree } from '../helpers/temp.js'
import type { WorkerConfig } from './migrate-worker.js'
import { type PgHistory, buildPgHistory, checkPgDatabase, pgStateDump, writePgHistory } from './pg-history.js'

const WORKER = fileURLToPath(new URL('./migrate-worker.js', import.meta.url))
const SKILL = 'crash'
const MIGRATIONS = 16
const KILLS = envNumber('PG_CRASH_KILLS', 20)
const ROWS = envNumber('PG_CRASH_ROWS', 30_000)
const SEED = process.env.GLORIOUS_CRASH_SEED ? Number(process.env.GLORIOUS_CRASH_SEED) : randomInt(2 ** 31)
/** The rerun's lock timeout: a lock left behind by the killed process would make it fail. */
const RERUN_LOCK_TIMEOUT_MS = 5000
/** How long the server may take to notice a dead client (it finishes the statement under way first). */
const NOTICE_TIMEOUT_MS = 60_000

const HISTORY: PgHistory = buildPgHistory({
  count: MIGRATIONS,
  rows: ROWS,
  slowAt: [4, 12],
  noTransactionAt: [8],
  concurrentlyAt: [9],
})
const TARGETS = [8, 9] as const

function envNumber(name: string, fallback: number): number {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

console.log(`pg crashes: seed ${SEED} (repeat with GLORIOUS_CRASH_SEED=${SEED})`)

/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
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

type Kind = 'library' | 'cli'

interface KillPoint {
  readonly kind: Kind
  readonly aim: string
  readonly checkInterval: boolean
  readonly atMs: number
  readonly committed: number
  readonly state: string
  readonly noticeMs: number
  readonly problems: readonly string[]
  readonly recovered: boolean
  readonly rerunMs: number
}

const points: KillPoint[] = []
let finishedFirst = 0
const suiteStarted = performance.now()

after(() => {
  const count = (predicate: (p: KillPoint) => boolean) => points.filter(predicate).length
  const lines = [`pg crashes: seed ${SEED}`]
  for (const p of points) {
    lines.push(
      `  ${p.kind.padEnd(7)} ${p.aim.padEnd(22)} ${p.checkInterval ? 'check' : '     '} at ${String(p.atMs).padStart(5)} ms: ` +
        `${p.state}; server noticed in ${p.noticeMs} ms; rerun ${p.recovered ? 'ok' : 'FAILED'} in ${p.rerunMs} ms` +
        (p.problems.length > 0 ? `\n      problems: ${p.problems.join(' | ')}` : ''),
    )
  }
  lines.push(
    `pg crashes total: ${points.length} kill -9 (${count((p) => p.kind === 'library')} library, ${count((p) => p.kind === 'cli')} CLI; ` +
      `${count((p) => p.state.includes('no-transaction 8:'))} inside the no-transaction file, ` +
      `${count((p) => p.state.includes('INVALID'))} left an INVALID index, ` +
      `${count((p) => p.committed === 0)} before any commit, ${count((p) => p.committed === MIGRATIONS)} after the last), ` +
      `unexplained states ${count((p) => p.problems.some((x) => x.startsWith('after the kill')))}, ` +
      `locks or sessions left ${count((p) => p.problems.some((x) => x.startsWith('left behind')))}, ` +
      `recovered ${count((p) => p.recovered)}/${points.length}, finished before the kill ${finishedFirst} ` +
      `(${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`,
  )
  console.log(lines.join('\n'))
})

/** Starts a migrator; for the library, after it is loaded (the clock starts at "go"). */
async function launch(kind: Kind, db: PgDatabase, dir: string, checkInterval: boolean): Promise<WorkerHandle> {
  // The server checks every 50 ms whether the client is still there, and aborts its statement if not.
  const env = checkInterval ? { PGOPTIONS: '-c client_connection_check_interval=50' } : undefined
  if (kind === 'library') {
    const config: WorkerConfig = { database: db.url, migrationsDir: dir, skill: SKILL, codegen: false }
    const worker = startWorker(WORKER, [JSON.stringify(config)], { barrier: true, env })
    try {
      await withTimeout(worker.ready, 60_000, 'the worker did not get ready within 60 s')
    } catch (error) {
      worker.kill()
      throw error
    }
    worker.go()
    return worker
  }
  return startWorker(GLORIOUS, ['migrate', 'run', SKILL, '--dir', dir, '--url', db.url, '--no-codegen', '--json'], {
    env: { HOME: '/nonexistent-home', ...env },
  })
}

/** Resolves when the library worker reported `progress <version>` (migration `version` finished). */
function progressReached(worker: WorkerHandle, version: number): Promise<void> {
  return new Promise((resolve) => {
    const seen = () => new RegExp(`^progress ${version}$`, 'm').test(worker.stdout())
    if (seen()) return resolve()
    const onData = () => {
      if (seen()) {
        worker.child.stdout.off('data', onData)
        resolve()
      }
    }
    worker.child.stdout.on('data', onData)
    void worker.result.then(() => resolve())
  })
}

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) {
      // Long lines (a table's columns as JSON): show where they part.
      const x = a[i] ?? ''
      const y = b[i] ?? ''
      let at = 0
      while (at < x.length && x[at] === y[at]) at++
      const from = Math.max(0, at - 200)
      return `unkilled: …${x.slice(from, at + 400)} / rerun: …${y.slice(from, at + 400)}`
    }
  return '(same lines)'
}

interface Reference {
  readonly dump: string
  /** The dump without the drift fingerprints. */
  readonly dumpWithoutFingerprints: string
  /** Milliseconds from "go" to each `progress v`, in an unkilled library run. */
  readonly progressAt: ReadonlyMap<number, number>
  readonly libraryMs: number
  readonly cliMs: number
}

async function reference(root: string): Promise<Reference> {
  const dir = writePgHistory(root, 'reference', HISTORY)
  const db = await createDatabase('crash')
  try {
    const t0 = performance.now()
    const worker = await launch('library', db, dir, false)
    const progressAt = new Map<number, number>()
    worker.child.stdout.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/^progress (\d+)$/gm))
        progressAt.set(Number(match[1]), Math.round(performance.now() - t0))
    })
    const result = await worker.result
    const libraryMs = Math.round(performance.now() - t0)
    assert.equal(result.code, 0, `the unkilled run failed: ${result.stdout}${result.stderr}`)
    const check = await checkPgDatabase(db, HISTORY, SKILL)
    assert.deepEqual(check.problems, [], 'the unkilled run is inconsistent')
    assert.equal(check.ledger.length, MIGRATIONS)
    const dump = await pgStateDump(db)
    const dumpWithoutFingerprints = await pgStateDump(db, { fingerprints: false })
    const cli = await createDatabase('crash')
    try {
      const t1 = performance.now()
      const run = await glorious(['migrate', 'run', SKILL, '--dir', dir, '--url', cli.url, '--no-codegen'])
      assert.equal(run.code, 0, run.stderr)
      const cliMs = Math.round(performance.now() - t1)
      assert.equal(await pgStateDump(cli), dump, 'the CLI and the library do not give the same result')
      return { dump, dumpWithoutFingerprints, progressAt, libraryMs, cliMs }
    } finally {
      await cli.drop()
    }
  } finally {
    await db.drop()
  }
}

describe('PostgreSQL crashes: kill -9 at seeded moments, then a rerun', () => {
  before(async () => {
    await adminQuery('SELECT 1') // fails clearly when the server is down
  })

  it(`${KILLS} kill points (seed ${SEED}): every state explained, no lock or session left, 100 % recovered by a rerun`, async () => {
    const root = tempDir('glorious-pg-crashes-')
    const ref = await reference(root)
    console.log(
      `pg crashes: unkilled run ${ref.libraryMs} ms (library), ${ref.cliMs} ms (CLI); progress at ` +
        [...ref.progressAt].map(([v, ms]) => `${v}:${ms}`).join(' '),
    )
    const rand = random(SEED)
    const problems: string[] = []
    for (let i = 0; i < KILLS; i++) {
      const point = await killPoint(root, `kill-${i}`, rand, ref, i)
      points.push(point)
      problems.push(...point.problems.map((p) => `kill ${i} (${point.kind}, ${point.aim}, at ${point.atMs} ms): ${p}`))
    }
    assert.deepEqual(problems, [])
    assert.equal(points.length, KILLS)
    assert.equal(points.filter((p) => p.recovered).length, KILLS)
  })
})

describe('PostgreSQL: an INVALID index left by a CREATE INDEX CONCURRENTLY cut short', () => {
  it('is rebuilt by the next run, even with IF NOT EXISTS (which alone would keep the unusable index)', async () => {
    const root = tempDir('glorious-pg-invalid-')
    const dir = join(root, 'migrations')
    writeTree(dir, {
      '001_users.sql':
        'CREATE TABLE u (id integer PRIMARY KEY, k integer NOT NULL);\nINSERT INTO u VALUES (1, 1), (2, 1);\n',
      '002_unique_k.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u_k ON u (k);\n',
    })
    const db = await createDatabase('invalid')
    try {
      const args = ['migrate', 'run', 'inv', '--dir', dir, '--url', db.url, '--no-codegen']
      const failed = await glorious(args)
      assert.equal(failed.code, 1, failed.stdout)
      assert.match(failed.stderr, /002_unique_k\.sql/)
      assert.match(failed.stderr, /INVALID/)
      const valid = async () =>
        (
          await db.query<{ valid: boolean }>(
            `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass('u_k')`,
          )
        )[0]?.valid
      assert.equal(await valid(), false, 'the failed build left an INVALID index')
      await db.query('UPDATE u SET k = 2 WHERE id = 2') // the data fixed
      const rerun = await glorious(args)
      assert.equal(rerun.code, 0, rerun.stderr)
      assert.equal(await valid(), true, 'the rerun kept the INVALID index instead of building it')
      const ledger = await db.query<{ n: string }>(`SELECT count(*) AS n FROM _migrations WHERE skill_name = 'inv'`)
      assert.equal(ledger[0]?.n, '2')
    } finally {
      await db.drop()
    }
  })
})

async function killPoint(
  root: string,
  name: string,
  rand: () => number,
  ref: Reference,
  i: number,
): Promise<KillPoint> {
  const dir = writePgHistory(root, name, HISTORY)
  const db = await createDatabase('crash')
  try {
    // Alternately the library (aimed: half of its kills inside one of the two files that run
    // outside a transaction) and the CLI (at a uniform moment of its whole run, start-up included).
    const kind: Kind = i % 2 === 0 ? 'library' : 'cli'
    const checkInterval = rand() < 0.5
    const aimed = kind === 'library'
    const target = TARGETS[Math.floor(rand() * TARGETS.length)] as number
    const fraction = rand()
    let aim: string
    let worker: WorkerHandle
    const t0 = performance.now()
    if (aimed) {
      const start = ref.progressAt.get(target - 1) ?? 0
      const length = Math.max(20, (ref.progressAt.get(target) ?? start) - start)
      aim = `in ${String(target).padStart(3, '0')} +${Math.round(fraction * 100)} %`
      worker = await launch(kind, db, dir, checkInterval)
      await progressReached(worker, target - 1)
      await new Promise((resolve) => setTimeout(resolve, fraction * length))
    } else {
      const total = ref.cliMs
      aim = `uniform ${Math.round(fraction * 100)} %`
      worker = await launch(kind, db, dir, checkInterval)
      await new Promise((resolve) => setTimeout(resolve, fraction * total))
    }
    const atMs = Math.round(performance.now() - t0)
    if (worker.exited) finishedFirst++
    worker.kill()
    await worker.result

    const problems: string[] = []
    // The server notices the dead client when it next talks to it (or at the check interval).
    const n0 = performance.now()
    const sessions = await waitForNoBackends(db.name, NOTICE_TIMEOUT_MS)
    const noticeMs = Math.round(performance.now() - n0)
    const locks = await advisoryLocks(db.name)
    if (sessions.length > 0 || locks.length > 0) problems.push(`left behind: ${JSON.stringify({ sessions, locks })}`)

    const check = await checkPgDatabase(db, HISTORY, SKILL)
    problems.push(...check.problems.map((p) => `after the kill: ${p}`))
    const committed = check.ledger.length
    const states = [`${committed} in the ledger`]
    for (const [version, progress] of check.noTransactionProgress)
      states.push(`${HISTORY.migrations[version - 1]?.kind} ${version}: ${progress}`)
    if (check.invalidIndexes.length > 0) states.push(`INVALID: ${check.invalidIndexes.join(', ')}`)

    // A plain rerun, with a short lock timeout: a lock left behind would fail it.
    const r0 = performance.now()
    const rerun = await glorious([
      'migrate',
      'run',
      SKILL,
      '--dir',
      dir,
      '--url',
      db.url,
      '--no-codegen',
      '--lock-timeout',
      String(RERUN_LOCK_TIMEOUT_MS),
    ])
    const rerunMs = Math.round(performance.now() - r0)
    let recovered = rerun.code === 0
    if (!recovered) problems.push(`the rerun failed: ${rerun.stderr.trim()}`)
    const final = await checkPgDatabase(db, HISTORY, SKILL)
    if (final.problems.length > 0 || final.ledger.length !== MIGRATIONS || final.invalidIndexes.length > 0) {
      recovered = false
      problems.push(
        `after the rerun: ${final.ledger.length} applied; ${[...final.problems, ...final.invalidIndexes.map((x) => `INVALID index ${x}`)].join('; ')}`,
      )
    } else {
      const dump = await pgStateDump(db)
      // A kill after the last migration committed and before the run recorded its drift
      // fingerprints (in a transaction of its own, after the run) leaves none: documented (drift
      // is `unknown` until a run applies something), and the rerun has nothing to apply.
      const fingerprintsMissing =
        committed === MIGRATIONS &&
        dump !== ref.dump &&
        (await pgStateDump(db, { fingerprints: false })) === ref.dumpWithoutFingerprints
      if (fingerprintsMissing) states.push('drift fingerprints not recorded')
      // The rerun also claims the table an interrupted first attempt of the no-transaction file
      // created (CREATE TABLE IF NOT EXISTS finds it), so ownership matches the unkilled run.
      else if (dump !== ref.dump) {
        recovered = false
        problems.push(
          `after the rerun: schema+data+ledger differ from the unkilled run: ${firstDifference(ref.dump, dump)}`,
        )
      }
    }
    return {
      kind,
      aim,
      checkInterval,
      atMs,
      committed,
      state: states.join(', '),
      noticeMs,
      problems,
      recovered,
      rerunMs,
    }
  } finally {
    await db.drop()
    rmSync(join(root, name), { recursive: true, force: true })
  }
}

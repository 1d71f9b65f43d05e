// Crashes: a real migrator (the library in a worker process, or the CLI bundle) is killed with
// SIGKILL at seeded random moments of a 50-migration run, in rollback-journal and WAL mode. After
// each kill a fresh connection must find no partial state (the ledger's versions are exactly the
// migrations whose effects are there, and the database equals a serial run of that prefix) and an
// intact file; then a plain rerun in a new process, with a short lock timeout (no lock may be left
// behind), must finish the job: all 50 applied exactly once.
//
// CRASH_SEED (random; printed), CRASH_KILLS (5 kill points per process kind and journal mode),
// CRASH_SLOW_ROWS (500,000 rows in each of the two slow migrations).
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { createMigrator } from '../../lib/index.js'
import { GLORIOUS } from '../helpers/cli.js'
import { type ProcessResult, type WorkerHandle, startWorker, withTimeout } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import { type History, buildHistory, checkDatabase, openFresh, stateDump, writeHistory } from './history.js'
import type { WorkerConfig, WorkerReport } from './migrate-worker.js'

const WORKER = fileURLToPath(new URL('./migrate-worker.js', import.meta.url))
const SKILL = 'crash'
const MIGRATIONS = 50
const KILLS = envNumber('CRASH_KILLS', 5)
const SLOW_ROWS = envNumber('CRASH_SLOW_ROWS', 500_000)
const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(2 ** 31)
/** The rerun's lock timeout: a lock left behind by the killed process would make it fail. */
const RERUN_LOCK_TIMEOUT_MS = 2000
const JOURNALS = ['delete', 'wal'] as const
type Journal = (typeof JOURNALS)[number]
type Kind = 'library' | 'cli'
const KINDS: readonly Kind[] = ['library', 'cli']

function envNumber(name: string, fallback: number): number {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

/**
 * Five transactions in a fresh run: [1–14] (with the slow v8), [15] (foreign keys off), [16–34]
 * (with the slow v25), [35] (foreign keys off), [36–50]; then the types are generated. Kills can
 * land before any commit, in a slow migration, between commits, and after the last one.
 */
const HISTORY: History = buildHistory({
  count: MIGRATIONS,
  foreignKeysOffAt: [15, 35],
  slow: [
    { at: 8, rows: SLOW_ROWS, index: 'sequential' },
    { at: 25, rows: SLOW_ROWS, index: 'sequential' },
  ],
})
const SLOW_VERSIONS = new Set(HISTORY.migrations.filter((m) => m.kind === 'slow').map((m) => m.version))

console.log(`crashes: seed ${SEED} (repeat with CRASH_SEED=${SEED})`)

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

/** What a kill left on disk before anyone opened the database again. */
interface DiskEvidence {
  readonly databaseExists: boolean
  readonly hotJournal: boolean
  /**
   * Bytes of the killed transaction's work found on disk: WAL frames after the last commit, or
   * pages it appended to the database file (cut off by the rollback).
   */
  readonly uncommittedBytes: number
}

interface KillPoint {
  readonly journal: Journal
  readonly kind: Kind
  readonly atMs: number
  /** Versions committed when it was killed. */
  readonly committed: number
  /** The last migration the library worker reported finished (inside its transaction), if any. */
  readonly lastProgress: number | undefined
  readonly evidence: DiskEvidence
  readonly state: string
  readonly category: 'nothing committed' | 'some transactions committed' | 'all committed'
  readonly inSlowMigration: boolean
  readonly problems: readonly string[]
  readonly recovered: boolean
  readonly rerunMs: number
}

const points: KillPoint[] = []
const finishedFirst: Record<string, number> = {}
/** Reruns after which db-types.ts was missing (killed after the last commit: the rerun applied nothing). */
const typesMissing: Record<string, number> = {}
const unkilled: Record<string, number> = {}
let leftoverTempFiles = 0
const suiteStarted = performance.now()

after(() => {
  const lines: string[] = [`crashes: seed ${SEED}`]
  for (const journal of JOURNALS) {
    const mine = points.filter((p) => p.journal === journal)
    if (mine.length === 0) continue
    const count = (predicate: (p: KillPoint) => boolean) => mine.filter(predicate).length
    const byKind = KINDS.map((kind) => `${count((p) => p.kind === kind)} ${kind}`).join(' + ')
    lines.push(
      `crashes (${journal}): ${mine.length} kill -9 (${byKind}; unkilled runs ${KINDS.map((k) => `${k} ${unkilled[`${journal} ${k}`] ?? '?'} ms`).join(', ')}), ` +
        `landed: nothing committed ${count((p) => p.category === 'nothing committed')}, ` +
        `after some transactions committed ${count((p) => p.category === 'some transactions committed')} ` +
        `(committed: ${[...new Set(mine.filter((p) => p.category === 'some transactions committed').map((p) => p.committed))].sort((a, b) => a - b).join('/') || '-'}), ` +
        `all committed (before exit) ${count((p) => p.category === 'all committed')}, ` +
        `in a slow migration ${count((p) => p.inSlowMigration)}, with uncommitted work on disk ${count((p) => p.evidence.uncommittedBytes > 0 || p.evidence.hotJournal)}; ` +
        `partial or damaged states after the kill ${count((p) => p.problems.some((x) => x.startsWith('after the kill')))}, ` +
        `recovered ${count((p) => p.recovered)}/${mine.length} (${Math.round((100 * count((p) => p.recovered)) / mine.length)} %), ` +
        `finished before the kill (redrawn) ${finishedFirst[journal] ?? 0}, ` +
        `db-types.ts missing after the rerun ${typesMissing[journal] ?? 0}`,
    )
    for (const p of mine) {
      lines.push(
        `  ${p.kind.padEnd(7)} at ${String(p.atMs).padStart(5)} ms: ${p.state}; rerun ${p.recovered ? 'ok' : 'FAILED'} in ${p.rerunMs} ms`,
      )
    }
  }
  const recovered = points.filter((p) => p.recovered).length
  lines.push(
    `crashes total: ${points.length} kill points, ${points.filter((p) => p.problems.length > 0).length} with problems, ` +
      `recovered ${recovered}/${points.length} (${points.length ? Math.round((100 * recovered) / points.length) : 0} %), ` +
      `db-types.ts temp files left by killed runs: ${leftoverTempFiles} (${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`,
  )
  console.log(lines.join('\n'))
})

/** Starts a migrator of the given kind; for the library, after it is loaded (the clock starts at "go"). */
async function launch(
  kind: Kind,
  database: string,
  dir: string,
  journal: Journal,
  lockTimeoutMs?: number,
): Promise<WorkerHandle> {
  if (kind === 'library') {
    const config: WorkerConfig = { database, migrationsDir: dir, skill: SKILL, journalMode: journal, lockTimeoutMs }
    const worker = startWorker(WORKER, [JSON.stringify(config)], { barrier: true })
    try {
      await withTimeout(worker.ready, 60_000, 'the worker did not get ready within 60 s')
    } catch (error) {
      worker.kill()
      throw error
    }
    worker.go()
    return worker
  }
  // --journal-mode applies to a database the run creates (or finds empty); an existing one keeps its own.
  const args = ['migrate', 'run', SKILL, '--dir', dir, '--db', database, '--journal-mode', journal, '--json']
  if (lockTimeoutMs !== undefined) args.push('--lock-timeout', String(lockTimeoutMs))
  return startWorker(GLORIOUS, args, { env: { HOME: '/nonexistent-home' } })
}

/** The versions a finished run applied, from its output. */
function appliedBy(kind: Kind, result: ProcessResult): { applied: number[]; error: string | undefined } {
  const lines = result.stdout.trim().split('\n')
  try {
    if (kind === 'library') {
      const report = JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1) ?? 'null') as WorkerReport
      return { applied: report.applied, error: report.error }
    }
    const json = JSON.parse(result.stdout) as {
      ok: boolean
      applied: { version: number }[]
      error: { message: string } | null
    }
    return {
      applied: json.applied.map((m) => m.version),
      error: json.ok ? undefined : (json.error?.message ?? 'not ok'),
    }
  } catch {
    return { applied: [], error: `unreadable output: ${result.stdout.slice(0, 300)} ${result.stderr.slice(0, 300)}` }
  }
}

function lastProgress(stdout: string): number | undefined {
  const versions = [...stdout.matchAll(/^progress (\d+)$/gm)].map((m) => Number(m[1]))
  return versions.length > 0 ? Math.max(...versions) : undefined
}

/**
 * Reads what the kill left, before a connection recovers it: a hot rollback journal, WAL frames
 * written after the last commit, and the file size (the rollback truncates pages the killed
 * transaction appended: see {@link rolledBackGrowth}).
 */
function diskEvidence(database: string): DiskEvidence & { size: number } {
  if (!existsSync(database)) return { databaseExists: false, hotJournal: false, uncommittedBytes: 0, size: 0 }
  const size = statSync(database).size
  const journal = `${database}-journal`
  const hotJournal = existsSync(journal) && statSync(journal).size > 0
  return { databaseExists: true, hotJournal, uncommittedBytes: uncommittedWalBytes(`${database}-wal`), size }
}

/** Adds the bytes the recovery cut off the database file (rollback-journal mode) to the evidence. */
function rolledBackGrowth(database: string, before: DiskEvidence & { size: number }): DiskEvidence {
  const { size, ...evidence } = before
  const after = existsSync(database) ? statSync(database).size : 0
  return { ...evidence, uncommittedBytes: evidence.uncommittedBytes + Math.max(0, size - after) }
}

/**
 * Bytes of WAL frames written after the last commit frame (the killed transaction's spilled
 * pages). Frames belong to the current WAL generation while their salts match the header's.
 */
function uncommittedWalBytes(path: string): number {
  if (!existsSync(path)) return 0
  const fd = openSync(path, 'r')
  try {
    const header = Buffer.alloc(32)
    if (readSync(fd, header, 0, 32, 0) < 32) return 0
    const pageSize = header.readUInt32BE(8) === 1 ? 65536 : header.readUInt32BE(8)
    const salt1 = header.readUInt32BE(16)
    const salt2 = header.readUInt32BE(20)
    const frame = Buffer.alloc(24)
    let offset = 32
    let afterCommit = 0
    while (readSync(fd, frame, 0, 24, offset) === 24) {
      if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break
      afterCommit = frame.readUInt32BE(4) !== 0 ? 0 : afterCommit + 1
      offset += 24 + pageSize
    }
    return afterCommit * pageSize
  } finally {
    closeSync(fd)
  }
}

interface Reference {
  /** The state after a serial run of versions 1..k, by k. */
  dump(k: number): Promise<string>
  /** The db-types.ts of the whole history (set from the first unkilled run). */
  types: string | undefined
  /** The db-types.ts of the whole history, generated by a serial run of the library. */
  expectedTypes(): Promise<string>
}

/** Serial runs of every prefix the kills show (made on demand, in this process, with the library). */
function references(root: string, dir: string, journal: Journal): Reference {
  const dumps = new Map<number, Promise<string>>()
  const serial = async (k: number, codegen: boolean): Promise<string> => {
    const database = join(root, `reference-${k}.db`)
    const migrator = createMigrator({ database, migrationsDir: dir, skill: SKILL, journalMode: journal, codegen })
    try {
      if (k > 0) {
        const { error } = await migrator.migrateTo(k)
        assert.equal(error, undefined, `the serial reference run to ${k} failed`)
      }
    } finally {
      await migrator.destroy()
    }
    const db = openFresh(database)
    try {
      return stateDump(db)
    } finally {
      db.close()
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(database + suffix, { force: true })
    }
  }
  return {
    types: undefined,
    dump(k: number) {
      let dump = dumps.get(k)
      if (!dump) {
        dump = serial(k, false)
        dumps.set(k, dump)
      }
      return dump
    },
    async expectedTypes() {
      await serial(MIGRATIONS, true)
      return readFileSync(join(dir, '..', 'db-types.ts'), 'utf8')
    },
  }
}

/** Checks a database with a fresh connection: consistent, intact, and equal to the serial run of its ledger's prefix. */
async function checkAfter(
  database: string,
  reference: Reference,
  expectCommitted?: number,
): Promise<{ committed: number; problems: string[] }> {
  const problems: string[] = []
  if (!existsSync(database)) {
    if (expectCommitted) problems.push('the database file is missing')
    return { committed: 0, problems }
  }
  const db = openFresh(database)
  let dump: string
  let ledger: readonly number[]
  try {
    const check = checkDatabase(db, HISTORY, SKILL)
    problems.push(...check.problems)
    ledger = check.ledger
    dump = stateDump(db)
  } finally {
    db.close()
  }
  const committed = ledger.length
  if (ledger.some((version, index) => version !== index + 1))
    problems.push(`the ledger is not a prefix: ${ledger.join(',')}`)
  if (expectCommitted !== undefined && committed !== expectCommitted)
    problems.push(`${committed} migrations applied, expected ${expectCommitted}`)
  if (dump !== (await reference.dump(committed)))
    problems.push(`schema+data differ from a serial run of versions 1–${committed}`)
  return { committed, problems }
}

function describeState(
  kind: Kind,
  committed: number,
  progress: number | undefined,
  evidence: DiskEvidence,
): Pick<KillPoint, 'state' | 'category' | 'inSlowMigration'> {
  const category =
    committed === 0 ? 'nothing committed' : committed === MIGRATIONS ? 'all committed' : 'some transactions committed'
  const mb = (evidence.uncommittedBytes / 1024 / 1024).toFixed(1)
  const onDisk = evidence.hotJournal
    ? `hot journal${evidence.uncommittedBytes > 0 ? ` + ${mb} MB of new pages` : ''}`
    : evidence.uncommittedBytes > 0
      ? `${mb} MB of uncommitted WAL frames`
      : 'no uncommitted work on disk'
  let state: string
  let inSlowMigration: boolean
  if (!evidence.databaseExists) {
    state = 'before the database existed'
    inSlowMigration = false
  } else if (kind === 'library') {
    // The worker prints "progress v" when v finished inside its transaction, before the commit.
    const running = (progress ?? committed) + 1
    inSlowMigration = committed < MIGRATIONS && SLOW_VERSIONS.has(running)
    state =
      committed === MIGRATIONS
        ? 'after the last commit (types being generated, or exiting)'
        : progress === MIGRATIONS
          ? `committing the last transaction, ${committed} committed`
          : `in v${running} (${HISTORY.migrations[running - 1]?.kind}), ${committed} committed, ${Math.max(0, (progress ?? 0) - committed)} finished in the open transaction`
    state += `; ${onDisk}`
  } else {
    // The CLI says nothing while it runs: what the disk shows. Only the slow migrations write megabytes.
    inSlowMigration = committed < MIGRATIONS && evidence.uncommittedBytes > 1024 * 1024
    state =
      committed === MIGRATIONS
        ? `after the last commit (types being generated, or exiting); ${onDisk}`
        : `${committed} committed; ${onDisk}${inSlowMigration ? ' (in or after a slow migration)' : ''}`
  }
  return { state: `${category}: ${state}`, category, inSlowMigration }
}

/** A fresh skill folder (no db-types.ts yet, so the run generates its types) and database. */
function freshSetup(root: string, name: string): { folder: string; dir: string; database: string; typesFile: string } {
  const folder = join(root, name)
  rmSync(folder, { recursive: true, force: true })
  mkdirSync(folder)
  const dir = writeHistory(folder, SKILL, HISTORY)
  return { folder, dir, database: join(folder, 'agent.db'), typesFile: join(folder, SKILL, 'db-types.ts') }
}

/** Runs a launched process to its end (killing it if the test gives up). */
async function finish(worker: WorkerHandle, what: string): Promise<ProcessResult> {
  try {
    return await withTimeout(worker.result, 120_000, `${what} did not finish within 120 s`)
  } finally {
    worker.kill()
  }
}

function journalModeOf(database: string): string {
  const db = openFresh(database)
  try {
    return String(db.pragma('journal_mode', { simple: true }))
  } finally {
    db.close()
  }
}

describe('crashes: kill -9 at random moments of a migration run', () => {
  for (const [modeIndex, journal] of JOURNALS.entries()) {
    it(`${KILLS} kills of the library and ${KILLS} of the CLI (${journal}): no partial state, intact, a plain rerun recovers every time`, async () => {
      const root = tempDir('glorious-crashes-')
      const next = random(SEED + modeIndex)
      const reference = references(root, writeHistory(join(root, 'reference'), SKILL, HISTORY), journal)

      // Unkilled runs first (twice each: the first also warms the caches): each kind's duration
      // (from "go" for the library worker, from the spawn for the CLI), over which its kills are spread.
      const duration: Record<Kind, number> = { library: Infinity, cli: Infinity }
      for (const [index, kind] of [...KINDS, ...KINDS].entries()) {
        const { dir, database, typesFile } = freshSetup(root, `unkilled-${index}`)
        const worker = await launch(kind, database, dir, journal)
        const started = performance.now()
        const result = await finish(worker, `the unkilled ${kind} run`)
        duration[kind] = Math.min(duration[kind], Math.round(performance.now() - started))
        unkilled[`${journal} ${kind}`] = duration[kind]
        assert.equal(result.code, 0, `the unkilled ${kind} run failed: ${result.stdout}${result.stderr}`)
        const check = await checkAfter(database, reference, MIGRATIONS)
        assert.deepEqual(check.problems, [], `the unkilled ${kind} run`)
        reference.types ??= readFileSync(typesFile, 'utf8')
        assert.equal(readFileSync(typesFile, 'utf8'), reference.types, 'both kinds generate the same types')
        rmSync(join(root, `unkilled-${index}`), { recursive: true, force: true })
      }

      const mine: KillPoint[] = []
      for (let i = 0; i < KILLS * KINDS.length; i++) {
        const kind = KINDS[i % KINDS.length] as Kind
        const stratum = Math.floor(i / KINDS.length) // spread each kind's kills over its whole run
        let atMs = Math.round((duration[kind] * (stratum + next())) / KILLS)
        let setup: ReturnType<typeof freshSetup>
        let result: ProcessResult
        for (let attempt = 0; ; attempt++) {
          setup = freshSetup(root, `kill-${i}`)
          const worker = await launch(kind, setup.database, setup.dir, journal)
          const timer = setTimeout(() => worker.kill(), atMs)
          try {
            result = await finish(worker, `the ${kind} run to be killed`)
          } finally {
            clearTimeout(timer)
          }
          if (result.signal === 'SIGKILL') break
          // It finished before the kill (this run was faster): try a little earlier.
          finishedFirst[journal] = (finishedFirst[journal] ?? 0) + 1
          assert.equal(result.code, 0, `a ${kind} run failed: ${result.stdout}${result.stderr}`)
          assert.ok(attempt < 8, 'the run keeps finishing before the kill')
          atMs = Math.round(atMs * (0.8 + 0.15 * next()))
        }
        const { folder, dir, database, typesFile } = setup

        const found = diskEvidence(database)
        const progress = kind === 'library' ? lastProgress(result.stdout) : undefined
        const afterKill = await checkAfter(database, reference)
        const evidence = rolledBackGrowth(database, found)
        const problems = afterKill.problems.map((p) => `after the kill: ${p}`)
        if (progress !== undefined && progress < afterKill.committed) {
          problems.push(`after the kill: ${afterKill.committed} committed but only ${progress} reported`)
        }
        const state = describeState(kind, afterKill.committed, progress, evidence)

        // A plain rerun by the other kind of process, which must not wait for any leftover lock.
        const rerunKind: Kind = kind === 'library' ? 'cli' : 'library'
        const rerunStarted = performance.now()
        const rerunResult = await finish(
          await launch(rerunKind, database, dir, journal, RERUN_LOCK_TIMEOUT_MS),
          'the rerun',
        )
        const rerunMs = Math.round(performance.now() - rerunStarted)
        const { applied, error } = appliedBy(rerunKind, rerunResult)
        if (rerunResult.code !== 0 || error) {
          problems.push(`rerun failed (exit ${rerunResult.code}): ${error ?? ''} ${rerunResult.stderr.trim()}`)
        }
        const expected = HISTORY.migrations.map((m) => m.version).filter((v) => v > afterKill.committed)
        if (JSON.stringify(applied) !== JSON.stringify(expected)) {
          problems.push(`rerun applied [${applied.join(',')}], expected ${afterKill.committed + 1}–${MIGRATIONS}`)
        }
        const afterRerun = await checkAfter(database, reference, MIGRATIONS)
        problems.push(...afterRerun.problems.map((p) => `after the rerun: ${p}`))
        const mode = journalModeOf(database)
        if (mode !== journal) problems.push(`after the rerun: journal mode ${mode}, expected ${journal}`)
        // Types: never a torn or wrong file. A rerun that applied something must write them; one
        // that applied nothing does not try (see the test of that case below), so they can be missing.
        const types = existsSync(typesFile) ? readFileSync(typesFile, 'utf8') : undefined
        if (types !== undefined && types !== reference.types) problems.push('after the rerun: db-types.ts is wrong')
        if (types === undefined && applied.length > 0) problems.push('after the rerun: db-types.ts is missing')
        if (types === undefined) typesMissing[journal] = (typesMissing[journal] ?? 0) + 1
        leftoverTempFiles += readdirSync(join(folder, SKILL)).filter((name) =>
          /^\.db-types\.ts\.\d+\.tmp$/.test(name),
        ).length

        const point: KillPoint = {
          journal,
          kind,
          atMs,
          committed: afterKill.committed,
          lastProgress: progress,
          evidence,
          ...state,
          problems,
          recovered: problems.length === 0,
          rerunMs,
        }
        points.push(point)
        mine.push(point)
        rmSync(folder, { recursive: true, force: true })
      }

      assert.deepEqual(
        mine
          .filter((p) => p.problems.length > 0)
          .map((p) => `${p.kind} killed at ${p.atMs} ms (${p.state}): ${p.problems.join('; ')}`),
        [],
      )
      assert.equal(mine.length, KILLS * KINDS.length)
      assert.equal(mine.filter((p) => p.recovered).length, mine.length, 'every kill recovered')
    })
  }

  it('the kills landed at varied moments: before any commit, in a slow migration, between commits', () => {
    const categories = new Set(points.map((p) => p.category))
    assert.ok(categories.has('nothing committed'), 'no kill before the first commit')
    assert.ok(categories.has('some transactions committed'), 'no kill after some transactions committed')
    assert.ok(
      points.some((p) => p.inSlowMigration),
      'no kill in a slow migration',
    )
  })

  it('a run killed after its last commit, before it wrote db-types.ts: a plain rerun writes the types', async () => {
    const root = tempDir('glorious-crashes-types-')
    const reference = references(root, writeHistory(join(root, 'reference'), SKILL, HISTORY), 'wal')
    const expectedTypes = await reference.expectedTypes()
    let setup: ReturnType<typeof freshSetup> | undefined
    // Kill the moment the ledger shows all 50 committed: the types come ~0.4 s later (ts-morph loads).
    for (let attempt = 0; attempt < 3; attempt++) {
      setup = freshSetup(root, `attempt-${attempt}`)
      const worker = await launch('library', setup.database, setup.dir, 'wal')
      try {
        await withTimeout(
          (async () => {
            while (!worker.exited) {
              await new Promise((resolve) => setTimeout(resolve, 2))
              if (!worker.stdout().includes(`progress ${MIGRATIONS}\n`)) continue
              const db = openFresh(setup.database)
              const committed = db.prepare('SELECT count(*) FROM _migrations').pluck().get()
              db.close()
              if (committed === MIGRATIONS) return worker.kill()
            }
          })(),
          60_000,
          'the run did not commit',
        )
      } finally {
        await finish(worker, 'the run to be killed')
      }
      if (!existsSync(setup.typesFile)) break
    }
    assert.ok(setup)
    assert.equal(existsSync(setup.typesFile), false, 'could not kill the run before it wrote its types')
    assert.deepEqual((await checkAfter(setup.database, reference, MIGRATIONS)).problems, [])

    const rerun = await finish(
      await launch('cli', setup.database, setup.dir, 'wal', RERUN_LOCK_TIMEOUT_MS),
      'the rerun',
    )
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.deepEqual(appliedBy('cli', rerun).applied, [], 'nothing left to apply')
    assert.equal(
      existsSync(setup.typesFile) ? readFileSync(setup.typesFile, 'utf8') : '(no db-types.ts)',
      expectedTypes,
      'the rerun left the types of the migrated schema missing',
    )
  })
})

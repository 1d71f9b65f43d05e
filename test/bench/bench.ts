/**
 * `npm run bench`: the benchmark table of the README's performance section.
 *
 * Every workload is timed as medians of RUNS runs after a warm-up, ours and its baseline measured
 * alternately in the same run, so machine noise hits both alike. Whole-process times include Node's
 * start-up. Peak memory is the process's maximum resident set size (from GNU time).
 *
 * Workloads:
 * - W1: 1000 realistic migrations on a fresh database, against the sqlite3 CLI applying each file
 *   in its own transaction (the per-migration floor) and all in one (the absolute floor).
 * - W2: the no-op run (everything applied): the whole `glorious migrate run` process against
 *   `node -e 0`, and the in-process check of 50 skills × 20 migrations with the database open.
 * - W3: 200 skills × 10 migrations on a fresh database, against the per-migration floor.
 * - W4: types for a 300-table schema (whole process), and again with the schema unchanged.
 * - Memory: peak RSS of W1, and of 10,000 migrations (files are read one at a time).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { discoverSkills, migrateSkills } from '../../lib/index.js'
import { DATA_ONLY, generateMigrations } from './generate-migrations.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 9)
const GLORIOUS = fileURLToPath(new URL('../../bin/glorious.js', import.meta.url))
const PROBE = fileURLToPath(new URL('./memory-probe.js', import.meta.url))
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
const root = mkdtempSync(join(tmpdir(), 'glorious-bench-'))

interface Measured {
  readonly ms: number
  readonly peakMiB: number | undefined
}

interface Row {
  readonly workload: string
  readonly ours: string
  readonly baseline: string
  readonly ratio: string
  readonly goal: string
  readonly peak: string
}

const rows: Row[] = []

/** Runs a command once; returns its wall time and peak RSS. Fails loudly if it fails. */
function run(command: string, args: readonly string[], input?: string): Measured {
  const argv = TIME ? ['-f', '%M', command, ...args] : args
  const started = performance.now()
  const result = spawnSync(TIME ?? command, argv, {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, GLORIOUS_HOME: join(root, 'home') }, // the checksum cache lives there
  })
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`)
  const peakKiB = TIME ? Number(result.stderr.trim().split('\n').at(-1)) : Number.NaN
  return { ms, peakMiB: Number.isFinite(peakKiB) ? peakKiB / 1024 : undefined }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Measures `ours` and `baseline` alternately: one warm-up each, then RUNS rounds. `prepare` runs
 * before every single measurement (e.g. to delete the database), outside the timing.
 */
function compare(
  ours: () => Measured,
  baseline: () => Measured,
  prepare: () => void = () => {},
): { ours: Measured; baseline: Measured } {
  prepare()
  ours()
  prepare()
  baseline()
  const a: Measured[] = []
  const b: Measured[] = []
  for (let i = 0; i < RUNS; i++) {
    prepare()
    a.push(ours())
    prepare()
    b.push(baseline())
  }
  const summarize = (list: Measured[]): Measured => ({
    ms: median(list.map((m) => m.ms)),
    peakMiB: list[0]?.peakMiB === undefined ? undefined : Math.max(...list.map((m) => m.peakMiB ?? 0)),
  })
  return { ours: summarize(a), baseline: summarize(b) }
}

/** A table row for a measurement against its baseline. */
function comparisonRow(workload: string, measured: { ours: Measured; baseline: Measured }, goal: string): Row {
  return {
    workload,
    ours: seconds(measured.ours.ms),
    baseline: seconds(measured.baseline.ms),
    ratio: `${(measured.ours.ms / measured.baseline.ms).toFixed(2)}×`,
    goal,
    peak: mib(measured.ours.peakMiB),
  }
}

const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`)
const mib = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(0))

/** `glorious migrate run` of the given targets on a fresh database in the given journal mode, without types. */
function freshApply(targets: readonly string[], db: string, journalMode: 'delete' | 'wal'): Measured {
  return run(process.execPath, [
    GLORIOUS,
    'migrate',
    'run',
    ...targets,
    '--db',
    db,
    '--journal-mode',
    journalMode,
    '--no-codegen',
  ])
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}

/** The sqlite3 CLI applying files: each in its own transaction, or all in one. */
function sqliteScript(files: readonly string[], oneTransaction: boolean): string {
  const bodies = files.map((file) => readFileSync(file, 'utf8'))
  return oneTransaction
    ? `BEGIN;\n${bodies.join('\n;\n')}\n;COMMIT;\n`
    : bodies.map((body) => `BEGIN;\n${body}\n;COMMIT;\n`).join('')
}

function filesOf(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.sql'))
      .sort()
      .map((name) => join(dir, name)),
  )
}

function skillsTree(base: string, skills: number, perSkill: number): string {
  for (let s = 1; s <= skills; s++) {
    const dir = join(base, `skill${s}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'skill.json'), JSON.stringify({ name: `skill${s}` }))
    generateMigrations(join(dir, 'migrations'), perSkill, `s${s}_t`)
  }
  return base
}

function ensureSqlite3(): void {
  const found = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' })
  if (found.status !== 0) throw new Error('the sqlite3 CLI is needed for the floor measurements (apt install sqlite3)')
}

async function main(): Promise<void> {
  ensureSqlite3()
  console.log(`glorious-migrate benchmarks: ${RUNS} runs per measurement after a warm-up, medians; temp ${root}\n`)

  // W1 and memory: one skill, 1000 migrations, rollback journal like the floor.
  const set1k = generateMigrations(join(root, 'w1', 'migrations'), 1000)
  const files1k = filesOf([set1k])
  const perMigration = sqliteScript(files1k, false)
  const oneTransaction = sqliteScript(files1k, true)
  const db = join(root, 'w1.db')
  const oursW1 = () => freshApply(['bench', '--dir', set1k], db, 'delete')
  const w1 = compare(
    oursW1,
    () => run('sqlite3', [db], perMigration),
    () => removeDatabase(db),
  )
  rows.push(comparisonRow('W1 fresh apply, 1000 migrations (vs sqlite3, one transaction per file)', w1, '≤ 0.50×'))
  const absolute = compare(
    oursW1,
    () => run('sqlite3', [db], oneTransaction),
    () => removeDatabase(db),
  )
  rows.push(comparisonRow('W1 vs the absolute floor (sqlite3, all files in one transaction)', absolute, '(report)'))
  const walW1 = compare(
    () => freshApply(['bench', '--dir', set1k], db, 'wal'),
    () => run('sqlite3', [db], perMigration),
    () => removeDatabase(db),
  )
  rows.push(comparisonRow('W1 in WAL mode (our default for new databases)', walW1, '(report)'))

  // W2: everything applied. Whole process against node -e 0; then in-process with the database open.
  const tree = skillsTree(join(root, 'w2', 'skills'), 50, 20)
  const w2db = join(root, 'w2.db')
  // Files younger than 2 s are never trusted from the checksum cache ("racily clean"), and only a
  // run that writes saves the cache (a no-op run writes nothing); real migration files are older
  // than that when they are applied.
  await new Promise((resolve) => setTimeout(resolve, 2100))
  run(process.execPath, [GLORIOUS, 'migrate', 'run', '--skills', tree, '--db', w2db, '--no-codegen'])
  const noop = compare(
    () => run(process.execPath, [GLORIOUS, 'migrate', 'run', '--skills', tree, '--db', w2db]),
    () => run(process.execPath, ['-e', '0']),
  )
  rows.push(comparisonRow('W2 no-op `glorious migrate run`, 50 skills × 20 (vs node -e 0)', noop, '≤ 150 ms'))
  const kyselyFloor = compare(
    () => run(process.execPath, [GLORIOUS, 'migrate', 'run', '--skills', tree, '--db', w2db]),
    () => run(process.execPath, ['-e', "require('kysely');require('better-sqlite3')"]),
  )
  rows.push(comparisonRow('W2 no-op run vs node loading kysely + better-sqlite3', kyselyFloor, '(report)'))
  const status = compare(
    () => run(process.execPath, [GLORIOUS, 'migrate', 'status', '--skills', tree, '--db', w2db]),
    () => run(process.execPath, ['-e', "require('kysely');require('better-sqlite3')"]),
  )
  rows.push(comparisonRow('`glorious migrate status` vs node loading kysely + better-sqlite3', status, '(report)'))
  const skills = discoverSkills([tree])
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(w2db) }) })
  const check = async () => {
    const started = performance.now()
    const result = await migrateSkills(skills, { database: kysely })
    if (result.applied.length > 0 || result.error) throw new Error('the no-op check applied something or failed')
    return performance.now() - started
  }
  await check()
  const inProcess: number[] = []
  for (let i = 0; i < Math.max(RUNS, 50); i++) inProcess.push(await check())
  await kysely.destroy()
  rows.push({
    workload: 'W2 in-process no-op check, 50 skills × 20, database open',
    ours: seconds(median(inProcess)),
    baseline: '-',
    ratio: '-',
    goal: '≤ 5 ms',
    peak: '-',
  })

  // W3: 200 skills × 10 migrations, fresh.
  const tree3 = skillsTree(join(root, 'w3', 'skills'), 200, 10)
  const files3 = filesOf(discoverSkills([tree3]).map((skill) => skill.migrationsDir))
  const perMigration3 = sqliteScript(files3, false)
  const oneTransaction3 = sqliteScript(files3, true)
  const w3db = join(root, 'w3.db')
  const oursW3 = () => freshApply(['--skills', tree3], w3db, 'delete')
  const w3 = compare(
    oursW3,
    () => run('sqlite3', [w3db], perMigration3),
    () => removeDatabase(w3db),
  )
  rows.push(comparisonRow('W3 fresh apply, 200 skills × 10 (vs sqlite3, one transaction per file)', w3, '≤ 0.50×'))
  const w3absolute = compare(
    oursW3,
    () => run('sqlite3', [w3db], oneTransaction3),
    () => removeDatabase(w3db),
  )
  rows.push(comparisonRow('W3 vs the absolute floor (sqlite3, all files in one transaction)', w3absolute, '(report)'))

  // W4: types for a 300-table schema, whole process; then unchanged.
  const w4dir = join(root, 'w4', 'migrations')
  mkdirSync(w4dir, { recursive: true })
  for (let t = 1; t <= 300; t++) {
    const columns = Array.from(
      { length: 10 },
      (_, c) =>
        `  c${c} ${['TEXT', 'INTEGER', 'REAL', 'BOOLEAN', 'DATETIME', 'JSON', 'BLOB', 'NUMERIC(10,2)', 'VARCHAR(40)', "TEXT NOT NULL DEFAULT ''"][c]}`,
    )
    writeFileSync(
      join(w4dir, `${String(t).padStart(3, '0')}_table_${t}.sql`),
      `CREATE TABLE table_${t} (\n  id INTEGER PRIMARY KEY,\n${columns.join(',\n')}\n);\n`,
    )
  }
  const w4db = join(root, 'w4.db')
  run(process.execPath, [GLORIOUS, 'migrate', 'run', 'types', '--dir', w4dir, '--db', w4db, '--no-codegen'])
  const typesFile = join(root, 'w4', 'db-types.ts')
  const fresh = compare(
    () => run(process.execPath, [GLORIOUS, 'migrate', 'codegen', 'types', '--dir', w4dir, '--db', w4db]),
    () => run(process.execPath, ['-e', '0']),
    () => rmSync(typesFile, { force: true }),
  )
  rows.push(comparisonRow('W4 types for 300 tables, whole process (vs node -e 0)', fresh, '≤ 1 s'))
  run(process.execPath, [GLORIOUS, 'migrate', 'codegen', 'types', '--dir', w4dir, '--db', w4db])
  const mtime = statSync(typesFile).mtimeMs
  const unchanged = compare(
    () => run(process.execPath, [GLORIOUS, 'migrate', 'codegen', 'types', '--dir', w4dir, '--db', w4db]),
    () => run(process.execPath, ['-e', '0']),
  )
  const untouched = statSync(typesFile).mtimeMs === mtime
  rows.push(
    comparisonRow(`W4 unchanged schema: ${untouched ? 'file not rewritten' : 'FILE REWRITTEN'}`, unchanged, 'no write'),
  )

  // Memory: a history ten times longer must not need ten times the memory: migration texts are
  // read one at a time. Data-only histories keep SQLite's own schema small, so the runner is what
  // is measured: the CLI's peak RSS, and the peak JavaScript heap of the same run in-process.
  const memory = (count: number) => {
    const dir = generateMigrations(join(root, `m${count}`, 'migrations'), count, DATA_ONLY)
    const path = join(root, `m${count}.db`)
    const measured = run(process.execPath, [
      GLORIOUS,
      'migrate',
      'run',
      'bench',
      '--dir',
      dir,
      '--db',
      path,
      '--journal-mode',
      'delete',
      '--no-codegen',
    ])
    removeDatabase(path)
    const probe = execFileSync(process.execPath, ['--expose-gc', PROBE, dir, path], { encoding: 'utf8' })
    const heapMiB = (JSON.parse(probe) as { retainedHeapMiB: number }).retainedHeapMiB
    const sqlMiB = filesOf([dir]).reduce((sum, file) => sum + statSync(file).size, 0) / 1024 / 1024
    return { ...measured, sqlMiB, heapMiB }
  }
  const small = memory(1000)
  const large = memory(10_000)
  rows.push({
    workload: `Memory: 10,000 data migrations (${large.sqlMiB.toFixed(1)} MiB of SQL) vs 1,000 (${small.sqlMiB.toFixed(1)} MiB): peak RSS`,
    ours: seconds(large.ms),
    baseline: seconds(small.ms),
    ratio: `${((large.peakMiB ?? 0) / (small.peakMiB ?? 1)).toFixed(2)}×`,
    goal: '(report)',
    peak: `${mib(large.peakMiB)} vs ${mib(small.peakMiB)}`,
  })
  rows.push({
    workload: 'Memory: the same runs in-process: JavaScript heap retained after GC (texts are not kept)',
    ours: '-',
    baseline: '-',
    ratio: `${(large.heapMiB / small.heapMiB).toFixed(2)}×`,
    goal: `grows < SQL size`,
    peak: `${large.heapMiB.toFixed(1)} vs ${small.heapMiB.toFixed(1)}`,
  })

  print()
  rmSync(root, { recursive: true, force: true })
}

function print(): void {
  const header = ['workload', 'ours', 'baseline', 'ratio', 'goal', 'peak MiB']
  const table = [header, ...rows.map((r) => [r.workload, r.ours, r.baseline, r.ratio, r.goal, r.peak])]
  const widths = header.map((_, i) => Math.max(...table.map((cells) => (cells[i] as string).length)))
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`
  console.log(line(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const cells of table.slice(1)) console.log(line(cells))
  const sqlite = execFileSync('sqlite3', ['-version'], { encoding: 'utf8' }).split(' ')[0]
  const memory = (() => {
    try {
      return readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)?.[1]
    } catch {
      return undefined
    }
  })()
  console.log(
    `\nmachine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${memory ? `${Math.round(Number(memory) / 1024 / 1024)} GiB, ` : ''}` +
      `Node ${process.version}, sqlite3 CLI ${sqlite}, better-sqlite3's SQLite ${new Database(':memory:').prepare('select sqlite_version() v').pluck().get()}`,
  )
}

await main()

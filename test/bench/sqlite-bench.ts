import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { discoverSkills, migrateSkills } from '../../lib/index.js'
import { openDatabase } from '../../lib/connection/open-database.js'
import { filesOf, glorious, letFilesAge, nodeStart, root, skillsTree } from './context.js'
import { generateMigrations } from './generate-migrations.js'
import { type Contender, alternate, median, run, seconds } from './measure.js'
import type { BenchOptions } from './options.js'
import { addNote, addRow, versus } from './report.js'

type JournalMode = 'wal' | 'delete'
const MODES: readonly JournalMode[] = ['wal', 'delete']
const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA']
const modeName = (mode: JournalMode) => (mode === 'wal' ? 'WAL' : 'rollback (DELETE)')

/**
 * The settings the toolkit really runs a fresh database with, read through its own connector:
 * journal mode and `synchronous` after its first write transaction (better-sqlite3 is built with
 * SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, which takes effect once the file is in WAL mode).
 */
async function ourSettings(mode: JournalMode): Promise<{ journal: string; synchronous: string }> {
  const path = join(root, `probe-${mode}.db`)
  const session = await openDatabase({ database: path, journalMode: mode }, { readonly: false })
  try {
    await sql`CREATE TABLE probe (x)`.execute(session.db)
    const journal = (await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(session.db)).rows[0]?.journal_mode
    const level = (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(session.db)).rows[0]?.synchronous
    return { journal: String(journal).toUpperCase(), synchronous: SYNCHRONOUS[Number(level)] ?? String(level) }
  } finally {
    await session.close()
    removeDatabase(path)
  }
}

/** The sqlite3 CLI script header that puts the floor on the same settings, checked once. */
function cliHeader(mode: JournalMode, synchronous: string): string {
  const header = `PRAGMA journal_mode = ${mode.toUpperCase()};\nPRAGMA synchronous = ${synchronous};\n`
  const path = join(root, 'probe-cli.db')
  const check = spawnSync('sqlite3', [path], { input: `${header}PRAGMA synchronous;\n`, encoding: 'utf8' })
  removeDatabase(path)
  const [journal, level] = check.stdout.trim().split('\n')
  if (journal !== mode || SYNCHRONOUS[Number(level)] !== synchronous) {
    throw new Error(`the sqlite3 CLI did not take the settings: ${check.stdout} ${check.stderr}`)
  }
  return header
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}

/** The sqlite3 CLI applying files: each in its own transaction, or all in one. */
function cliScript(header: string, files: readonly string[], oneTransaction: boolean): string {
  const bodies = files.map((file) => readFileSync(file, 'utf8'))
  return (
    header +
    (oneTransaction
      ? `BEGIN;\n${bodies.join('\n;\n')}\n;COMMIT;\n`
      : bodies.map((body) => `BEGIN;\n${body}\n;COMMIT;\n`).join(''))
  )
}

/**
 * A fresh apply of `targets` by us and by the sqlite3 CLI (per-file and one-transaction floors),
 * in both journal modes, all six measured alternately. Rows: each mode against both floors.
 */
async function freshApply(
  label: string,
  targets: readonly string[],
  files: readonly string[],
  options: BenchOptions,
  goals: { perFile: string | undefined; oneTransaction: string },
): Promise<void> {
  const contenders: Contender[] = []
  for (const mode of MODES) {
    const settings = await ourSettings(mode)
    const described = `${settings.journal}, synchronous=${settings.synchronous}`
    const header = cliHeader(mode, settings.synchronous)
    const db = join(root, `fresh-${mode}.db`)
    const prepare = () => removeDatabase(db)
    const perFile = goals.perFile === undefined ? '' : cliScript(header, files, false)
    const oneTransaction = cliScript(header, files, true)
    contenders.push(
      {
        name: `ours ${mode}`,
        settings: `${described}, per-migration atomic`,
        prepare,
        run: () => glorious(['migrate', 'run', ...targets, '--db', db, '--journal-mode', mode, '--no-codegen']),
      },
      ...(goals.perFile === undefined
        ? []
        : [
            {
              name: 'sqlite3, one tx per file',
              settings: described,
              prepare,
              run: () => run('sqlite3', [db], { input: perFile }),
            },
          ]),
      {
        name: 'sqlite3, all in one tx',
        settings: described,
        prepare,
        run: () => run('sqlite3', [db], { input: oneTransaction }),
      },
    )
  }
  const results = alternate(contenders, options.runs, options.warmUp)
  const perMode = contenders.length / MODES.length
  MODES.forEach((mode, index) => {
    const [ours, ...floors] = results.slice(index * perMode, (index + 1) * perMode)
    const oneTransaction = floors.at(-1)
    const perFile = floors.length > 1 ? floors[0] : undefined
    if (!ours || !oneTransaction) return
    if (perFile && goals.perFile) versus(`${label}, ${modeName(mode)}: vs per-file floor`, ours, perFile, goals.perFile)
    versus(`${label}, ${modeName(mode)}: vs one-transaction floor`, ours, oneTransaction, goals.oneTransaction)
  })
  if (label.startsWith('W1')) {
    const peaks = results.filter((r) => r.name.startsWith('ours')).map((r) => r.peakMiB ?? Number.NaN)
    addRow({
      workload: `${label}: peak RSS of our process (worst run, either mode)`,
      ours: `${Math.max(...peaks).toFixed(0)} MiB`,
      baseline: '-',
      ratio: '-',
      goal: '≤ 80 MiB',
      peak: peaks.map((p) => p.toFixed(0)).join(' / '),
      settings: 'WAL / rollback',
    })
  }
}

export async function sqliteBench(options: BenchOptions): Promise<void> {
  const cli = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' })
  if (cli.status !== 0) {
    addNote('SQLite rows skipped: the sqlite3 CLI is needed for the floors (apt install sqlite3)')
    return
  }
  const library = new Database(':memory:').prepare('select sqlite_version() v').pluck().get()
  addNote(
    `SQLite: sqlite3 CLI ${cli.stdout.split(' ')[0]}, better-sqlite3's SQLite ${String(library)}; ` +
      `every floor runs with the journal mode and synchronous level our run of the same mode uses (read back from both)`,
  )

  // W1: one skill, fresh database.
  const w1 = generateMigrations(join(root, 'w1', 'migrations'), options.size.w1)
  console.log(`W1: ${options.size.w1} migrations, fresh`)
  await freshApply(`W1 ${options.size.w1} migrations fresh`, ['bench', '--dir', w1], filesOf([w1]), options, {
    perFile: '(report)',
    oneTransaction: '≤ 1.3×',
  })

  // W3: many skills of few migrations, fresh.
  const w3 = skillsTree(join(root, 'w3', 'skills'), options.size.w3Skills, 10, generateMigrations)
  const w3Files = filesOf(discoverSkills([w3]).map((skill) => skill.migrationsDir))
  console.log(`W3: ${options.size.w3Skills} skills × 10, fresh`)
  // Against the one-transaction floor only: the per-file floor of 2000 files in rollback mode
  // (2000 fsyncs) alone would take minutes per round here; W1 reports both floors.
  await freshApply(`W3 ${options.size.w3Skills} skills × 10 fresh`, ['--skills', w3], w3Files, options, {
    perFile: undefined,
    oneTransaction: '≤ 1.1×',
  })

  // W2: everything applied; the whole process against Node's own start-up.
  const w2 = skillsTree(join(root, 'w2', 'skills'), options.size.w2Skills, 20, generateMigrations)
  const w2db = join(root, 'w2.db')
  await letFilesAge()
  glorious(['migrate', 'run', '--skills', w2, '--db', w2db])
  const w2Label = `W2 no-op, ${options.size.w2Skills} skills × 20`
  console.log(w2Label)
  const [noop, node, loaders, status] = alternate(
    [
      { name: 'ours', settings: 'WAL', run: () => glorious(['migrate', 'run', '--skills', w2, '--db', w2db]) },
      { name: 'node -e 0', settings: '-', run: nodeStart },
      {
        name: 'node loading kysely + better-sqlite3',
        settings: '-',
        run: () => run(process.execPath, ['-e', "require('kysely');require('better-sqlite3')"]),
      },
      {
        name: 'status',
        settings: 'WAL',
        run: () => glorious(['migrate', 'status', '--skills', w2, '--db', w2db]),
      },
    ],
    options.runs,
    options.warmUp,
  )
  if (!noop || !node || !loaders || !status) return
  versus(`${w2Label}, whole process \`migrate run\``, noop, node, '≤ 1.8×')
  versus(`${w2Label}, whole process \`migrate run\``, noop, loaders, '(report)')
  versus(`${w2Label}, whole process \`migrate status\``, status, node, '(report)')

  // The same check in-process with the database open.
  const skills = discoverSkills([w2])
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(w2db) }) })
  const check = async () => {
    const started = performance.now()
    const result = await migrateSkills(skills, { database: kysely })
    if (result.applied.length > 0 || result.error) throw new Error('the no-op check applied something or failed')
    return performance.now() - started
  }
  await check()
  const inProcess: number[] = []
  for (let i = 0; i < Math.max(options.runs, options.quick ? 5 : 50); i++) inProcess.push(await check())
  await kysely.destroy()
  addRow({
    workload: `${w2Label}, in-process check, database open`,
    ours: seconds(median(inProcess)),
    baseline: '-',
    ratio: '-',
    goal: '≤ 5 ms',
    peak: '-',
    settings: `WAL, median of ${inProcess.length}`,
  })
  console.log(`  in-process no-op check: ${seconds(median(inProcess))}`)
}

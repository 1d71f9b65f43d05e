/**
 * `node build/test/bench/drift-bench.js`: what drift detection costs (SQLite; medians of RUNS runs).
 *
 * - recording the fingerprints after a run that applied something (50 skills × 20 migrations,
 *   and 1 skill × 1000 migrations);
 * - `getStatus` in-process with the fingerprints checked, against the same call on the same
 *   database without a fingerprint table (what status cost before drift detection);
 * - the whole `glorious migrate status` and no-op `run` processes, with and without fingerprints;
 * - `detectDrift` of 50 skills × 20 migrations (a replay into an in-memory database).
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { detectDrift, discoverSkills, getStatus, migrateSkills } from '../../lib/index.js'
import { openDatabase } from '../../lib/connection/open-database.js'
import { recordSchemaFingerprints } from '../../lib/drift/record-fingerprints.js'
import { generateMigrations } from './generate-migrations.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 9)
const GLORIOUS = fileURLToPath(new URL('../../bin/glorious.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'glorious-drift-bench-'))

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

async function medianOf(fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn() // warm-up
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await time(fn))
  return median(times)
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`
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

async function main(): Promise<void> {
  const env = { ...process.env, GLORIOUS_HOME: join(root, 'home'), GLORIOUS_CHECKSUM_CACHE: 'off' }
  const tree = skillsTree(join(root, 'w2'), 50, 20)
  const skills = discoverSkills([tree])
  const database = join(root, 'w2.db')
  const run = await migrateSkills(skills, { database, codegen: false })
  if (run.error) throw run.error
  const withoutTable = join(root, 'w2-no-fingerprints.db')
  copyFileSync(database, withoutTable)
  const plain = new Database(withoutTable)
  plain.exec('DROP TABLE _migration_fingerprints')
  plain.close()
  const objects = (
    new Database(database).prepare('SELECT count(*) AS n FROM _migration_objects').get() as { n: number }
  ).n

  const session = await openDatabase({ database }, { readonly: false })
  const record50 = await medianOf(() => recordSchemaFingerprints(session, 60_000))
  await session.close()

  const w1 = generateMigrations(join(root, 'w1', 'migrations'), 1000)
  const w1db = join(root, 'w1.db')
  let fresh = 0
  const w1apply = await medianOf(async () => {
    rmSync(join(root, `w1-${fresh}.db`), { force: true })
    const result = await migrateSkills([{ name: 'w1', migrationsDir: w1 }], {
      database: join(root, `w1-${++fresh}.db`),
      codegen: false,
    })
    if (result.error) throw result.error
  })
  const w1run = await migrateSkills([{ name: 'w1', migrationsDir: w1 }], { database: w1db, codegen: false })
  if (w1run.error) throw w1run.error
  const w1session = await openDatabase({ database: w1db }, { readonly: false })
  const record1000 = await medianOf(() => recordSchemaFingerprints(w1session, 60_000))
  await w1session.close()

  const statusWith = await medianOf(() => getStatus({ database, skills }))
  const statusWithout = await medianOf(() => getStatus({ database: withoutTable, skills }))
  const cli = (db: string, command: string) => () =>
    execFileSync(process.execPath, [GLORIOUS, 'migrate', command, '--db', db, '--skills', tree], { env })
  const processWith = await medianOf(cli(database, 'status'))
  const processWithout = await medianOf(cli(withoutTable, 'status'))
  const runWith = await medianOf(cli(database, 'run'))
  const runWithout = await medianOf(cli(withoutTable, 'run'))
  const drift = await medianOf(() => detectDrift({ database, skills }))

  console.log(`drift detection costs (SQLite, medians of ${RUNS} runs after a warm-up)\n`)
  console.log('| what | with fingerprints | without | ')
  console.log('|---|---|---|')
  console.log(
    `| record fingerprints after a run, 50 skills × 20 migrations (${objects} tables and views) | ${ms(record50)} | - |`,
  )
  console.log(
    `| record fingerprints after a run, 1 skill × 1000 migrations (the whole in-process run: ${ms(w1apply)}) | ${ms(record1000)} | - |`,
  )
  console.log(`| getStatus in-process, 50 skills × 20 | ${ms(statusWith)} | ${ms(statusWithout)} |`)
  console.log(`| \`glorious migrate status\` process, 50 skills × 20 | ${ms(processWith)} | ${ms(processWithout)} |`)
  console.log(`| no-op \`glorious migrate run\` process, 50 skills × 20 | ${ms(runWith)} | ${ms(runWithout)} |`)
  console.log(`| detectDrift, 50 skills × 20 (replay of 1000 migrations in memory) | ${ms(drift)} | - |`)
  rmSync(root, { recursive: true, force: true })
}

await main()

// A real process that migrates one skill with the library (createMigrator), for the race and crash
// tests. Like test/helpers/migrate-worker.ts it is fully loaded before it starts: it prints "ready"
// and waits for a line on stdin (a barrier). While it runs it prints `progress <version>` as each
// migration finishes inside its transaction (before the commit), so a test that kills it knows
// where it was; at the end one JSON line: `{"applied":[…],"error":…,"elapsedMs":…}`.
//
// usage: migrate-worker <json options: database, migrationsDir, skill, journalMode?, lockTimeoutMs?, codegen?>
import { performance } from 'node:perf_hooks'
import { createMigrator } from '../../lib/index.js'

export interface WorkerConfig {
  readonly database: string
  readonly migrationsDir: string
  readonly skill: string
  readonly journalMode?: 'wal' | 'delete'
  readonly lockTimeoutMs?: number
  /** Types after the run, as the library does by default. @default true */
  readonly codegen?: boolean
}

/** The JSON line the worker prints last. */
export interface WorkerReport {
  readonly applied: number[]
  readonly error: string | undefined
  /** From "go" until the run (and codegen) returned. */
  readonly elapsedMs: number
}

const config = JSON.parse(process.argv[2] ?? 'null') as WorkerConfig | null
if (!config) throw new Error('usage: migrate-worker <json options>')

process.stdout.write('ready\n')
process.stdin.once('data', async () => {
  const started = performance.now()
  const migrator = createMigrator({
    database: config.database,
    migrationsDir: config.migrationsDir,
    skill: config.skill,
    journalMode: config.journalMode,
    lockTimeoutMs: config.lockTimeoutMs,
    codegen: config.codegen,
    onProgress: ({ migration }) => void process.stdout.write(`progress ${migration.version}\n`),
  })
  const { error, applied } = await migrator.migrateToLatest()
  await migrator.destroy()
  const report: WorkerReport = {
    applied: applied.map((m) => m.version),
    error: error?.message,
    elapsedMs: Math.round(performance.now() - started),
  }
  process.stdout.write(`${JSON.stringify(report)}\n`)
  process.exitCode = error ? 1 : 0
  process.stdin.destroy()
})

// A real process that migrates one skill when its parent says "go" on stdin (a barrier: every
// worker is loaded and waiting before any of them starts). Prints one JSON line with what it did.
import { createMigrator } from '../../lib/index.js'

const [database, migrationsDir, skill, journalMode, lockTimeoutMs] = process.argv.slice(2)
if (!database || !migrationsDir || !skill)
  throw new Error('usage: migrate-worker <database> <dir> <skill> [wal|delete] [lockTimeoutMs]')

process.stdout.write('ready\n')
process.stdin.once('data', async () => {
  const migrator = createMigrator({
    database,
    migrationsDir,
    skill,
    journalMode: journalMode === 'delete' ? 'delete' : 'wal',
    lockTimeoutMs: lockTimeoutMs ? Number(lockTimeoutMs) : undefined,
  })
  const { error, applied } = await migrator.migrateToLatest()
  await migrator.destroy()
  process.stdout.write(`${JSON.stringify({ applied: applied.map((m) => m.version), error: error?.message })}\n`)
  process.exitCode = error ? 1 : 0
  process.stdin.destroy()
})

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { raceProcesses } from '../helpers/processes.js'
import { rows } from '../helpers/sqlite.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const WORKER = fileURLToPath(new URL('../helpers/migrate-worker.js', import.meta.url))
const PROCESSES = 6
const ROUNDS = 10
const MIGRATIONS = 20

function history(): Record<string, string> {
  const files: Record<string, string> = { '001_init.sql': 'CREATE TABLE applied_log (n INTEGER NOT NULL);' }
  for (let n = 2; n <= MIGRATIONS; n++) {
    const name = `${String(n).padStart(3, '0')}_step.sql`
    // Non-idempotent on purpose: a second application would fail or add a visible duplicate row.
    files[name] =
      n % 2 === 0
        ? `INSERT INTO applied_log VALUES (${n});`
        : `CREATE TABLE t${n} (x);\nINSERT INTO applied_log VALUES (${n});`
  }
  return files
}

describe('concurrent migrators on one database file', () => {
  for (const journal of ['wal', 'delete'] as const) {
    it(`serialise: ${PROCESSES} processes × ${ROUNDS} rounds (${journal}), each migration applied exactly once, no process fails`, async () => {
      const root = tempDir()
      const dir = migrationsDir(root, history())
      for (let round = 0; round < ROUNDS; round++) {
        const database = join(root, `round-${round}.db`)
        const results = await raceProcesses(WORKER, [database, dir, 'race', journal], PROCESSES)
        const failures = results.filter((r) => r.code !== 0)
        assert.deepEqual(failures, [], `round ${round}: ${failures.map((f) => f.stdout + f.stderr).join('\n')}`)
        const applied = results.flatMap((r) => (JSON.parse(r.stdout.trim()) as { applied: number[] }).applied)
        assert.deepEqual(
          [...applied].sort((a, b) => a - b),
          Array.from({ length: MIGRATIONS }, (_, i) => i + 1),
        )
        assert.deepEqual(rows(database, 'SELECT count(*) AS n, count(DISTINCT version) AS d FROM _migrations'), [
          { n: MIGRATIONS, d: MIGRATIONS },
        ])
        assert.deepEqual(rows(database, 'SELECT count(*) AS n, count(DISTINCT n) AS d FROM applied_log'), [
          { n: MIGRATIONS - 1, d: MIGRATIONS - 1 },
        ])
      }
    })
  }
})

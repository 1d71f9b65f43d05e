// Smoke test of `npm run bench` (not part of `npm test`: it takes ~30 s and loads the machine):
//   node --test build/test/bench/bench.test.js
// It checks the shape of the output, never a timing.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseOptions } from './options.js'

const BENCH = fileURLToPath(new URL('./bench.js', import.meta.url))

describe('npm run bench', () => {
  it('--quick --only sqlite prints every SQLite row with each side at the same settings', () => {
    const run = spawnSync(process.execPath, [BENCH, '--quick', '--only', 'sqlite'], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    const rows = run.stdout.split('\n').filter((line) => line.startsWith('| W'))
    for (const mode of ['WAL', 'rollback (DELETE)']) {
      for (const floor of ['per-file floor', 'one-transaction floor']) {
        const row = rows.find((line) => line.includes(`W1 100 migrations fresh, ${mode}: vs ${floor}`))
        assert.ok(row, `no W1 ${mode} ${floor} row in:\n${run.stdout}`)
        // Ours and the floor name the same journal mode and synchronous level.
        const levels = [...row.matchAll(/(WAL|DELETE), synchronous=(\w+)/g)].map((m) => m[0])
        assert.equal(levels.length, 2, row)
        assert.equal(levels[0], levels[1], row)
      }
    }
    assert.ok(rows.some((line) => line.includes('in-process check')))
    assert.match(run.stdout, /load: `node -e 0` median of 5 took/)
  })

  it('refuses an unknown section with the list of sections', () => {
    assert.throws(
      () => parseOptions(['--only', 'oracle'], {}),
      /unknown section "oracle".*sqlite, types, memory, pg, mysql/,
    )
    assert.deepEqual([...parseOptions(['--only', 'postgres,mariadb'], {}).sections], ['pg', 'mysql'])
    assert.equal(parseOptions([], { BENCH_RUNS: '7' }).runs, 7)
  })
})

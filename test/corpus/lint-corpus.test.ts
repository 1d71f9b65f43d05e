/**
 * Lint over every history of the shared corpus (real migrations of real projects, in each
 * dialect): no crash, no file it cannot read, the same findings on a second run, and a table of
 * findings per history (rule id × count) in the test output.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { type EngineName, type LintReport, lintMigrations } from '../../lib/index.js'
import { CORPUS } from '../helpers/corpus.js'
import { tempDir } from '../helpers/temp.js'

const ENGINES: Readonly<Record<string, EngineName>> = { sqlite: 'sqlite', postgres: 'postgres', mysql: 'mysql' }

function histories(): { name: string; engine: EngineName }[] {
  return readdirSync(CORPUS)
    .filter((name) => existsSync(join(CORPUS, name, 'migrations')))
    .sort()
    .map((name) => {
      const engine = ENGINES[name.slice(name.lastIndexOf('-') + 1)]
      assert.ok(engine, `history ${name} names no dialect`)
      return { name, engine }
    })
}

async function lint(history: string, engine: EngineName): Promise<LintReport> {
  const home = join(tempDir(), 'home')
  mkdirSync(home)
  return lintMigrations({
    skills: [{ name: history, migrationsDir: join(CORPUS, history, 'migrations') }],
    engine,
    home,
    env: {},
  })
}

test('lint reads every corpus history without a crash, the same way twice, and tells its findings', async () => {
  const found = histories()
  assert.ok(found.length >= 8, `${found.length} histories`)
  const table: string[] = []
  const totals = new Map<string, number>()
  for (const { name, engine } of found) {
    const first = await lint(name, engine)
    const second = await lint(name, engine)
    assert.deepEqual(first.problems, [], `${name}: every file read and split`)
    assert.deepEqual(second, first, `${name}: stable output`)
    assert.ok(first.migrations > 0)
    const counts = new Map<string, number>()
    for (const finding of first.findings) counts.set(finding.ruleId, (counts.get(finding.ruleId) ?? 0) + 1)
    const rows = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    table.push(
      `${name} (${engine}, ${first.migrations} files): ${first.findings.length} findings, ${first.notes.length} notes`,
    )
    for (const [rule, count] of rows) {
      table.push(`  ${rule.padEnd(40)} ${String(count).padStart(4)}`)
      totals.set(rule, (totals.get(rule) ?? 0) + count)
    }
    for (const note of first.notes) table.push(`  note: ${note}`)
  }
  console.log(`lint findings per corpus history (rule id × count)\n${table.join('\n')}`)
  // Every engine's rule set found something real to say about real histories.
  for (const prefix of ['sqlite-', 'pg-', 'mysql-'])
    assert.ok(
      [...totals.keys()].some((rule) => rule.startsWith(prefix)),
      `a ${prefix} rule fired`,
    )
})

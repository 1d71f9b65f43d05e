import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { migrationsDir, tempDir } from '../helpers/temp.js'
import { applySkills } from './helpers.js'

const TABLES = 300

/** One table of the benchmark schema: 12 columns of the usual kinds. */
function createTable(index: number): string {
  return (
    `CREATE TABLE table_${String(index).padStart(3, '0')} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ` +
    `created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, flag BOOLEAN NOT NULL DEFAULT 0, amount REAL, note TEXT, ` +
    `data JSON, ref_id INTEGER, kind VARCHAR(20), payload BLOB, score NUMERIC, ` +
    `doubled INTEGER GENERATED ALWAYS AS (ref_id * 2) VIRTUAL);`
  )
}

/**
 * Measured in a fresh Node process, as the CLI would run it: the cost of importing the codegen
 * entry point, of ts-morph alone, and of whole `generateTypes` calls (the first pays for
 * ts-morph; the second finds the file unchanged).
 */
const MEASURE = `
const [index, tsMorph, database, migrationsDir] = process.argv.slice(2)
const started = performance.now()
const { openDatabase } = await import(new URL('../lib/connection/open-database.js', index).href)
const session = await openDatabase({ database }, { readonly: false })
let t = performance.now()
const { generateTypes } = await import(index)
const importCodegen = performance.now() - t
t = performance.now()
const [first] = await generateTypes(session, [{ skill: 'bench', migrationsDir }], {})
const firstCall = performance.now() - t
t = performance.now()
const [second] = await generateTypes(session, [{ skill: 'bench', migrationsDir }], {})
const secondCall = performance.now() - t
await session.close()
t = performance.now()
await import(tsMorph)
const importTsMorphAgain = performance.now() - t
console.log(JSON.stringify({ importCodegen, firstCall, secondCall, importTsMorphAgain, total: performance.now() - started, first, second }))
`

const IMPORT_TS_MORPH = `const t = performance.now(); await import('ts-morph'); console.log(performance.now() - t)`

describe(`codegen timing for ${TABLES} tables`, () => {
  it('generates the whole file in one call, well within budget, and reports the figures', async (t) => {
    const root = tempDir('glorious-bench-')
    const database = join(root, 'agent.db')
    const dir = migrationsDir(join(root, 'bench'), {
      '001_tables.sql': Array.from({ length: TABLES }, (_, index) => createTable(index)).join('\n'),
    })
    await applySkills(database, [{ name: 'bench', migrationsDir: dir }])
    const index = new URL('../../codegen/index.js', import.meta.url).href
    const script = join(root, 'measure.mjs')
    writeFileSync(script, MEASURE)
    const cwd = fileURLToPath(new URL('../../../', import.meta.url))
    const tsMorph = import.meta.resolve('ts-morph')
    const run = spawnSync(process.execPath, [script, index, tsMorph, database, dir], { cwd, encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    const figures = JSON.parse(run.stdout) as Record<string, number> & {
      first: { status: string; tables: number; path: string }
      second: { status: string }
    }
    const alone = spawnSync(process.execPath, ['--input-type=module', '-e', IMPORT_TS_MORPH], { cwd, encoding: 'utf8' })
    const importTsMorph = Number(alone.stdout)

    t.diagnostic(
      `${TABLES} tables × 12 columns: import codegen/index.js ${figures.importCodegen?.toFixed(0)} ms; ` +
        `first generateTypes ${figures.firstCall?.toFixed(0)} ms (includes importing ts-morph); ` +
        `second (unchanged) ${figures.secondCall?.toFixed(0)} ms; ts-morph import alone ${importTsMorph.toFixed(0)} ms`,
    )
    assert.equal(figures.first.status, 'written')
    assert.equal(figures.first.tables, TABLES)
    assert.equal(figures.second.status, 'unchanged')
    assert.equal(
      (readFileSync(figures.first.path, 'utf8').match(/^export interface Table\d+Table \{$/gm) ?? []).length,
      TABLES,
    )
    assert.ok(
      (figures.importCodegen ?? Infinity) < 300,
      `importing codegen/index.js must not load ts-morph (${figures.importCodegen} ms)`,
    )
    assert.ok(
      figures.importTsMorphAgain !== undefined && figures.importTsMorphAgain < 50,
      'ts-morph was already loaded by the first call',
    )
    assert.ok((figures.firstCall ?? Infinity) < 10_000, `first call took ${figures.firstCall} ms`)
    assert.ok(importTsMorph > 0)
  })
})

/**
 * Every corpus history of the engines under test (`GLORIOUS_TEST_ENGINES`, SQLite by default)
 * applied through the library, then checked for drift: right after the run, `status` finds the
 * fingerprint unchanged and the replay into a scratch database matches the live schema object
 * for object. Prints a table of figures (objects compared, time of status and of drift).
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { detectDrift, getStatus, migrateSkills } from '../../lib/index.js'
import { CORPUS, NEEDS_DQS, buildDqsExtension } from '../helpers/corpus.js'
import { ENGINES } from '../helpers/engines.js'
import { tempDir } from '../helpers/temp.js'

const SUFFIX = { sqlite: '-sqlite', postgres: '-postgres', mysql: '-mysql' } as const
const figures: string[] = []
after(() => {
  console.log(
    ['', '| history | tables and views | status | drift (replay + compare) |', '|---|---|---|---|', ...figures].join(
      '\n',
    ),
  )
})

for (const engine of ENGINES) {
  const histories = readdirSync(CORPUS)
    .filter((name) => name.endsWith(SUFFIX[engine.name]) && existsSync(join(CORPUS, name, 'migrations')))
    .sort()
  describe(`corpus drift on ${engine.name}`, () => {
    it('finds histories to check', () => {
      assert.ok(histories.length > 0)
    })
    for (const history of histories) {
      it(`${history}: no drift right after the run, by fingerprint and by replay`, async () => {
        const db = await engine.create()
        const extensions = NEEDS_DQS.has(history) ? [buildDqsExtension(tempDir())] : []
        const skills = [{ name: history, migrationsDir: join(CORPUS, history, 'migrations') }]
        const options = { database: db.database, extensions }
        const run = await migrateSkills(skills, { ...options, codegen: false })
        assert.equal(run.error, undefined, run.error?.message)
        let start = performance.now()
        const [status] = await getStatus({ ...options, skills })
        const statusMs = performance.now() - start
        assert.equal(status?.drift, 'unchanged', status?.problems.map((p) => p.message).join('\n'))
        assert.equal(status?.state, 'ok')
        start = performance.now()
        const report = await detectDrift({ ...options, skills })
        const driftMs = performance.now() - start
        const differences = report.skills.flatMap((s) => s.drift.flatMap((d) => [...d.differences, d.diff]))
        assert.equal(report.drifted, false, differences.join('\n'))
        const objects = report.skills[0]?.objects.length ?? 0
        assert.ok(objects > 0, 'the history owns tables')
        figures.push(`| ${history} | ${objects} | ${statusMs.toFixed(0)} ms | ${driftMs.toFixed(0)} ms |`)
      })
    }
  })
}

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { MigrationFailedError, createMigrator } from '../../lib/index.js'
import { CORPUS, NEEDS_DQS, buildDqsExtension, sqliteHistories } from '../helpers/corpus.js'
import { schemaDump } from '../helpers/sqlite.js'
import { tempDir } from '../helpers/temp.js'

describe('real histories from the corpus apply exactly as the sqlite3 client applies them', () => {
  const histories = sqliteHistories()
  it('finds the SQLite histories', () => {
    assert.deepEqual(histories, ['atuin-sqlite', 'grocy-sqlite', 'pingvinshare-sqlite'])
  })

  for (const history of histories) {
    it(`${history}: schema byte-identical to expected-schema.sql`, async () => {
      const root = tempDir()
      const database = join(root, 'agent.db')
      const extensions = NEEDS_DQS.has(history) ? [buildDqsExtension(root)] : []
      const migrator = createMigrator({
        database,
        skill: 'corpus',
        migrationsDir: join(CORPUS, history, 'migrations'),
        extensions,
        codegen: false,
      })
      const { error, applied } = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(error, undefined)
      assert.ok(applied.length > 10)
      assert.equal(schemaDump(database), readFileSync(join(CORPUS, history, 'expected-schema.sql'), 'utf8'))
    })
  }

  it("pingvinshare-sqlite without double-quoted strings stops at 009 with SQLite's own hint, keeping 001-008", async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const migrator = createMigrator({
      database,
      skill: 'corpus',
      migrationsDir: join(CORPUS, 'pingvinshare-sqlite', 'migrations'),
      codegen: false,
    })
    const { error, applied } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(error instanceof MigrationFailedError)
    assert.equal(error.filename, '009_category_attribute_config.sql')
    assert.match(
      error.message,
      /statement \d+ \(line \d+\): no such column: "internal" - should this be a string literal in single-quotes\?/,
    )
    assert.equal(applied.length, 8)
  })
})

import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { TypesFileError, createMigrator, migrateSkills } from '../../lib/index.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

describe('types that cannot be generated after a run', () => {
  it('are reported as typesError (and a warning); the migrations stay applied', async () => {
    const root = tempDir()
    const dir = migrationsDir(root, { '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    mkdirSync(join(root, 'db-types.ts'))
    const result = await migrateSkills([{ name: 'notes', migrationsDir: dir }], { database: join(root, 'a.db') })
    assert.equal(result.error, undefined)
    assert.deepEqual(
      result.applied.map((m) => m.filename),
      ['001_notes.sql'],
    )
    assert.ok(result.typesError instanceof TypesFileError, String(result.typesError))
    assert.equal(result.typesError.skill, 'notes')
    assert.deepEqual(result.warnings, [`types were not generated: ${result.typesError.message}`])

    const migrator = createMigrator({ database: join(root, 'b.db'), skill: 'notes', migrationsDir: dir })
    const single = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(single.typesError instanceof TypesFileError)
  })

  it('is undefined when the types were written', async () => {
    const root = tempDir()
    const dir = migrationsDir(root, { '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    const result = await migrateSkills([{ name: 'notes', migrationsDir: dir }], { database: join(root, 'a.db') })
    assert.equal(result.typesError, undefined)
    assert.deepEqual(
      result.types.map((t) => t.status),
      ['written'],
    )
  })
})

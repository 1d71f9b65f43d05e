import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { rows } from '../helpers/sqlite.js'
import { tempDir, writeTree } from '../helpers/temp.js'

/** A skill whose db-types.ts cannot be written: the path is a folder. */
function workspace() {
  const root = tempDir()
  const skills = join(root, 'skills')
  writeTree(skills, {
    'notes/skill.json': JSON.stringify({ name: 'notes' }),
    'notes/migrations/001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);',
  })
  mkdirSync(join(skills, 'notes', 'db-types.ts'))
  const db = join(root, 'agent.db')
  return { db, run: (...args: string[]) => glorious(['migrate', 'run', ...args, '--skills', skills, '--db', db]) }
}

const NOT_WRITTEN = /type file .*\/skills\/notes\/db-types\.ts is a folder: check the path and its permissions/

describe('run --strict: types that cannot be written are an error', () => {
  it('without --strict: a warning, exit 0', async () => {
    const { run } = workspace()
    const result = await run()
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^warning: types were not generated: skill "notes": /m)
    assert.match(result.stderr, NOT_WRITTEN)
  })

  it('with --strict: one error line, exit 1; the migrations stay applied', async () => {
    const { db, run } = workspace()
    const result = await run('--strict')
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stdout, /applied +notes +001_notes\.sql/)
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
    assert.match(result.stderr, /^error: skill "notes": type file /)
    assert.match(result.stderr, NOT_WRITTEN)
    assert.deepEqual(
      rows(db, 'SELECT filename, types_pending FROM _migrations'),
      [{ filename: '001_notes.sql', types_pending: 1 }],
      'applied, and the types are still owed to the next run',
    )
  })

  it('with --strict --json: ok false and the error in the document, exit 1', async () => {
    const { run } = workspace()
    const result = await run('--strict', '--json')
    assert.equal(result.code, 1, result.stderr)
    const doc = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; message: string } | null }
    assert.equal(doc.ok, false)
    assert.equal(doc.error?.code, 'types-file')
    assert.match(doc.error?.message ?? '', NOT_WRITTEN)
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { ENGINES } from '../helpers/engines.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

for (const engine of ENGINES) {
  describe(`glorious migrate drift on ${engine.name}`, () => {
    it('exits 0 without drift, 1 with a readable diff, prints one JSON document, and status agrees', async () => {
      const db = await engine.create()
      const skills = tempDir()
      skillFolder(skills, 'notes', {
        '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL);',
      })
      skillFolder(skills, 'tasks', { '001_tasks.sql': 'CREATE TABLE tasks (id INTEGER PRIMARY KEY);' })
      const cli = (...args: string[]) => glorious(['migrate', ...args, ...db.cliArgs, '--skills', skills])
      assert.equal((await cli('run', '--no-codegen')).code, 0)

      let result = await cli('drift')
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /^notes: no drift \(1 table or view compared\)$/m)
      assert.match(result.stdout, /^No drift: migrations replayed into .*, since removed/m)
      assert.equal(result.stderr, '')

      await db.query('ALTER TABLE notes ADD COLUMN extra VARCHAR(10)')
      result = await cli('drift')
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stdout, /^notes: drift in 1 object$/m)
      assert.match(result.stdout, /^ {2}table notes: live has column .*extra.* not in migrations$/m)
      assert.match(result.stdout, /^ {4}\+.*extra/m, 'the unified diff shows the added line')
      assert.match(result.stdout, /^tasks: no drift/m)
      assert.match(result.stdout, /^Drift in 1 of 2 skills/m)

      result = await cli('drift', 'notes', '--json')
      assert.equal(result.code, 1)
      const document = JSON.parse(result.stdout) as {
        ok: boolean
        drifted: boolean
        skills: { skill: string; drifted: boolean; drift: { name: string; differences: string[]; diff: string }[] }[]
      }
      assert.equal(document.ok, false)
      assert.equal(document.drifted, true)
      assert.deepEqual(
        document.skills.map((s) => [s.skill, s.drifted, s.drift.map((d) => d.name)]),
        [['notes', true, ['notes']]],
      )
      assert.match(document.skills[0]?.drift[0]?.differences[0] ?? '', /live has column .*extra/)

      result = await cli('drift', 'tasks')
      assert.equal(result.code, 0, 'another skill is not affected')

      result = await cli('status')
      assert.equal(result.code, 1)
      assert.match(result.stdout, /^notes +1 +1 +0 +schema drift$/m)
      assert.match(result.stdout, /glorious migrate drift notes/)
      result = await cli('status', '--json')
      const status = JSON.parse(result.stdout) as {
        ok: boolean
        skills: { skill: string; state: string; drift: string }[]
      }
      assert.equal(status.ok, false)
      assert.deepEqual(
        status.skills.map((s) => [s.skill, s.state, s.drift]),
        [
          ['notes', 'drifted', 'drifted'],
          ['tasks', 'ok', 'unchanged'],
        ],
      )
      result = await cli('status', '--no-drift')
      assert.equal(result.code, 0, '--no-drift skips the comparison')

      result = await cli('drift', 'nosuch')
      assert.equal(result.code, 1)
      assert.match(result.stderr, /^error: skill "nosuch" has no applied migrations in .*: nothing to compare/m)
    })
  })
}

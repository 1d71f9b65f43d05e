import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  AcceptError,
  BaselineConflictError,
  ChecksumMismatchError,
  acceptMigration,
  baselineSkill,
  createMigrator,
  getEvents,
  getHistory,
} from '../../lib/index.js'
import { glorious } from '../helpers/cli.js'
import { ENGINES } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

for (const engine of ENGINES) {
  describe(`baseline on ${engine.name}`, () => {
    it('records versions 1-N as applied without running them, marked baselined; later migrations run on top', async () => {
      const db = await engine.create()
      // The schema of 001-002 exists already, made outside the toolkit.
      await db.query('CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100))')
      await db.query('CREATE INDEX notes_body ON notes (body)')
      const dir = migrationsDir(tempDir(), {
        '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100));',
        '002_index.sql': 'CREATE INDEX notes_body ON notes (body);',
        '003_tags.sql': 'CREATE TABLE tags (name VARCHAR(20) PRIMARY KEY);',
      })
      const result = await baselineSkill({ database: db.database, skill: 'notes', migrationsDir: dir, to: 2 })
      assert.deepEqual(
        result.recorded.map((row) => row.filename),
        ['001_notes.sql', '002_index.sql'],
      )
      assert.deepEqual(result.owned, ['notes'])
      const history = await getHistory({ database: db.database })
      assert.deepEqual(
        history.map((row) => [row.filename, row.source]),
        [
          ['002_index.sql', 'baseline'],
          ['001_notes.sql', 'baseline'],
        ],
      )
      const [event] = await getEvents({ database: db.database })
      assert.equal(event?.event, 'baseline')
      assert.match(event?.detail ?? '', /versions 1, 2 recorded as applied without running them/)
      // Nothing ran: a second CREATE TABLE notes would have failed. Now 003 applies on top.
      const run = await createMigrator({ database: db.database, skill: 'notes', migrationsDir: dir }).migrateToLatest()
      assert.equal(run.error, undefined, String(run.error))
      assert.deepEqual(
        run.applied.map((m) => m.filename),
        ['003_tags.sql'],
      )
      assert.equal(run.types[0]?.status, 'written', run.warnings.join('\n'))
    })

    it('refuses versions the ledger already has, and records nothing', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), {
        '001_a.sql': 'CREATE TABLE a (x INTEGER);',
        '002_b.sql': 'CREATE TABLE b (x INTEGER);',
      })
      await createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false }).migrateTo(1)
      const before = await db.dump()
      await assert.rejects(
        baselineSkill({ database: db.database, skill: 's', migrationsDir: dir, to: 2 }),
        (error: unknown) =>
          error instanceof BaselineConflictError && /version\(s\) 1 are already recorded/.test(error.message),
      )
      assert.equal(await db.dump(), before)
    })
  })

  describe(`accept on ${engine.name}`, () => {
    it('records an edited file with an audit row saying whether it changed SQL', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), { '001_a.sql': 'CREATE TABLE a (x INTEGER);' })
      const migrator = createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false })
      await migrator.migrateToLatest()
      writeFileSync(join(dir, '001_a.sql'), '-- the table of a\nCREATE TABLE a   (x INTEGER); -- done\n')
      assert.ok((await migrator.migrateToLatest()).error instanceof ChecksumMismatchError)
      const comments = await acceptMigration({ database: db.database, skill: 's', migrationsDir: dir, version: 1 })
      assert.equal(comments.event, 'accept')
      assert.equal(comments.change, 'whitespace-and-comments')
      assert.equal((await migrator.migrateToLatest()).error, undefined)
      writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER, y INTEGER);')
      const changed = await acceptMigration({ database: db.database, skill: 's', migrationsDir: dir, version: 1 })
      assert.equal(changed.change, 'sql')
      await migrator.destroy()
      const events = await getEvents({ database: db.database })
      assert.deepEqual(
        events.map((event) => [event.event, event.change, event.oldChecksum === changed.oldChecksum]),
        [
          ['accept', 'sql', true],
          ['accept', 'whitespace-and-comments', false],
        ],
      )
      assert.ok(events.every((event) => event.user !== null && event.host !== null))
      await assert.rejects(
        acceptMigration({ database: db.database, skill: 's', migrationsDir: dir, version: 1 }),
        (error: unknown) => error instanceof AcceptError && /is unchanged since it was applied/.test(error.message),
      )
    })

    it('through the CLI: asks for --yes without a terminal; history shows the accept', async () => {
      const db = await engine.create()
      const root = tempDir()
      const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x INTEGER);' })
      await createMigrator({ database: db.database, skill: 's', migrationsDir: dir, codegen: false }).migrateToLatest()
      writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER); -- edited')
      const refused = await glorious(['migrate', 'accept', 's', '1', '--dir', dir, ...db.cliArgs])
      assert.equal(refused.code, 2)
      assert.match(refused.stderr, /needs confirmation, and there is no terminal to ask: pass --yes/)
      const done = await glorious(['migrate', 'accept', 's', '1', '--dir', dir, '--yes', ...db.cliArgs])
      assert.equal(done.code, 0, done.stderr)
      assert.match(
        done.stdout,
        /^accepted s 001_a.sql: checksum [0-9a-f]{12} -> [0-9a-f]{12}; the edit only touches comments and whitespace$/m,
      )
      const history = await glorious(['migrate', 'history', ...db.cliArgs])
      assert.match(
        history.stdout,
        /Audit \(newest first\):\n {2}\S+ {2}s version 1: edit accepted \(comments and whitespace only\)/,
      )
      const json = await glorious(['migrate', 'history', '--json', ...db.cliArgs])
      const document = JSON.parse(json.stdout) as { events: { event: string }[] }
      assert.deepEqual(
        document.events.map((event) => event.event),
        ['accept'],
      )
    })
  })
}

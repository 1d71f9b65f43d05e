import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  FINGERPRINTS_TABLE,
  ReplayFailedError,
  type SkillStatus,
  baselineSkill,
  detectDrift,
  getStatus,
  migrateSkills,
  rollbackMigrations,
} from '../../lib/index.js'
import { ENGINES, type TestDatabase } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const NOTES = {
  '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, body VARCHAR(200));',
  '002_notes_index.sql': 'CREATE INDEX notes_title ON notes (title);',
}
const TASKS = { '001_tasks.sql': 'CREATE TABLE tasks (id INTEGER PRIMARY KEY, done INTEGER NOT NULL DEFAULT 0);' }

/** Two skills migrated into a fresh database of the engine. */
async function migrated(engine: (typeof ENGINES)[number]): Promise<{
  db: TestDatabase
  skills: { name: string; migrationsDir: string }[]
}> {
  const db = await engine.create()
  const root = tempDir()
  const skills = [
    { name: 'notes', migrationsDir: migrationsDir(root, NOTES, 'notes') },
    { name: 'tasks', migrationsDir: migrationsDir(root, TASKS, 'tasks') },
  ]
  const run = await migrateSkills(skills, { database: db.database, codegen: false })
  assert.equal(run.error, undefined, String(run.error))
  return { db, skills }
}

function stateOf(statuses: readonly SkillStatus[], skill: string): [string, string] {
  const status = statuses.find((s) => s.skill === skill)
  return [status?.state ?? 'absent', status?.drift ?? 'absent']
}

/** Databases the drift command made on the server (none may be left behind). */
async function scratchDatabases(db: TestDatabase): Promise<string[]> {
  if (db.engine === 'postgres') {
    const rows = await db.query(`SELECT datname AS name FROM pg_database WHERE datname LIKE 'glorious\\_drift\\_%'`)
    return rows.map((row) => String(row.name))
  }
  if (db.engine === 'mysql') {
    const rows = await db.query(`SHOW DATABASES LIKE 'glorious\\_drift\\_%'`)
    return rows.map((row) => String(Object.values(row)[0]))
  }
  return []
}

/** Scratch databases made since `before` and still there (another test run may drop its own meanwhile). */
async function newScratchDatabases(db: TestDatabase, before: readonly string[]): Promise<string[]> {
  return (await scratchDatabases(db)).filter((name) => !before.includes(name))
}

for (const engine of ENGINES) {
  describe(`drift on ${engine.name}`, () => {
    it('finds no drift right after a run: status says unchanged, the replay matches', async () => {
      const { db, skills } = await migrated(engine)
      const statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(stateOf(statuses, 'notes'), ['ok', 'unchanged'])
      assert.deepEqual(stateOf(statuses, 'tasks'), ['ok', 'unchanged'])
      const before = await scratchDatabases(db)
      const report = await detectDrift({ database: db.database, skills })
      assert.equal(report.drifted, false, JSON.stringify(report.skills))
      assert.deepEqual(
        report.skills.map((s) => [s.skill, s.objects, s.drift.length]),
        [
          ['notes', ['notes'], 0],
          ['tasks', ['tasks'], 0],
        ],
      )
      assert.deepEqual(await newScratchDatabases(db, before), [], 'the scratch database was dropped')
    })

    it('a column added by hand: status flags the skill, drift names the column and shows the diff', async () => {
      const { db, skills } = await migrated(engine)
      await db.query('ALTER TABLE notes ADD COLUMN extra VARCHAR(10)')
      const statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(stateOf(statuses, 'notes'), ['drifted', 'drifted'])
      assert.deepEqual(stateOf(statuses, 'tasks'), ['ok', 'unchanged'], 'another skill is not affected')
      const problem = statuses.find((s) => s.skill === 'notes')?.problems[0]
      assert.equal(problem?.code, 'schema-drift')
      assert.match(
        problem?.message ?? '',
        /skill "notes": its tables or views changed outside its migrations since .* \(notes\): run "glorious migrate drift notes"/,
      )

      const report = await detectDrift({ database: db.database, skills })
      assert.equal(report.drifted, true)
      const [object] = report.skills.find((s) => s.skill === 'notes')?.drift ?? []
      assert.equal(object?.name, 'notes')
      assert.equal(object?.differences.length, 1, object?.differences.join('\n'))
      assert.match(
        object?.differences[0] ?? '',
        /^table notes: live has column [`"]?extra[`"]? (varchar|character varying)\(10\).* not in migrations$/i,
      )
      assert.match(object?.diff ?? '', /^\+.*extra/im, object?.diff)
      assert.match(object?.migrationsSql ?? '', /CREATE TABLE/i)
      assert.doesNotMatch(object?.migrationsSql ?? '', /extra/)
      assert.match(object?.liveSql ?? '', /extra/)
      assert.deepEqual(report.skills.find((s) => s.skill === 'tasks')?.drift, [])
    })

    it('an index added by hand and a column dropped by hand are named', async () => {
      const { db, skills } = await migrated(engine)
      await db.query('CREATE INDEX notes_body ON notes (body)')
      let report = await detectDrift({ database: db.database, skills, skill: 'notes' })
      assert.deepEqual(
        report.skills.map((s) => s.skill),
        ['notes'],
      )
      const added = report.skills[0]?.drift[0]?.differences ?? []
      assert.equal(added.length, 1, added.join('\n'))
      assert.match(added[0] ?? '', /^table notes: live has index notes_body not in migrations$/)
      assert.deepEqual(stateOf(await getStatus({ database: db.database, skills }), 'notes'), ['drifted', 'drifted'])

      await db.query('DROP INDEX notes_body' + (db.engine === 'mysql' ? ' ON notes' : ''))
      assert.deepEqual(stateOf(await getStatus({ database: db.database, skills }), 'notes'), ['ok', 'unchanged'])
      await db.query('ALTER TABLE notes DROP COLUMN body')
      report = await detectDrift({ database: db.database, skills, skill: 'notes' })
      const dropped = report.skills[0]?.drift[0]?.differences ?? []
      assert.ok(
        dropped.some((line) =>
          /^table notes: live lacks column [`"]?body[`"]? (varchar|character varying)\(200\).*\(made by migrations\)$/i.test(
            line,
          ),
        ),
        dropped.join('\n'),
      )
      assert.match(report.skills[0]?.drift[0]?.diff ?? '', /^-.*body/m)
      assert.deepEqual(stateOf(await getStatus({ database: db.database, skills }), 'notes'), ['drifted', 'drifted'])
    })

    it("another skill's objects do not count, and a migration of one skill altering another's table is no drift", async () => {
      const { db, skills } = await migrated(engine)
      // tasks' own migration adds a column to notes' table: that is history, not drift.
      writeFileSync(
        join(skills[1]!.migrationsDir, '002_notes_ref.sql'),
        'ALTER TABLE notes ADD COLUMN task_id INTEGER;',
      )
      const run = await migrateSkills(skills, { database: db.database, codegen: false })
      assert.equal(run.error, undefined, String(run.error))
      let statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(stateOf(statuses, 'notes'), ['ok', 'unchanged'])
      assert.equal((await detectDrift({ database: db.database, skills })).drifted, false)
      // A table that belongs to no skill, and a change to tasks', leave notes alone.
      await db.query('CREATE TABLE scratchpad (x INTEGER)')
      await db.query('ALTER TABLE tasks ADD COLUMN owner VARCHAR(20)')
      statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(stateOf(statuses, 'notes'), ['ok', 'unchanged'])
      assert.deepEqual(stateOf(statuses, 'tasks'), ['drifted', 'drifted'])
      const notesOnly = await detectDrift({ database: db.database, skills, skill: 'notes' })
      assert.equal(notesOnly.drifted, false, JSON.stringify(notesOnly.skills))
      const all = await detectDrift({ database: db.database, skills })
      assert.deepEqual(
        all.skills.filter((s) => s.drift.length > 0).map((s) => s.skill),
        ['tasks'],
      )
    })

    it('leaves no scratch database behind when the replay fails, and says which file and statement', async () => {
      const { db, skills } = await migrated(engine)
      const before = await scratchDatabases(db)
      // An applied file that no longer runs on an empty database (edited after it was applied).
      writeFileSync(
        join(skills[0]!.migrationsDir, '002_notes_index.sql'),
        'CREATE INDEX notes_title ON no_such_table (title);',
      )
      await assert.rejects(
        detectDrift({ database: db.database, skills }),
        (error: unknown) =>
          error instanceof ReplayFailedError &&
          error.skill === 'notes' &&
          /skill "notes": cannot replay "002_notes_index.sql" into a scratch database: statement 1 \(line 1\) failed: .*no_such_table.*: the file changed since it was applied/i.test(
            error.message,
          ),
      )
      assert.deepEqual(await newScratchDatabases(db, before), [])
    })

    it('a history that depends on a table made outside its migrations cannot be replayed, and says so', async () => {
      const db = await engine.create()
      await db.query('CREATE TABLE made_by_hand (x INTEGER)')
      const dir = migrationsDir(tempDir(), {
        '001_items.sql': 'CREATE TABLE items (x INTEGER); CREATE INDEX made_by_hand_x ON made_by_hand (x);',
      })
      const skills = [{ name: 'viewer', migrationsDir: dir }]
      const run = await migrateSkills(skills, { database: db.database, codegen: false })
      assert.equal(run.error, undefined, String(run.error))
      const before = await scratchDatabases(db)
      await assert.rejects(
        detectDrift({ database: db.database, skills }),
        (error: unknown) =>
          error instanceof ReplayFailedError &&
          error.code === 'replay-failed' &&
          /"001_items.sql" .*statement 2 \(line 1\) failed: .*made_by_hand.*: its migrations do not rebuild the live schema from an empty database/.test(
            error.message,
          ),
      )
      assert.deepEqual(await newScratchDatabases(db, before), [])
    })

    it('a ledger without the fingerprint table (an older version) gets it on the next run; a rollback makes the fingerprint stale', async () => {
      const { db, skills } = await migrated(engine)
      await db.query(`DROP TABLE ${FINGERPRINTS_TABLE}`)
      let statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(stateOf(statuses, 'notes'), ['ok', 'unknown'])
      assert.ok(!(await db.tables()).includes(FINGERPRINTS_TABLE), 'status wrote nothing')
      writeFileSync(join(skills[1]!.migrationsDir, '002_more.sql'), 'CREATE TABLE tags (name VARCHAR(20) PRIMARY KEY);')
      const run = await migrateSkills(skills, { database: db.database, codegen: false })
      assert.equal(run.error, undefined, String(run.error))
      assert.ok((await db.tables()).includes(FINGERPRINTS_TABLE))
      statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(
        stateOf(statuses, 'notes'),
        ['ok', 'unchanged'],
        'every skill is fingerprinted, not only those that ran',
      )
      assert.deepEqual(stateOf(statuses, 'tasks'), ['ok', 'unchanged'])

      await rollbackMigrations({ database: db.database, skill: 'tasks', steps: 1 })
      statuses = await getStatus({ database: db.database, skills })
      assert.deepEqual(stateOf(statuses, 'tasks'), ['pending', 'unknown'])
    })

    it('a baseline fingerprints the adopted schema; drift tells whether it is what the files make', async () => {
      const db = await engine.create()
      // Made outside the toolkit, with one column the migration files do not have.
      await db.query('CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, legacy INTEGER)')
      const skills = [
        { name: 'notes', migrationsDir: migrationsDir(tempDir(), { '001_notes.sql': NOTES['001_notes.sql'] }) },
      ]
      await baselineSkill({ database: db.database, skill: 'notes', migrationsDir: skills[0]!.migrationsDir, to: 1 })
      assert.deepEqual(stateOf(await getStatus({ database: db.database, skills }), 'notes'), ['ok', 'unchanged'])
      const report = await detectDrift({ database: db.database, skills })
      const lines = report.skills[0]?.drift[0]?.differences ?? []
      assert.ok(
        lines.some((line) => /live has column .*legacy.* not in migrations/.test(line)),
        lines.join('\n'),
      )
      assert.ok(
        lines.some((line) => /live lacks column .*body.*\(made by migrations\)/.test(line)),
        lines.join('\n'),
      )
    })

    if (engine.name === 'sqlite') {
      it('SQLite virtual tables are compared by their text (their module need not be loaded)', async () => {
        const db = await engine.create()
        const dir = migrationsDir(tempDir(), { '001_docs.sql': 'CREATE VIRTUAL TABLE docs USING fts5(title, body);' })
        const skills = [{ name: 'docs', migrationsDir: dir }]
        const run = await migrateSkills(skills, { database: db.database, codegen: false })
        assert.equal(run.error, undefined, String(run.error))
        assert.deepEqual(stateOf(await getStatus({ database: db.database, skills }), 'docs'), ['ok', 'unchanged'])
        assert.equal((await detectDrift({ database: db.database, skills })).drifted, false)
      })
    }

    it('a migration may not touch the fingerprint table', async () => {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), { '001_x.sql': `DELETE FROM ${FINGERPRINTS_TABLE};` })
      const run = await migrateSkills([{ name: 'x', migrationsDir: dir }], { database: db.database, codegen: false })
      assert.equal(run.error?.code, 'forbidden-statement', String(run.error))
    })
  })
}

/**
 * The SQLite lint rules: each fires on its risky SQL, not on the safer variant, and is silenced
 * by `-- glorious:allow <rule-id>` on the statement or at the top of the file. Where a rule
 * claims something about SQLite, SQLite itself (better-sqlite3) is asked to show it.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { LINT_RULES, createMigrator, lintMigrations } from '../../lib/index.js'
import { type RuleCase, findingsOf, lintFiles, ruleIds } from '../helpers/lint.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const CASES: readonly RuleCase[] = [
  {
    rule: 'sqlite-add-column-not-null',
    fires: 'ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL;',
    safe: 'ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;',
  },
  {
    rule: 'sqlite-unsafe-rebuild',
    fires:
      'CREATE TABLE IF NOT EXISTS new_notes (id INTEGER PRIMARY KEY, body TEXT);\nINSERT INTO new_notes SELECT id, body FROM notes;\nDROP TABLE notes;\nALTER TABLE new_notes RENAME TO notes;',
    safe: 'PRAGMA foreign_keys = OFF;\nCREATE TABLE new_notes (id INTEGER PRIMARY KEY, body TEXT);\nINSERT INTO new_notes SELECT id, body FROM notes;\nDROP TABLE notes;\nALTER TABLE new_notes RENAME TO notes;\nPRAGMA foreign_keys = ON;',
  },
  {
    rule: 'sqlite-create-without-if-not-exists',
    fires: 'CREATE INDEX notes_by_body ON notes (body);',
    safe: 'CREATE INDEX IF NOT EXISTS notes_by_body ON notes (body);',
  },
  { rule: 'sqlite-drop-table', fires: 'DROP TABLE IF EXISTS notes;', safe: 'DROP INDEX IF EXISTS notes_by_body;' },
  {
    rule: 'sqlite-drop-column',
    fires: 'ALTER TABLE notes DROP COLUMN body;',
    safe: 'ALTER TABLE notes RENAME COLUMN body TO text;',
  },
  {
    rule: 'sqlite-affinity-changes-values',
    fires: 'CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload JSON, at DATETIME);',
    safe: 'CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT CHECK (json_valid(payload)), at TEXT);',
  },
  {
    rule: 'sqlite-outside-transaction',
    fires: 'CREATE TABLE IF NOT EXISTS t (a TEXT);\nVACUUM;',
    safe: 'CREATE TABLE IF NOT EXISTS t (a TEXT);\nPRAGMA optimize;',
  },
]

describe('every SQLite rule: fires, not on the safer SQL, silenced by an allow comment', () => {
  test('the cases cover every SQLite rule that works from the files alone', () => {
    const covered = new Set(CASES.map((c) => c.rule))
    const expected = LINT_RULES.filter((rule) => rule.engine === 'sqlite' && !rule.needsDatabase).map((r) => r.id)
    assert.deepEqual([...covered].sort(), expected.sort())
  })
  for (const c of CASES) {
    test(c.rule, async () => {
      assert.ok((await ruleIds('sqlite', c.fires)).includes(c.rule), `${c.rule} fires`)
      assert.ok(!(await ruleIds('sqlite', c.safe)).includes(c.rule), `${c.rule} quiet on the safer SQL`)
      // On the statement: a comment just above it, or inside it (the file begins with another statement).
      const base = `SELECT 1;\n${c.fires}`
      const hit = (await findingsOf('sqlite', base)).find((f) => f.ruleId === c.rule)
      assert.ok(hit)
      const lines = base.split('\n')
      lines.splice(hit.line - 1, 0, `-- glorious:allow ${c.rule}`)
      const allowed = await findingsOf('sqlite', lines.join('\n'))
      assert.deepEqual(
        allowed.filter((f) => f.ruleId === c.rule && f.statementIndex === hit.statementIndex),
        [],
        `${c.rule} allowed on its statement`,
      )
      // At the top of the file: the whole file.
      assert.ok(!(await ruleIds('sqlite', `-- glorious:allow ${c.rule}\n${c.fires}`)).includes(c.rule))
    })
  }
})

describe('allow directives', () => {
  test('inside the statement, several ids, and only the named rule', async () => {
    const text =
      'SELECT 1;\nCREATE TABLE t ( -- glorious:allow sqlite-create-without-if-not-exists, sqlite-drop-table\n  at DATETIME\n);'
    assert.deepEqual(await ruleIds('sqlite', text), ['sqlite-affinity-changes-values'])
  })
  test('a directive applies to the statement after it, not to later ones', async () => {
    const text = 'SELECT 1;\n-- glorious:allow sqlite-drop-table\nDROP TABLE a;\nDROP TABLE b;'
    const findings = await findingsOf('sqlite', text)
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.line, f.statementIndex]),
      [['sqlite-drop-table', 4, 3]],
    )
  })
  test('a directive after a statement on its line applies to that statement', async () => {
    const text =
      'DROP TABLE a; -- glorious:allow sqlite-drop-table\nDROP TABLE b;\nDROP TABLE c; /* glorious:allow sqlite-drop-table */'
    const findings = await findingsOf('sqlite', text)
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.line]),
      [['sqlite-drop-table', 2]],
    )
  })
  test('a directive inside a string is not a directive', async () => {
    const text = "SELECT '-- glorious:allow sqlite-drop-table';\nDROP TABLE a;"
    assert.deepEqual(await ruleIds('sqlite', text), ['sqlite-drop-table'])
  })
  test('an unknown rule id is a note', async () => {
    const report = await lintFiles('sqlite', { '001_a.sql': '-- glorious:allow no-such-rule\nSELECT 1;' })
    assert.equal(report.notes.length, 1)
    assert.match(report.notes[0]!, /001_a\.sql line 1: "glorious:allow no-such-rule" names no lint rule/)
  })
  test('SQL inside strings and comments never fires a rule', async () => {
    assert.deepEqual(await ruleIds('sqlite', "-- DROP TABLE notes;\nSELECT 'DROP TABLE notes; VACUUM';"), [])
  })
})

describe('findings point at the right place', () => {
  test('line and column of a column definition, statement index, file', async () => {
    const findings = await findingsOf(
      'sqlite',
      'CREATE TABLE IF NOT EXISTS a (id INTEGER);\n\nCREATE TABLE IF NOT EXISTS t (\n  id INTEGER PRIMARY KEY,\n    meta_json NUMERIC\n);',
    )
    assert.equal(findings.length, 1)
    const [finding] = findings
    assert.equal(finding!.ruleId, 'sqlite-affinity-changes-values')
    assert.equal(finding!.line, 5)
    assert.equal(finding!.column, 5)
    assert.equal(finding!.statementIndex, 2)
    assert.equal(finding!.filename, '001_test.sql')
    assert.equal(finding!.severity, 'warning')
    assert.match(finding!.message, /"t"\."meta_json" is declared NUMERIC/)
  })
  test('strict makes findings errors', async () => {
    const findings = await findingsOf('sqlite', 'DROP TABLE a;', { strict: true })
    assert.equal(findings[0]!.severity, 'error')
  })
})

describe('what the rules claim, shown by SQLite itself', () => {
  test('SQLite refuses ADD COLUMN … NOT NULL without a default once the table has a row', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)')
    db.exec('ALTER TABLE notes ADD COLUMN draft INTEGER NOT NULL') // empty: accepted (SQLite 3.37+)
    db.exec('INSERT INTO notes (id, draft) VALUES (1, 0)')
    assert.throws(
      () => db.exec('ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL'),
      /Cannot add a NOT NULL column with default value NULL/,
    )
    assert.throws(() => db.exec('ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT NULL'))
    db.exec('ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0')
    db.close()
  })

  test('NUMERIC affinity of JSON, DATETIME and BOOLEAN columns changes the values the messages name', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE t (j JSON, d DATETIME, b BOOLEAN, s TEXT)')
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)')
    insert.run('1.0', '20240101', '1', '1.0')
    insert.run('1e3', '1700000000.0', 'true', '1e3')
    const rows = db.prepare('SELECT j, typeof(j) AS tj, d, b, typeof(b) AS tb, s FROM t').all()
    assert.deepEqual(rows, [
      { j: 1, tj: 'integer', d: 20240101, b: 1, tb: 'integer', s: '1.0' },
      { j: 1000, tj: 'integer', d: 1700000000, b: 'true', tb: 'text', s: '1e3' },
    ])
    db.close()
  })

  test('the cascade trap: the rebuild the rule flags deletes child rows and still succeeds; the safer one keeps them', async () => {
    const setup =
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\nCREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (id) ON DELETE CASCADE);\nINSERT INTO notes VALUES (1, 'a');\nINSERT INTO tags VALUES (10, 1);"
    const rebuild = (fkOff: boolean): string =>
      `${fkOff ? 'PRAGMA foreign_keys = OFF;\n' : ''}CREATE TABLE new_notes (id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER NOT NULL DEFAULT 0);\nINSERT INTO new_notes (id, body) SELECT id, body FROM notes;\nDROP TABLE notes;\nALTER TABLE new_notes RENAME TO notes;`
    for (const fkOff of [false, true]) {
      const root = tempDir()
      const database = join(root, 'agent.db')
      const dir = migrationsDir(root, { '001_setup.sql': setup, '002_rebuild.sql': rebuild(fkOff) })
      const migrator = createMigrator({ database, skill: 'notes', migrationsDir: dir, codegen: false })
      const { error } = await migrator.migrateToLatest()
      await migrator.destroy()
      assert.equal(error, undefined)
      const db = new Database(database)
      const tags = db.prepare('SELECT count(*) AS n FROM tags').get() as { n: number }
      db.close()
      assert.equal(tags.n, fkOff ? 1 : 0, fkOff ? 'foreign keys off: the tag survives' : 'the tag was cascaded away')
      const ids = await ruleIds('sqlite', rebuild(fkOff))
      assert.equal(ids.includes('sqlite-unsafe-rebuild'), !fkOff)
    }
  })

  test('two rebuilds of one table in one file (as Prisma writes them) are two documented rebuilds', async () => {
    const rebuild =
      'CREATE TABLE "new_Config" (key TEXT PRIMARY KEY);\nINSERT INTO "new_Config" SELECT key FROM "Config";\nDROP TABLE "Config";\nALTER TABLE "new_Config" RENAME TO "Config";'
    const twice = `${rebuild}\n${rebuild}`
    assert.deepEqual(
      (await findingsOf('sqlite', twice)).filter((f) => f.ruleId === 'sqlite-unsafe-rebuild').map((f) => f.line),
      [3, 7],
    )
    assert.deepEqual(await ruleIds('sqlite', `PRAGMA foreign_keys=OFF;\n${twice}\nPRAGMA foreign_keys=ON;`), [])
  })

  test("renaming the old table away: the other tables' foreign keys follow it, unless legacy_alter_table is on", async () => {
    const away =
      'ALTER TABLE notes RENAME TO notes_old;\nCREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);\nINSERT INTO notes SELECT id FROM notes_old;\nDROP TABLE notes_old;'
    const db = new Database(':memory:')
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY); CREATE TABLE tags (note_id INTEGER REFERENCES notes (id))')
    db.exec('PRAGMA foreign_keys = OFF')
    db.exec(away)
    const tags = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'tags'").get() as { sql: string }
    db.close()
    assert.match(tags.sql, /REFERENCES "notes_old"/)
    assert.ok((await ruleIds('sqlite', away)).includes('sqlite-unsafe-rebuild'))
    assert.ok(!(await ruleIds('sqlite', `PRAGMA legacy_alter_table = ON;\n${away}`)).includes('sqlite-unsafe-rebuild'))
  })
})

describe("a rename that another skill's views or triggers use (needs the database)", () => {
  test('fires with the database, is skipped (and said so) without it', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const notes = migrationsDir(
      root,
      { '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);' },
      'notes',
    )
    const search = migrationsDir(
      root,
      { '001_view.sql': 'CREATE VIEW note_bodies AS SELECT id, body FROM notes;' },
      'search',
    )
    for (const [skill, dir] of [
      ['notes', notes],
      ['search', search],
    ] as const) {
      const migrator = createMigrator({ database, skill, migrationsDir: dir, codegen: false })
      assert.equal((await migrator.migrateToLatest()).error, undefined)
      await migrator.destroy()
    }
    const rename = 'ALTER TABLE notes RENAME COLUMN body TO text;'
    const withDatabase = await lintFiles('sqlite', { '002_rename.sql': rename }, { database })
    assert.deepEqual(withDatabase.skippedRules, [])
    assert.deepEqual(
      withDatabase.findings.map((f) => f.ruleId),
      ['sqlite-rename-used-elsewhere'],
    )
    assert.match(withDatabase.findings[0]!.message, /view "note_bodies" \(skill "search"\)/)
    // The skill's own views do not count; a column no view uses does not either.
    assert.deepEqual(
      (await lintFiles('sqlite', { '002_rename.sql': rename }, { database, skill: 'search' })).findings,
      [],
    )
    assert.deepEqual(
      (await lintFiles('sqlite', { '002_rename.sql': 'ALTER TABLE notes RENAME COLUMN id TO note_id;' }, { database }))
        .findings.length,
      1, // id is used by the view too
    )
    const allowed = await lintFiles(
      'sqlite',
      { '002_rename.sql': `-- glorious:allow sqlite-rename-used-elsewhere\n${rename}` },
      { database },
    )
    assert.deepEqual(allowed.findings, [])
    const without = await lintFiles('sqlite', { '002_rename.sql': rename })
    assert.deepEqual(without.findings, [])
    assert.deepEqual(
      without.skippedRules.map((rule) => rule.id),
      ['sqlite-rename-used-elsewhere'],
    )
    assert.equal(without.databaseChecked, false)
  })

  test('pending only: applied files are left out', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x INTEGER);' })
    const migrator = createMigrator({ database, skill: 'notes', migrationsDir: dir, codegen: false })
    await migrator.migrateToLatest()
    await migrator.destroy()
    const skills = [{ name: 'notes', migrationsDir: dir }]
    assert.equal((await lintMigrations({ skills, database })).findings.length, 1)
    const pending = await lintMigrations({ skills, database, only: 'pending' })
    assert.deepEqual([pending.findings.length, pending.migrations], [0, 0])
  })
})

import assert from 'node:assert/strict'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  ChecksumMismatchError,
  ForbiddenStatementError,
  MigrationFailedError,
  MissingMigrationFileError,
  OutOfOrderMigrationError,
  SkillError,
  createMigrator,
} from '../../lib/index.js'
import { fullDump, rows } from '../helpers/sqlite.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

function setup(files: Record<string, string | Buffer>, skill = 'notes') {
  const root = tempDir()
  const dir = migrationsDir(root, files)
  const database = join(root, 'agent.db')
  const migrator = createMigrator({ database, skill, migrationsDir: dir })
  return { root, dir, database, migrator }
}

describe('createMigrator().migrateToLatest()', () => {
  it('applies pending migrations in numeric version order and records each in the ledger', async () => {
    const { database, migrator } = setup({
      '9_nine.sql': "INSERT INTO log (what) VALUES ('nine');",
      '10_ten.sql': "INSERT INTO log (what) VALUES ('ten');",
      '1_init.sql': 'CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT NOT NULL);',
    })
    const { error, results } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(error, undefined)
    assert.deepEqual(
      results.map((r) => [r.migrationName, r.direction, r.status]),
      [
        ['1_init', 'Up', 'Success'],
        ['9_nine', 'Up', 'Success'],
        ['10_ten', 'Up', 'Success'],
      ],
    )
    assert.deepEqual(
      rows(database, 'SELECT what FROM log ORDER BY id').map((r) => r.what),
      ['nine', 'ten'],
    )
    const ledger = rows(database, 'SELECT * FROM _migrations ORDER BY version')
    assert.deepEqual(
      ledger.map((r) => [r.skill_name, r.version, r.filename]),
      [
        ['notes', 1, '1_init.sql'],
        ['notes', 9, '9_nine.sql'],
        ['notes', 10, '10_ten.sql'],
      ],
    )
    for (const row of ledger) {
      assert.match(String(row.checksum), /^[0-9a-f]{64}$/)
      assert.match(String(row.applied_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      assert.equal(typeof row.duration_ms, 'number')
    }
  })

  it('does nothing the second time', async () => {
    const { database, migrator } = setup({ '001_init.sql': 'CREATE TABLE t (a);' })
    await migrator.migrateToLatest()
    const before = fullDump(database)
    const second = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(second.error, undefined)
    assert.deepEqual(second.results, [])
    assert.equal(fullDump(database), before)
  })

  it('splits triggers, and ; inside strings, identifiers and comments, like SQLite', async () => {
    const { database, migrator } = setup({
      '001_tricky.sql': [
        '-- a comment; with a semicolon',
        'CREATE TABLE "odd;name" ([semi;colon] TEXT, `back;tick` TEXT DEFAULT \'a;b\');',
        "/* block; comment */ INSERT INTO \"odd;name\" VALUES ('it''s; fine', 'x');",
        'CREATE TABLE audit (msg TEXT);',
        'CREATE TRIGGER odd_insert AFTER INSERT ON "odd;name" BEGIN',
        "  INSERT INTO audit VALUES ('inserted; ' || new.[semi;colon]);",
        "  INSERT INTO audit VALUES (CASE WHEN new.[semi;colon] IS NULL THEN 'null;' ELSE 'set;' END);",
        'END;',
        'INSERT INTO "odd;name" ([semi;colon]) VALUES (\'second\')',
      ].join('\n'),
    })
    const { error } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(error, undefined)
    assert.deepEqual(rows(database, 'SELECT * FROM "odd;name"'), [
      { 'semi;colon': "it's; fine", 'back;tick': 'x' },
      { 'semi;colon': 'second', 'back;tick': 'a;b' },
    ])
    assert.deepEqual(
      rows(database, 'SELECT msg FROM audit').map((r) => r.msg),
      ['inserted; second', 'set;'],
    )
  })

  it('records an empty or comment-only file as applied, with a warning', async () => {
    const { database, migrator } = setup({
      '001_empty.sql': '',
      '002_comments.sql': '-- nothing yet;\n/* still; nothing */\n',
    })
    const { error, warnings, results } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(error, undefined)
    assert.equal(results.length, 2)
    assert.equal(warnings.length, 2)
    assert.match(
      warnings[0] ?? '',
      /"001_empty.sql" has no SQL statements \(empty or only comments\); it is recorded as applied/,
    )
    assert.equal(rows(database, 'SELECT count(*) AS n FROM _migrations')[0]?.n, 2)
  })
})

describe('a failing migration', () => {
  it('leaves no schema change, no data change and no ledger row; later files are not attempted; the fixed file applies on the next run', async () => {
    const { database, dir, migrator } = setup({
      '001_init.sql': "CREATE TABLE items (name TEXT NOT NULL);\nINSERT INTO items VALUES ('kept');",
      '002_broken.sql': [
        'CREATE TABLE extra (a);',
        "INSERT INTO items VALUES ('added');",
        '-- the next statement fails',
        'INSERT INTO missing_table VALUES (1);',
      ].join('\n'),
      '003_later.sql': 'CREATE TABLE later (a);',
    })
    await createMigrator({ database, skill: 'notes', migrationsDir: dir }).migrateTo(1)
    const before = fullDump(database)

    const { error, results } = await migrator.migrateToLatest()
    assert.ok(error instanceof MigrationFailedError)
    assert.equal(error.skill, 'notes')
    assert.equal(error.filename, '002_broken.sql')
    assert.equal(error.statementIndex, 3)
    assert.equal(error.line, 4)
    assert.equal(
      error.message,
      'skill "notes": migration "002_broken.sql" failed at statement 3 (line 4): no such table: missing_table. ' +
        'Nothing of this migration was applied: fix the file and run again.',
    )
    assert.deepEqual(
      results.map((r) => [r.filename, r.status]),
      [
        ['002_broken.sql', 'Error'],
        ['003_later.sql', 'NotExecuted'],
      ],
    )
    assert.equal(fullDump(database), before)

    writeFileSync(join(dir, '002_broken.sql'), "CREATE TABLE extra (a);\nINSERT INTO items VALUES ('added');")
    const retry = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(retry.error, undefined)
    assert.deepEqual(
      retry.results.map((r) => r.status),
      ['Success', 'Success'],
    )
    assert.deepEqual(
      rows(database, 'SELECT name FROM items').map((r) => r.name),
      ['kept', 'added'],
    )
  })

  it('on a fresh database leaves the database without any table, not even the ledger', async () => {
    const { database, migrator } = setup({ '001_bad.sql': 'CREATE TABLE a (x);\nCREATE TABLE a (x);' })
    const { error } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(error instanceof MigrationFailedError)
    assert.match(error.message, /statement 2 \(line 2\): table a already exists/)
    assert.deepEqual(rows(database, "SELECT name FROM sqlite_master WHERE type = 'table'"), [])
  })
})

describe('edited, missing and out-of-order history', () => {
  it("refuses an applied file whose checksum changed, with the guide's message and both ways out, and runs nothing for the skill", async () => {
    const { database, dir, migrator } = setup({ '001_init.sql': 'CREATE TABLE t (a);' })
    await migrator.migrateToLatest()
    writeFileSync(join(dir, '001_init.sql'), 'CREATE TABLE t (a, b);')
    writeFileSync(join(dir, '002_next.sql'), 'CREATE TABLE u (a);')
    const before = fullDump(database)
    const { error, results } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(error instanceof ChecksumMismatchError)
    assert.ok(error.message.startsWith('Migration checksum mismatch! Do not modify applied migrations.'))
    assert.match(error.message, /Skill "notes", file "001_init.sql": recorded [0-9a-f]{64}, file now [0-9a-f]{64}\./)
    assert.match(
      error.message,
      /Revert the file to its applied content, or put the change in a new migration; if the edit is deliberate .*record it with "glorious migrate accept notes 1"\./,
    )
    assert.notEqual(error.recorded, error.current)
    assert.deepEqual(results, [])
    assert.equal(fullDump(database), before)
  })

  it('accepts the same file with CRLF line endings and a BOM', async () => {
    const { dir, migrator } = setup({ '001_init.sql': 'CREATE TABLE t (a);\nCREATE TABLE u (b);\n' })
    assert.equal((await migrator.migrateToLatest()).error, undefined)
    writeFileSync(join(dir, '001_init.sql'), '\uFEFFCREATE TABLE t (a);\r\nCREATE TABLE u (b);\r\n')
    const again = await migrator.migrateToLatest()
    const listed = await migrator.getMigrations()
    await migrator.destroy()
    assert.equal(again.error, undefined)
    assert.equal(listed[0]?.status, 'applied')
  })

  it('refuses a missing applied file unless allowMissing', async () => {
    const { database, dir, migrator } = setup({
      '001_a.sql': 'CREATE TABLE a (x);',
      '002_b.sql': 'CREATE TABLE b (x);',
    })
    await migrator.migrateToLatest()
    await migrator.destroy()
    rmSync(join(dir, '001_a.sql'))
    writeFileSync(join(dir, '003_c.sql'), 'CREATE TABLE c (x);')
    const strict = createMigrator({ database, skill: 'notes', migrationsDir: dir })
    const { error } = await strict.migrateToLatest()
    await strict.destroy()
    assert.ok(error instanceof MissingMigrationFileError)
    assert.match(error.message, /applied migration "001_a.sql" \(version 1\) is missing from .*--allow-missing/)
    const lenient = createMigrator({ database, skill: 'notes', migrationsDir: dir, allowMissing: true })
    const result = await lenient.migrateToLatest()
    const listed = await lenient.getMigrations()
    await lenient.destroy()
    assert.equal(result.error, undefined)
    assert.deepEqual(
      result.results.map((r) => r.filename),
      ['003_c.sql'],
    )
    assert.deepEqual(
      listed.map((m) => [m.filename, m.status]),
      [
        ['001_a.sql', 'missing-file'],
        ['002_b.sql', 'applied'],
        ['003_c.sql', 'applied'],
      ],
    )
  })

  it('refuses a new file below the highest applied version unless allowOutOfOrder', async () => {
    const { database, dir, migrator } = setup({
      '001_a.sql': 'CREATE TABLE a (x);',
      '003_c.sql': 'CREATE TABLE c (x);',
    })
    await migrator.migrateToLatest()
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x);')
    const { error } = await migrator.migrateToLatest()
    assert.ok(error instanceof OutOfOrderMigrationError)
    assert.match(
      error.message,
      /"002_b.sql" \(version 2\) is pending but version 3 is already applied: renumber it above 3, or pass allowOutOfOrder/,
    )
    assert.equal((await migrator.getMigrations()).find((m) => m.version === 2)?.status, 'out-of-order')
    await migrator.destroy()
    const opted = createMigrator({ database, skill: 'notes', migrationsDir: dir, allowOutOfOrder: true })
    const result = await opted.migrateToLatest()
    await opted.destroy()
    assert.equal(result.error, undefined)
    assert.deepEqual(
      result.results.map((r) => r.filename),
      ['002_b.sql'],
    )
  })

  it("makes migrations pending again after the guide's manual DELETE FROM _migrations", async () => {
    const { database, migrator } = setup({ '001_a.sql': 'CREATE TABLE IF NOT EXISTS a (x);' })
    await migrator.migrateToLatest()
    const Database = (await import('better-sqlite3')).default
    const raw = new Database(database)
    raw.prepare("DELETE FROM _migrations WHERE skill_name = 'notes'").run()
    raw.close()
    assert.equal((await migrator.getMigrations())[0]?.status, 'pending')
    const again = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.deepEqual(
      again.results.map((r) => r.status),
      ['Success'],
    )
  })
})

describe('migrateTo, getMigrations and rollback', () => {
  it('migrateTo applies up to and including a version', async () => {
    const { database, migrator } = setup({
      '001_a.sql': 'CREATE TABLE a (x);',
      '002_b.sql': 'CREATE TABLE b (x);',
      '003_c.sql': 'CREATE TABLE c (x);',
    })
    const { results } = await migrator.migrateTo(2)
    assert.deepEqual(
      results.map((r) => r.filename),
      ['001_a.sql', '002_b.sql'],
    )
    const bad = await migrator.migrateTo(7)
    await migrator.destroy()
    assert.match(bad.error?.message ?? '', /there is no migration with version 7: pick one of 1, 2, 3/)
    assert.deepEqual(
      rows(database, 'SELECT version FROM _migrations ORDER BY version').map((r) => r.version),
      [1, 2],
    )
  })

  it('lists every migration with its status and checksum', async () => {
    const { dir, migrator } = setup({ '001_a.sql': 'CREATE TABLE a (x);', '002_b.sql': 'CREATE TABLE b (x);' })
    await migrator.migrateTo(1)
    writeFileSync(join(dir, '003_c.sql'), 'SELECT 1;')
    const listed = await migrator.getMigrations()
    await migrator.destroy()
    assert.deepEqual(
      listed.map((m) => [m.version, m.filename, m.status]),
      [
        [1, '001_a.sql', 'applied'],
        [2, '002_b.sql', 'pending'],
        [3, '003_c.sql', 'pending'],
      ],
    )
    assert.match(listed[0]?.appliedAt ?? '', /Z$/)
    assert.equal(listed[1]?.appliedAt, undefined)
    assert.match(listed[1]?.checksum ?? '', /^[0-9a-f]{64}$/)
  })

  it('getMigrations on a database that does not exist lists everything as pending and creates nothing', async () => {
    const { database, migrator } = setup({ '001_a.sql': 'CREATE TABLE a (x);' })
    const listed = await migrator.getMigrations()
    await migrator.destroy()
    assert.equal(listed[0]?.status, 'pending')
    assert.throws(() => rows(database, 'SELECT 1'), /unable to open|does not exist|SQLITE_CANTOPEN/)
  })

  it('a migrationsDir that does not exist is an error naming it, never "nothing to do"; nothing is created', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const missing = join(root, 'migratons')
    const migrator = createMigrator({ database, skill: 'notes', migrationsDir: missing })
    const { error, results } = await migrator.migrateToLatest()
    assert.ok(error instanceof SkillError)
    assert.equal(error.message, `migrations folder ${missing} does not exist: check the path (migrationsDir)`)
    assert.deepEqual(results, [])
    await assert.rejects(migrator.getMigrations(), /migrations folder .*migratons does not exist/)
    await migrator.destroy()
    assert.deepEqual(readdirSync(root), [])
  })

  it('rollback removes ledger rows only (to, steps, all) and says the schema is not undone', async () => {
    const { database, migrator } = setup({
      '001_a.sql': 'CREATE TABLE IF NOT EXISTS a (x);',
      '002_b.sql': 'CREATE TABLE IF NOT EXISTS b (x);',
      '003_c.sql': 'CREATE TABLE IF NOT EXISTS c (x);',
      '004_d.sql': 'CREATE TABLE IF NOT EXISTS d (x);',
    })
    await migrator.migrateToLatest()
    const steps = await migrator.rollback({ steps: 1 })
    assert.deepEqual(
      steps.removed.map((r) => r.version),
      [4],
    )
    assert.match(steps.warning, /does NOT undo SQL changes/)
    const to = await migrator.rollback({ to: 1 })
    assert.deepEqual(
      to.removed.map((r) => r.version),
      [3, 2],
    )
    assert.deepEqual(
      rows(database, 'SELECT version FROM _migrations').map((r) => r.version),
      [1],
    )
    const tables = rows(
      database,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB '[a-d]' ORDER BY name",
    )
    assert.deepEqual(
      tables.map((r) => r.name),
      ['a', 'b', 'c', 'd'],
    )
    const all = await migrator.rollback({ to: 0 })
    assert.deepEqual(
      all.removed.map((r) => r.version),
      [1],
    )
    await assert.rejects(migrator.rollback({ to: 1, steps: 1 }), /"to" or "steps", not both/)
    await assert.rejects(migrator.rollback({ steps: 0 }), /whole number ≥ 1/)
    const again = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(again.results.length, 4)
  })
})

describe('statements the runner refuses or handles specially', () => {
  it('refuses statements that cannot run in a transaction, with a hint', async () => {
    const { database, migrator } = setup({ '001_vacuum.sql': 'CREATE TABLE a (x);\nVACUUM;' })
    const { error } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(error instanceof ForbiddenStatementError)
    assert.match(
      error.message,
      /"001_vacuum.sql" statement 2 \(line 2\) \(VACUUM\) cannot run inside a transaction: put "-- glorious:no-transaction" on the first line/,
    )
    assert.deepEqual(rows(database, "SELECT name FROM sqlite_master WHERE name = 'a'"), [])
  })

  it('refuses BEGIN/COMMIT in a migration and any reference to the ledger', async () => {
    const first = setup({ '001_tx.sql': 'BEGIN;\nCREATE TABLE a (x);\nCOMMIT;' })
    const tx = await first.migrator.migrateToLatest()
    await first.migrator.destroy()
    assert.match(tx.error?.message ?? '', /statement 1 \(line 1\) \(BEGIN\) controls the transaction itself: remove it/)
    const second = setup({ '001_ledger.sql': 'DELETE FROM "_Migrations" WHERE skill_name = \'x\';' })
    const ledger = await second.migrator.migrateToLatest()
    await second.migrator.destroy()
    assert.match(ledger.error?.message ?? '', /refers to "_migrations", the toolkit's own bookkeeping table/)
  })

  it('runs a -- glorious:no-transaction migration outside a transaction and warns about partial failure', async () => {
    const { database, migrator } = setup({
      '001_a.sql': 'CREATE TABLE a (x);',
      '002_vacuum.sql': '-- glorious:no-transaction\nPRAGMA journal_mode = DELETE;\nVACUUM;',
      '003_b.sql': 'CREATE TABLE b (x);',
    })
    const { error, warnings, results } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.equal(error, undefined)
    assert.deepEqual(
      results.map((r) => r.status),
      ['Success', 'Success', 'Success'],
    )
    assert.match(warnings.join('\n'), /runs outside a transaction .* the statements before the failure stay applied/)
    assert.equal(rows(database, 'PRAGMA journal_mode')[0]?.journal_mode, 'delete')
  })

  it('says a failed no-transaction migration may be partly applied', async () => {
    const { database, migrator } = setup({
      '001_nt.sql': '-- glorious:no-transaction\nCREATE TABLE a (x);\nINSERT INTO nope VALUES (1);',
    })
    const { error } = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(error instanceof MigrationFailedError)
    assert.equal(error.partial, true)
    assert.match(error.message, /ran outside a transaction, so statement 1 stays applied/)
    assert.equal(rows(database, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'a'")[0]?.n, 1)
  })
})

import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import {
  ChecksumMismatchError,
  CommitFailedError,
  ForbiddenStatementError,
  ForeignKeyViolationError,
  LedgerChangedError,
  MigrationFailedError,
  ReservedTableError,
  createMigrator,
  getStatus,
  initSkillSchema,
  migrateSkills,
  previewRollback,
  rollbackMigrations,
  verifyMigrations,
} from '../../lib/index.js'
import { fullDump, rows } from '../helpers/sqlite.js'
import { migrationsDir, tempDir, writeTree } from '../helpers/temp.js'

const PARENT_CHILD_CASCADE = [
  'CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);',
  'CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE);',
  "INSERT INTO parent VALUES (1, 'a'), (2, 'b');",
  'INSERT INTO child VALUES (10, 1), (11, 2);',
].join('\n')

/** The usual table rebuild, with foreign keys switched off by `pragma`. */
const rebuild = (pragma: string): string =>
  [
    pragma,
    'CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT, extra TEXT);',
    'INSERT INTO parent_new (id, name) SELECT id, name FROM parent;',
    'DROP TABLE parent;',
    'ALTER TABLE parent_new RENAME TO parent;',
  ].join('\n')

/** A process holding a read transaction on the database until its stdin closes. */
async function reader(database: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const db = new D(${JSON.stringify(database)});
       db.exec('BEGIN'); db.prepare('SELECT count(*) FROM sqlite_schema').get();
       process.stdout.write('ready\\n');
       process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); }); process.stdin.resume();`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
    child.on('exit', () => reject(new Error('reader exited early')))
  })
  return child
}

const require = (await import('node:module')).createRequire(import.meta.url)

describe('hardening: a failed COMMIT', () => {
  for (const kind of ['path', 'kysely'] as const) {
    it(`is rolled back and leaves the connection outside any transaction (${kind})`, async () => {
      const root = tempDir()
      const database = join(root, 'agent.db')
      const setup = new Database(database)
      setup.pragma('journal_mode = DELETE') // a reader blocks the writer's COMMIT only in rollback-journal mode
      setup.exec('CREATE TABLE app (x)')
      setup.close()
      const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE t (x);', '002_b.sql': 'INSERT INTO t VALUES (1);' })
      const raw = new Database(database)
      const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) })
      const options = {
        database: kind === 'kysely' ? kysely : database,
        skill: 'notes',
        migrationsDir: dir,
        lockTimeoutMs: 200,
        codegen: false as const,
      }
      const held = await reader(database)
      const migrator = createMigrator(options)
      const failed = await migrator.migrateToLatest()
      held.stdin?.end()
      await new Promise((resolve) => held.on('exit', resolve))
      assert.ok(failed.error instanceof CommitFailedError, String(failed.error))
      assert.match(failed.error.message, /could not commit: .*none of them was applied/)
      assert.deepEqual(failed.applied, [])
      // The connection is outside any transaction: the application's write sticks, other
      // processes can write, and the next run applies everything.
      await sql`INSERT INTO app VALUES (42)`.execute(kysely)
      assert.deepEqual(rows(database, 'SELECT x FROM app'), [{ x: 42 }])
      const other = new Database(database)
      other.exec('INSERT INTO app VALUES (43)')
      other.close()
      const retry = await migrator.migrateToLatest()
      assert.equal(retry.error, undefined)
      assert.equal(retry.applied.length, 2)
      await migrator.destroy()
      await kysely.destroy()
      assert.deepEqual(rows(database, 'SELECT count(*) AS n FROM _migrations'), [{ n: 2 }])
    })
  }
})

describe('hardening: deferred foreign keys', () => {
  it('fail only the migration that left the violation, named by skill and file; the others commit', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const a = migrationsDir(
      root,
      {
        '001_tables.sql':
          'CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);',
        '002_orphan.sql': 'INSERT INTO c VALUES (1, 99);',
        '003_later.sql': 'CREATE TABLE later (x);',
      },
      'a',
    )
    const b = migrationsDir(root, { '001_b.sql': 'CREATE TABLE b_items (x);' }, 'b')
    const result = await migrateSkills(
      [
        { name: 'a', migrationsDir: a },
        { name: 'b', migrationsDir: b },
      ],
      { database, codegen: false },
    )
    assert.ok(result.error instanceof ForeignKeyViolationError, String(result.error))
    assert.match(result.error.message, /^skill "a": migration "002_orphan.sql" leaves 1 foreign key violation/)
    assert.deepEqual(rows(database, 'SELECT skill_name, version FROM _migrations ORDER BY 1, 2'), [
      { skill_name: 'a', version: 1 },
      { skill_name: 'b', version: 1 },
    ])
    assert.deepEqual(rows(database, 'SELECT count(*) AS n FROM c'), [{ n: 0 }])
  })

  it('PRAGMA defer_foreign_keys = ON … OFF cannot smuggle a violation into the database', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_tables.sql':
        'CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id));',
      '002_defer.sql':
        'PRAGMA defer_foreign_keys = ON;\nINSERT INTO c VALUES (1, 42);\nPRAGMA defer_foreign_keys = OFF;',
    })
    const { error } = await createMigrator({
      database,
      skill: 'm',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    assert.ok(error instanceof ForeignKeyViolationError, String(error))
    assert.match(error.message, /"002_defer.sql" leaves 1 foreign key violation/)
    assert.deepEqual(rows(database, 'SELECT count(*) AS n FROM c'), [{ n: 0 }])
    assert.deepEqual(rows(database, 'SELECT version FROM _migrations'), [{ version: 1 }])
  })
})

describe('hardening: foreign keys off, however spelled', () => {
  const spellings = [
    'PRAGMA foreign_keys = OFF;',
    'PRAGMA foreign_keys = 00;',
    'PRAGMA foreign_keys = +0;',
    'PRAGMA foreign_keys = -1;',
    'PRAGMA foreign_keys = none;',
    "PRAGMA foreign_keys = 'off';",
    'PRAGMA main.foreign_keys = no;',
    'PRAGMA "foreign_keys" = false;',
    'PRAGMA Foreign_Keys=0;',
  ]
  for (const pragma of spellings) {
    it(`a rebuild after ${JSON.stringify(pragma)} keeps every child row`, async () => {
      const root = tempDir()
      const database = join(root, 'agent.db')
      const dir = migrationsDir(root, { '001_init.sql': PARENT_CHILD_CASCADE, '002_rebuild.sql': rebuild(pragma) })
      const { error, applied } = await createMigrator({
        database,
        skill: 'fk',
        migrationsDir: dir,
        codegen: false,
      }).migrateToLatest()
      assert.equal(error, undefined)
      assert.equal(applied[1]?.mode, 'foreign-keys-off')
      assert.deepEqual(rows(database, 'SELECT id, parent_id FROM child ORDER BY id'), [
        { id: 10, parent_id: 1 },
        { id: 11, parent_id: 2 },
      ])
    })
  }

  it('protects a legacy schema.sql the same way', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const setup = new Database(database)
    setup.exec(PARENT_CHILD_CASCADE)
    setup.close()
    writeTree(root, { 'skill/schema.sql': rebuild('PRAGMA foreign_keys = 0;') })
    const result = await initSkillSchema('legacy', join(root, 'skill', 'schema.sql'), { database, codegen: false })
    assert.equal(result.error, undefined)
    assert.deepEqual(rows(database, 'SELECT count(*) AS n FROM child'), [{ n: 2 }])
  })

  it('checks the foreign keys after a no-transaction migration', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_init.sql': PARENT_CHILD_CASCADE,
      '002_nt.sql': '-- glorious:no-transaction\nPRAGMA foreign_keys = OFF;\nINSERT INTO child VALUES (12, 77);',
    })
    const { error } = await createMigrator({
      database,
      skill: 'fk',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    assert.ok(error instanceof ForeignKeyViolationError, String(error))
    assert.match(error.message, /"002_nt.sql" leaves 1 foreign key violation.*ran outside a transaction/)
    assert.deepEqual(rows(database, 'SELECT version FROM _migrations'), [{ version: 1 }])
  })

  it('compares violations by content, so WITHOUT ROWID tables and rebuilt tables are judged right', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const setup = new Database(database)
    setup.exec(`
      CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE w (k TEXT PRIMARY KEY, p INTEGER REFERENCES p(id)) WITHOUT ROWID;
      PRAGMA foreign_keys = OFF;
      INSERT INTO w VALUES ('old', 5);`)
    setup.close()
    const dir = migrationsDir(root, {
      // Rebuilds w keeping its old violation: not a new one.
      '001_rebuild.sql': [
        'PRAGMA foreign_keys = OFF;',
        'CREATE TABLE w_new (k TEXT PRIMARY KEY, p INTEGER REFERENCES p(id), extra TEXT) WITHOUT ROWID;',
        'INSERT INTO w_new (k, p) SELECT k, p FROM w;',
        'DROP TABLE w;',
        'ALTER TABLE w_new RENAME TO w;',
      ].join('\n'),
      '002_new.sql': "PRAGMA foreign_keys = OFF;\nINSERT INTO w (k, p) VALUES ('new', 6);",
    })
    const { error, applied } = await createMigrator({
      database,
      skill: 'w',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    assert.deepEqual(
      applied.map((m) => m.filename),
      ['001_rebuild.sql'],
    )
    assert.ok(error instanceof ForeignKeyViolationError, String(error))
    assert.match(
      error.message,
      /"002_new.sql" leaves 1 foreign key violation\(s\) \(first: table "w" key \(6\) → "p"\)/,
    )
  })
})

describe("hardening: the toolkit's tables are untouchable", () => {
  const names = [
    "'_migrations'",
    '"_migrations"',
    '[_migrations]',
    '`_migrations`',
    'main._migrations',
    '_MIGRATIONS',
    "main.'_Migrations'",
  ]
  for (const name of names) {
    it(`refuses ${name} before running anything`, async () => {
      const root = tempDir()
      const database = join(root, 'agent.db')
      const victim = migrationsDir(root, { '001_v.sql': 'CREATE TABLE v (x);' }, 'victim')
      await createMigrator({ database, skill: 'victim', migrationsDir: victim, codegen: false }).migrateToLatest()
      const before = fullDump(database)
      const attacker = migrationsDir(
        root,
        { '001_evil.sql': `DELETE FROM ${name} WHERE skill_name = 'victim';` },
        'attacker',
      )
      const { error } = await createMigrator({
        database,
        skill: 'attacker',
        migrationsDir: attacker,
        codegen: false,
      }).migrateToLatest()
      assert.ok(error instanceof ForbiddenStatementError, String(error))
      assert.equal(fullDump(database), before)
    })
  }

  it('stops by effect a write that no statement names (a trigger already in the database)', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const victim = migrationsDir(root, { '001_v.sql': 'CREATE TABLE items (x);' }, 'victim')
    await createMigrator({ database, skill: 'victim', migrationsDir: victim, codegen: false }).migrateToLatest()
    const planted = new Database(database)
    planted.exec(
      "CREATE TRIGGER evil AFTER INSERT ON items BEGIN DELETE FROM _migrations WHERE skill_name = 'victim'; END",
    )
    planted.close()
    const before = fullDump(database)
    const attacker = migrationsDir(root, { '001_insert.sql': 'INSERT INTO items VALUES (1);' }, 'attacker')
    for (const own of [true, false]) {
      const raw = own ? undefined : new Database(database)
      const kysely = raw && new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) })
      const { error } = await createMigrator({
        database: kysely ?? database,
        skill: 'attacker',
        migrationsDir: attacker,
        codegen: false,
      }).migrateToLatest()
      await kysely?.destroy()
      assert.ok(error instanceof MigrationFailedError || error instanceof ReservedTableError, String(error))
      assert.match(error.message, /toolkit's own table/)
      assert.equal(fullDump(database), before)
    }
  })

  it('stops by effect a change of their definition through writable_schema', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_a.sql': 'CREATE TABLE a (x);',
      '002_schema.sql':
        "PRAGMA writable_schema = ON;\nUPDATE sqlite_schema SET sql = replace(sql, 'checksum', 'checksum2') WHERE name = char(95) || 'migrations';",
    })
    const { error } = await createMigrator({
      database,
      skill: 's',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    // SQLite's defensive mode may refuse the write itself; either way the migration fails whole.
    assert.ok(error instanceof ReservedTableError || error instanceof MigrationFailedError, String(error))
    assert.match(
      String(rows(database, `SELECT sql FROM sqlite_schema WHERE name = '_migrations'`)[0]?.sql),
      /"checksum" varchar/,
    )
    assert.deepEqual(rows(database, 'SELECT version FROM _migrations'), [{ version: 1 }])
  })
})

describe('hardening: checksums', () => {
  it('an applied file edited while the run goes on is reported as a mismatch by the next run', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_first.sql': 'CREATE TABLE first (x);',
      '002_second.sql': 'CREATE TABLE second (x);',
    })
    const first = join(dir, '001_first.sql')
    const old = new Date(Date.now() - 60_000)
    utimesSync(first, old, old)
    const editedAt = { ms: 0 }
    const migrator = createMigrator({
      database,
      skill: 's',
      migrationsDir: dir,
      codegen: false,
      onProgress: ({ migration }) => {
        if (migration.filename === '001_first.sql') {
          writeFileSync(first, 'CREATE TABLE first (x, y);')
          editedAt.ms = Date.now()
        } else {
          // The run goes on long enough for the checksum cache to consider the edit "old" (not
          // racily clean) by the time it commits.
          while (Date.now() - editedAt.ms < 2200);
        }
      },
    })
    const run = await migrator.migrateToLatest()
    assert.equal(run.error, undefined)
    assert.ok(Date.now() - editedAt.ms > 2000, 'the run must outlast the checksum cache race window')
    const next = await migrator.migrateToLatest()
    await migrator.destroy()
    assert.ok(next.error instanceof ChecksumMismatchError, String(next.error))
    assert.match(readFileSync(first, 'utf8'), /x, y/)
  })
})

describe('hardening: several runs in one process', () => {
  it('serialise and all succeed (Promise.all, two migrators, one Kysely instance)', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const files: Record<string, string> = {}
    for (let n = 1; n <= 20; n++) files[`${String(n).padStart(3, '0')}_m.sql`] = `CREATE TABLE t${n} (x);`
    const dir = migrationsDir(root, files)
    const started = Date.now()
    const results = await Promise.all([
      createMigrator({
        database,
        skill: 's',
        migrationsDir: dir,
        codegen: false,
        lockTimeoutMs: 30_000,
      }).migrateToLatest(),
      createMigrator({
        database,
        skill: 's',
        migrationsDir: dir,
        codegen: false,
        lockTimeoutMs: 30_000,
      }).migrateToLatest(),
      migrateSkills([{ name: 's', migrationsDir: dir }], { database, codegen: false, lockTimeoutMs: 30_000 }),
    ])
    assert.ok(Date.now() - started < 20_000, 'no run waited for a lock timeout')
    for (const result of results) assert.equal(result.error, undefined)
    assert.equal(
      results.reduce((sum, result) => sum + result.applied.length, 0),
      20,
    )
    assert.deepEqual(rows(database, 'SELECT count(*) AS n FROM _migrations'), [{ n: 20 }])

    const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(join(root, 'k.db')) }) })
    const both = await Promise.all([
      createMigrator({ database: kysely, skill: 's', migrationsDir: dir, codegen: false }).migrateToLatest(),
      createMigrator({ database: kysely, skill: 's', migrationsDir: dir, codegen: false }).migrateToLatest(),
    ])
    for (const result of both) assert.equal(result.error, undefined)
    assert.equal(both[0].applied.length + both[1].applied.length, 20)
    await kysely.destroy()
  })
})

describe('hardening: rollback', () => {
  it('removes exactly the rows it showed, and refuses when the ledger changed in between', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x);', '002_b.sql': 'CREATE TABLE b (x);' })
    await createMigrator({ database, skill: 's', migrationsDir: dir, codegen: false }).migrateTo(1)
    const shown = await previewRollback({ database, skill: 's', steps: 1 })
    assert.deepEqual(
      shown.map((row) => row.filename),
      ['001_a.sql'],
    )
    await createMigrator({ database, skill: 's', migrationsDir: dir, codegen: false }).migrateToLatest()
    const before = fullDump(database)
    await assert.rejects(
      rollbackMigrations({ database, skill: 's', steps: 1, expected: shown }),
      (error: unknown) =>
        error instanceof LedgerChangedError && /would now remove 002_b.sql instead of 001_a.sql/.test(error.message),
    )
    assert.equal(fullDump(database), before)
    const again = await previewRollback({ database, skill: 's', steps: 1 })
    const done = await rollbackMigrations({ database, skill: 's', steps: 1, expected: again })
    assert.deepEqual(
      done.removed.map((row) => row.filename),
      ['002_b.sql'],
    )
  })
})

describe('hardening: errors blame the statement', () => {
  it('an ATTACH of a file that is not a database fails the migration, naming statement and line', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    writeFileSync(join(root, 'not-a-db.txt'), 'hello, I am text and not a database at all '.repeat(100))
    const dir = migrationsDir(root, {
      '001_nt.sql': `-- glorious:no-transaction\nCREATE TABLE kept (x);\nATTACH '${join(root, 'not-a-db.txt')}' AS other;\nSELECT count(*) FROM other.sqlite_schema;`,
    })
    const { error } = await createMigrator({
      database,
      skill: 's',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    assert.ok(error instanceof MigrationFailedError, String(error))
    assert.equal(error.statementIndex, 2)
    assert.equal(error.line, 3)
    assert.match(
      error.message,
      /^skill "s": migration "001_nt.sql" failed at statement 2 \(line 3\): file is not a database\..*statement 1 stays applied/,
    )
  })
})

describe('hardening: ownership', () => {
  it('follows a rename that spells the name in another case', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, {
      '001_create.sql': 'CREATE TABLE Notes (id INTEGER PRIMARY KEY, body TEXT);',
      '002_rename.sql': 'ALTER TABLE notes RENAME TO items;',
    })
    const { error, types } = await createMigrator({ database, skill: 's', migrationsDir: dir }).migrateToLatest()
    assert.equal(error, undefined)
    assert.deepEqual(rows(database, 'SELECT object_name, skill_name FROM _migration_objects'), [
      { object_name: 'items', skill_name: 's' },
    ])
    assert.match(readFileSync(types[0]?.path ?? '', 'utf8'), /items: ItemsTable;/)
  })

  it('rebuilds an ownership table made by an older version with a key that ignores case', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const setup = new Database(database)
    setup.exec(`
      CREATE TABLE "_migrations" ("skill_name" varchar(255) not null, "version" bigint not null, "filename" varchar(255) not null,
        "checksum" varchar(64) not null, "applied_at" varchar(32) not null, constraint "_migrations_pk" primary key ("skill_name", "version"));
      CREATE TABLE "_migration_objects" ("object_name" varchar(255) primary key, "object_type" varchar(16) not null,
        "skill_name" varchar(255) not null, "version" bigint not null);
      CREATE TABLE Notes (id INTEGER PRIMARY KEY);
      INSERT INTO _migration_objects VALUES ('Notes', 'table', 's', 1);`)
    setup.close()
    const dir = migrationsDir(root, { '002_rename.sql': 'ALTER TABLE notes RENAME TO items;' })
    const { error } = await createMigrator({
      database,
      skill: 's',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    assert.equal(error, undefined)
    assert.deepEqual(rows(database, 'SELECT object_name FROM _migration_objects'), [{ object_name: 'items' }])
  })
})

describe('hardening: a skill migrated with --dir stays visible', () => {
  it('status and verify find its files through the folder the ledger recorded, and see an edit', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x);' }, 'elsewhere')
    await createMigrator({ database, skill: 'loose', migrationsDir: dir, codegen: false }).migrateToLatest()
    const [ok] = await getStatus({ database, skills: [] })
    assert.equal(ok?.state, 'ok')
    assert.equal(ok?.migrationsDir, dir)
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x, y);')
    const [edited] = await getStatus({ database, skills: [] })
    assert.equal(edited?.state, 'checksum-mismatch')
    const report = await verifyMigrations({ database, skills: [] })
    assert.equal(report.problems[0]?.code, 'checksum-mismatch')
  })
})

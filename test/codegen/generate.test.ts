import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { type CodegenTarget, StaleTypesError, generateTypes } from '../../codegen/index.js'
import { InvalidOptionError } from '../../lib/errors.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'
import { applySkills, openSession } from './helpers.js'

/** Two skills sharing one database: billing alters and references core's table. */
async function twoSkills(): Promise<{ root: string; database: string; core: CodegenTarget; billing: CodegenTarget }> {
  const root = tempDir('glorious-codegen-')
  const database = join(root, 'agent.db')
  const core = {
    skill: 'core',
    migrationsDir: migrationsDir(join(root, 'core'), {
      '001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);',
      '002_scratch.sql': 'CREATE TABLE scratch (x TEXT); CREATE TABLE kept (y TEXT);',
      '003_drop_scratch.sql': 'DROP TABLE scratch;',
    }),
  }
  const billing = {
    skill: 'billing',
    migrationsDir: migrationsDir(join(root, 'billing'), {
      '001_invoices.sql':
        'CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL NOT NULL);\n' +
        'ALTER TABLE users ADD COLUMN plan TEXT;\n' +
        'CREATE VIEW unpaid AS SELECT id, total FROM invoices;',
    }),
  }
  await applySkills(database, [
    { name: core.skill, migrationsDir: core.migrationsDir },
    { name: billing.skill, migrationsDir: billing.migrationsDir },
  ])
  return { root, database, core, billing }
}

describe('generateTypes', () => {
  it('gives each skill the tables and views its own migrations created, beside its migrations folder', async () => {
    const { root, database, core, billing } = await twoSkills()
    const session = await openSession(database)
    try {
      const results = await generateTypes(session, [core, billing], {})
      assert.deepEqual(
        results.map((result) => [result.skill, result.path, result.status, result.tables]),
        [
          ['core', join(root, 'core', 'db-types.ts'), 'written', 2],
          ['billing', join(root, 'billing', 'db-types.ts'), 'written', 2],
        ],
      )
      const coreTypes = readFileSync(join(root, 'core', 'db-types.ts'), 'utf8')
      const billingTypes = readFileSync(join(root, 'billing', 'db-types.ts'), 'utf8')
      assert.match(coreTypes, /export interface DB \{\n {2}kept: KeptTable;\n {2}users: UsersTable;\n\}/)
      assert.match(coreTypes, /plan: string \| null;/, "billing's ALTER shows in core's table, which stays core's")
      assert.doesNotMatch(coreTypes, /scratch|Scratch/, 'a dropped table is gone')
      assert.doesNotMatch(coreTypes, /invoices/i)
      assert.match(billingTypes, /export interface DB \{\n {2}invoices: InvoicesTable;\n {2}unpaid: UnpaidView;\n\}/)
      assert.doesNotMatch(billingTypes, /UsersTable/)
    } finally {
      await session.close()
    }
  })

  it('does not touch a file whose content would not change (same mtime and inode)', async () => {
    const { root, database, core } = await twoSkills()
    const path = join(root, 'core', 'db-types.ts')
    const session = await openSession(database)
    try {
      assert.equal((await generateTypes(session, [core], {}))[0]?.status, 'written')
      const past = new Date('2001-02-03T04:05:06Z')
      utimesSync(path, past, past)
      const before = statSync(path)
      assert.equal((await generateTypes(session, [core], {}))[0]?.status, 'unchanged')
      const after = statSync(path)
      assert.equal(after.mtimeMs, before.mtimeMs)
      assert.equal(after.ino, before.ino)
    } finally {
      await session.close()
    }
  })

  it('check mode reports unchanged, stale and missing files with a correct unified diff, and writes nothing', async () => {
    const { root, database, core, billing } = await twoSkills()
    const corePath = join(root, 'core', 'db-types.ts')
    const billingPath = join(root, 'billing', 'db-types.ts')
    const session = await openSession(database)
    try {
      await generateTypes(session, [core], {})
      const fresh = readFileSync(corePath, 'utf8')
      const [unchanged] = await generateTypes(session, [core], { check: true })
      assert.equal(unchanged?.status, 'unchanged')
      assert.equal(unchanged?.diff, undefined)

      const edited = fresh.replace('  email: string;\n', '  email: string | null;\n  extra: number;\n')
      writeFileSync(corePath, edited)
      const [stale, missing] = await generateTypes(session, [core, billing], { check: true })
      assert.equal(stale?.status, 'stale')
      const diff = stale?.diff as string
      const label = corePath.startsWith(process.cwd()) ? corePath.slice(process.cwd().length + 1) : corePath
      assert.ok(diff.startsWith(`--- a/${label}\n+++ b/${label}\n@@ `), diff)
      assert.match(diff, /\n-  email: string \| null;\n-  extra: number;\n\+  email: string;\n/)
      assert.equal(readFileSync(corePath, 'utf8'), edited, 'check mode writes nothing')

      assert.equal(missing?.status, 'missing')
      const missingDiff = missing?.diff as string
      assert.ok(missingDiff.startsWith('--- /dev/null\n+++ b/'), missingDiff)
      assert.match(missingDiff, /\n\+\/\/ @generated by glorious-migrate codegen \(sqlite, skill: billing, /)
      assert.equal(existsSync(billingPath), false, 'check mode creates nothing')

      const error = new StaleTypesError([
        { skill: 'core', path: corePath, status: 'stale', diff },
        { skill: 'billing', path: billingPath, status: 'missing', diff: missingDiff },
      ])
      assert.equal(error.code, 'stale-types')
      assert.match(
        error.message,
        /^2 generated type file\(s\) out of date \(first: .*core\/db-types\.ts, stale\): run "glorious migrate codegen"/,
      )

      await generateTypes(session, [core], {})
      assert.equal(readFileSync(corePath, 'utf8'), fresh, 'regenerating restores the file')
    } finally {
      await session.close()
    }
  })

  it('writes to out, and the whole database with all (without the toolkit tables)', async () => {
    const { root, database, core } = await twoSkills()
    const session = await openSession(database)
    try {
      const out = join(root, 'types', 'all.ts')
      await assert.rejects(generateTypes(session, [], { all: true, out }), /folder .*types does not exist/)
      mkdirSync(join(root, 'types')) // codegen never makes a missing folder
      const [result] = await generateTypes(session, [], { all: true, out })
      assert.deepEqual([result?.skill, result?.path, result?.status, result?.tables], ['*', out, 'written', 4])
      const text = readFileSync(out, 'utf8')
      assert.match(text, /\(sqlite, whole database, schema [0-9a-f]{8}, content [0-9a-f]{8}\)/)
      assert.match(
        text,
        /export interface DB \{\n {2}invoices: InvoicesTable;\n {2}kept: KeptTable;\n {2}unpaid: UnpaidView;\n {2}users: UsersTable;\n\}/,
      )
      assert.doesNotMatch(text, /_migration|sqlite_/)

      const single = join(root, 'core-types.ts')
      const [one] = await generateTypes(session, [core], { out: single })
      assert.equal(one?.path, single)
      assert.match(readFileSync(single, 'utf8'), /skill: core/)
    } finally {
      await session.close()
    }
  })

  it('rejects contradictory options clearly', async () => {
    const { database, core, billing } = await twoSkills()
    const session = await openSession(database)
    try {
      await assert.rejects(generateTypes(session, [core, billing], { out: 'x.ts' }), (error: unknown) => {
        assert.ok(error instanceof InvalidOptionError)
        assert.match(error.message, /out \(--out\) names one file, but 2 skills were given \(core, billing\)/)
        return true
      })
      await assert.rejects(generateTypes(session, [core, billing], { all: true }), InvalidOptionError)
      await assert.rejects(generateTypes(session, [], { all: true }), /needs out/)
      await assert.rejects(
        generateTypes(session, [core], { booleans: 'yes' as never }),
        /booleans must be 'number' or 'boolean'/,
      )
      await assert.rejects(
        generateTypes(session, [core], { bigNumbers: 'bigint' as never }),
        /bigNumbers must be 'number' or 'string', got "bigint"/,
      )
      assert.deepEqual(await generateTypes(session, [], {}), [], 'no target, nothing to do')
    } finally {
      await session.close()
    }
  })

  it('leaves out FTS shadow tables, hidden columns and views it cannot read, with a warning', async () => {
    const root = tempDir('glorious-codegen-')
    const database = join(root, 'agent.db')
    const search = {
      skill: 'search',
      migrationsDir: migrationsDir(join(root, 'search'), {
        '001_fts.sql':
          'CREATE VIRTUAL TABLE docs USING fts5(title, body);\n' +
          'CREATE TABLE base (a INTEGER);\n' +
          'CREATE VIEW over_base AS SELECT a FROM base;',
        '002_drop.sql': 'DROP TABLE base;',
      }),
    }
    await applySkills(database, [{ name: search.skill, migrationsDir: search.migrationsDir }])
    const session = await openSession(database)
    try {
      const [result] = await generateTypes(session, [search], {})
      const text = readFileSync(join(root, 'search', 'db-types.ts'), 'utf8')
      assert.match(
        text,
        /export interface DocsTable \{\n {2}\/\*\* fts5 column: text \*\/\n {2}title: string \| null;\n/,
      )
      assert.doesNotMatch(text, /docs_(config|content|data|docsize|idx)|rank/)
      assert.doesNotMatch(text, /over_base/)
      assert.equal(result?.tables, 1)
      assert.ok(
        result?.warnings?.some((warning) => warning.includes('"over_base" is left out')),
        String(result?.warnings),
      )
    } finally {
      await session.close()
    }
  })
})

describe('names Kysely cannot address', () => {
  it('a table or view whose name has "." or " as " is left out of the types with a warning, not typed under a key every query fails on', async () => {
    const root = tempDir('glorious-codegen-')
    const database = join(root, 'agent.db')
    const target = {
      skill: 'odd',
      migrationsDir: migrationsDir(join(root, 'odd'), {
        '001_names.sql':
          'CREATE TABLE "t.dot" (x TEXT);\nCREATE VIEW "a as b" AS SELECT x FROM "t.dot";\nCREATE TABLE "a b" (y TEXT);',
      }),
    }
    await applySkills(database, [{ name: target.skill, migrationsDir: target.migrationsDir }])
    // What Kysely makes of such a key: another schema's table, and an alias.
    const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    assert.equal(kysely.selectFrom('t.dot').selectAll().compile().sql, 'select * from "t"."dot"')
    assert.equal(kysely.selectFrom('a as b').selectAll().compile().sql, 'select * from "a" as "b"')
    await kysely.destroy()

    const session = await openSession(database)
    try {
      const [result] = await generateTypes(session, [target], {})
      assert.equal(result?.tables, 1)
      assert.deepEqual(result?.warnings, [
        'view "a as b" is left out: Kysely reads " as " in a table reference as an alias, so it cannot name it (rename it)',
        'table "t.dot" is left out: Kysely reads a "." in a table reference as schema.table, so it cannot name it (rename it)',
      ])
      const types = readFileSync(join(root, 'odd', 'db-types.ts'), 'utf8')
      assert.match(types, /export interface DB \{\n {2}'a b': ABTable;\n\}/)
      assert.doesNotMatch(types, /t\.dot|a as b/)
    } finally {
      await session.close()
    }
  })
})

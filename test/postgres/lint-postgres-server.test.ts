/**
 * What the PostgreSQL lint rules claim, shown on the real server: which statements rewrite the
 * table (a new relfilenode) and which do not, that CONCURRENTLY is refused in a transaction
 * block, and that lint reads the engine and the applied files from a --url database.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMigrator, lintMigrations } from '../../lib/index.js'
import { postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'
import { ruleIds } from '../helpers/lint.js'

describe('the PostgreSQL rules against the server', () => {
  it('a volatile default and a type change rewrite the table; now() and a longer varchar do not', async () => {
    const db = await postgres.create()
    await db.query('CREATE TABLE users (id int PRIMARY KEY, name varchar(10))')
    await db.query("INSERT INTO users SELECT g, 'n' FROM generate_series(1, 100) g")
    const file = async (): Promise<unknown> =>
      (await db.query("SELECT relfilenode FROM pg_class WHERE relname = 'users'"))[0]?.relfilenode
    const rewrites = async (statement: string): Promise<boolean> => {
      const before = await file()
      await db.query(statement)
      return (await file()) !== before
    }
    const cases: [string, boolean][] = [
      ['ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()', false],
      ['ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()', true],
      ['ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()', true],
      ['ALTER TABLE users ALTER COLUMN name TYPE varchar(20)', false],
      ['ALTER TABLE users ALTER COLUMN id TYPE bigint', true],
    ]
    for (const [statement, rewritten] of cases) {
      assert.equal(await rewrites(statement), rewritten, statement)
      const ids = await ruleIds('postgres', `${statement};`)
      if (statement.includes('DEFAULT')) assert.equal(ids.includes('pg-volatile-default'), rewritten, statement)
      else assert.ok(ids.includes('pg-alter-column-type'), `${statement}: flagged (it may rewrite)`)
    }
  })

  it('CREATE INDEX CONCURRENTLY inside a transaction block is refused, as the rule says', async () => {
    const db = await postgres.create()
    await db.query('CREATE TABLE users (email text)')
    await assert.rejects(
      db.query('BEGIN; CREATE INDEX CONCURRENTLY users_by_email ON users (email); COMMIT;'),
      /CREATE INDEX CONCURRENTLY cannot run inside a transaction block/,
    )
  })

  it('lint takes the engine and the applied files from a PostgreSQL URL', async () => {
    const db = await postgres.create()
    const dir = migrationsDir(tempDir(), {
      '001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);',
      '002_index.sql': 'CREATE INDEX users_by_email ON users (email);',
    })
    const skills = [{ name: 'app', migrationsDir: dir }]
    const migrator = createMigrator({ database: db.database, skill: 'app', migrationsDir: dir, codegen: false })
    await migrator.migrateTo(1)
    await migrator.destroy()
    const all = await lintMigrations({ skills, database: db.database, env: {} })
    assert.equal(all.engine, 'postgres')
    assert.equal(all.databaseChecked, true)
    assert.deepEqual(
      all.findings.map((f) => f.ruleId),
      ['pg-index-without-concurrently'],
    )
    const pending = await lintMigrations({ skills, database: db.database, env: {}, only: 'pending' })
    assert.deepEqual([pending.migrations, pending.findings.length], [1, 1])
    const none = await lintMigrations({ skills, database: db.database, env: {}, only: 'pending', skill: 'other' })
    assert.equal(none.migrations, 0)
  })
})

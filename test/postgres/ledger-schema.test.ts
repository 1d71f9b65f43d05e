/**
 * Without `--schema`, the ledger lives in the session's default schema, which migrations could
 * move: creating a schema named after the role (`"$user"` leads the default search_path) or
 * `ALTER DATABASE … SET search_path`. The next run then found no ledger, reported every
 * migration pending and applied them again in the new schema. The ledger stays where it is, and
 * later migrations create their tables where the earlier ones did.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { getStatus, migrateSkills } from '../../lib/index.js'
import { POSTGRES_ADMIN_URL, postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const ROLE = decodeURIComponent(new URL(POSTGRES_ADMIN_URL).username || 'postgres')
const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

describe('the ledger schema on PostgreSQL without --schema', () => {
  for (const [what, move, moved] of [
    ['a migration creates a schema named after the role', `CREATE SCHEMA ${quote(ROLE)};`, ROLE],
    [
      'a migration sets the database’s search_path',
      "CREATE SCHEMA app;\nDO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app, public', current_database()); END $$;",
      'app',
    ],
  ] as const) {
    it(`stays where it is when ${what}: nothing is applied twice`, async () => {
      const db = await postgres.create()
      const dir = migrationsDir(tempDir(), {
        '001_init.sql': 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);',
        '002_move.sql': move,
        '003_later.sql': 'CREATE TABLE later (id int);',
      })
      const skills = [{ name: 'notes', migrationsDir: dir }]
      const first = await migrateSkills(skills, { database: db.database, codegen: false })
      assert.equal(first.error, undefined, String(first.error))

      const [status] = await getStatus({ database: db.database, skills })
      assert.equal(status?.state, 'ok')
      assert.equal(status?.pending, 0)

      writeFileSync(join(dir, '004_more.sql'), 'INSERT INTO t VALUES (4);\nCREATE TABLE more (id int);')
      const second = await migrateSkills(skills, { database: db.database, codegen: false })
      assert.equal(second.error, undefined, String(second.error))
      assert.deepEqual(
        second.applied.map((m) => m.filename),
        ['004_more.sql'],
      )
      assert.deepEqual(await db.query('SELECT id FROM public.t ORDER BY id'), [{ id: 1 }, { id: 4 }])
      const inMoved = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = '${moved}'`)
      assert.deepEqual(inMoved, [], `tables appeared in schema ${moved}`)
      assert.deepEqual(
        (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map(
          (r) => r.tablename,
        ),
        ['_migration_events', '_migration_fingerprints', '_migration_objects', '_migrations', 'later', 'more', 't'],
      )
    })
  }

  it('keeps a ledger made in a schema named after the role that existed before the first run', async () => {
    const db = await postgres.create()
    await db.query(`CREATE SCHEMA ${quote(ROLE)}`)
    const skills = [
      { name: 'notes', migrationsDir: migrationsDir(tempDir(), { '001_init.sql': 'CREATE TABLE t (id int);' }) },
    ]
    assert.equal((await migrateSkills(skills, { database: db.database, codegen: false })).error, undefined)
    const [status] = await getStatus({ database: db.database, skills })
    assert.equal(status?.state, 'ok')
    assert.deepEqual(await db.query(`SELECT schemaname FROM pg_tables WHERE tablename = '_migrations'`), [
      { schemaname: ROLE },
    ])
  })
})

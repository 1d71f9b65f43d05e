/**
 * The run's migration lock (`GET_LOCK('glorious-migrate:<db>')`) stays held whatever a migration
 * does: `RELEASE_ALL_LOCKS()` or a `RELEASE_LOCK` of the toolkit's name is refused before anything
 * runs; released unseen (dynamic SQL, a procedure), the statement fails by name, the lock is
 * taken back, and the rest of the run (another skill) runs under it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { migrateSkills } from '../../lib/index.js'
import { freshDatabase, lockNameOf } from '../helpers/mysql-server.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

describe('a migration cannot release the migration lock', () => {
  for (const release of ['DO RELEASE_ALL_LOCKS();', "SELECT release_lock('GLORIOUS-MIGRATE:{db}');"]) {
    it(`${release} is refused before anything runs`, async () => {
      const db = await freshDatabase('lock-static')
      const dir = migrationsDir(tempDir(), {
        '001_t.sql': `CREATE TABLE t (v INT);\n${release.replace('{db}', db.name)}`,
      })
      const run = await migrateSkills([{ name: 's', migrationsDir: dir }], { database: db.url, codegen: false })
      assert.match(String(run.skills[0]?.error), /statement 2 \(line 2\).*releases the toolkit's migration lock/)
      const tables = await db.query(
        "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't'",
      )
      assert.deepEqual(tables, [])
    })
  }

  for (const [name, files] of [
    [
      'dynamic SQL',
      {
        '001_t.sql':
          "CREATE TABLE t (v INT);\nSET @s = CONCAT('DO RELEASE_', 'ALL_LOCKS()');\nPREPARE s FROM @s;\nEXECUTE s;",
      },
    ],
    [
      'a procedure',
      {
        '001_p.sql':
          "CREATE TABLE t (v INT);\nCREATE PROCEDURE rel() BEGIN SET @s = CONCAT('DO RELEASE_', 'ALL_LOCKS()'); PREPARE s FROM @s; EXECUTE s; END",
        '002_call.sql': 'INSERT INTO t VALUES (1);\nCALL rel();',
      },
    ],
  ] as const) {
    it(`released through ${name}: the statement fails, the lock is taken back for the rest of the run`, async () => {
      const db = await freshDatabase('lock-effect')
      const root = tempDir()
      const skills = [
        { name: 'a', migrationsDir: migrationsDir(root, files, 'a') },
        {
          name: 'b',
          migrationsDir: migrationsDir(
            root,
            {
              '001_held.sql': `CREATE TABLE held (v INT);\nINSERT INTO held SELECT IS_USED_LOCK('${lockNameOf(db.name)}') = CONNECTION_ID();`,
            },
            'b',
          ),
        },
      ]
      const run = await migrateSkills(skills, { database: db.url, codegen: false })
      assert.match(String(run.skills[0]?.error), /it released the toolkit's migration lock/)
      assert.equal(run.skills[1]?.error, undefined, String(run.skills[1]?.error))
      assert.deepEqual(await db.query('SELECT v FROM held'), [{ v: 1 }])
      const failed = await db.query("SELECT status FROM _migrations WHERE skill_name = 'a' AND status <> 'applied'")
      assert.deepEqual(failed, [{ status: 'failed' }])
    })
  }
})

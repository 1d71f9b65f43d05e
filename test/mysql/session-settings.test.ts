/**
 * Session settings a migration changes on MariaDB stay its own: they are put back after it — on
 * the statement-by-statement path too, after a failure, when set in an executable comment, by
 * `SET NAMES`, or unseen inside a procedure — so the next migration and the toolkit's own reads
 * and writes run under the session as it was; and a resumed migration runs again the statements
 * before its resume point that only set the session, so the statements after them run under it.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createMigrator, migrateSkills } from '../../lib/index.js'
import { freshDatabase } from '../helpers/mysql-server.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

function migrator(url: string, dir: string) {
  return createMigrator({ database: url, skill: 's', migrationsDir: dir, codegen: false })
}

const statuses = async (db: Awaited<ReturnType<typeof freshDatabase>>) =>
  (await db.query('SELECT version, status, statements_applied FROM _migrations ORDER BY version')).map(
    (row) => `${row.version}:${row.status}:${row.statements_applied ?? '-'}`,
  )

describe('session settings do not leak out of a migration', () => {
  for (const [name, set] of [
    ['SET sql_mode', "SET sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES';"],
    ['an executable comment', "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='ANSI,NO_BACKSLASH_ESCAPES' */;"],
  ] as const) {
    it(`sql_mode set by ${name} in a statement-by-statement migration is put back before the guard and the next one`, async () => {
      const db = await freshDatabase('session-sqlmode')
      const dir = migrationsDir(tempDir(), {
        '001_mode.sql': `${set}\nCREATE TABLE t (id INT PRIMARY KEY, v TEXT);\nINSERT INTO t VALUES (1, 'ansi');`,
        // Backslash escapes and double-quoted strings: valid only under the default sql_mode.
        '002_escape.sql': `INSERT INTO t VALUES (2, 'a\\'b'), (3, "c");`,
      })
      const result = await migrator(db.url, dir).migrateToLatest()
      assert.equal(result.error, undefined, String(result.error))
      assert.deepEqual(await statuses(db), ['1:applied:3', '2:applied:-'])
      assert.deepEqual(
        (await db.query('SELECT id, v FROM t ORDER BY id')).map((row) => `${row.id}=${row.v}`),
        ['1=ansi', "2=a'b", '3=c'],
      )
    })
  }

  it('foreign_key_checks = 0 in a statement-by-statement migration does not reach the next migration', async () => {
    const db = await freshDatabase('session-fk')
    const dir = migrationsDir(tempDir(), {
      '001_off.sql':
        'SET foreign_key_checks = 0;\nCREATE TABLE c (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES p (id));\nCREATE TABLE p (id INT PRIMARY KEY);',
      '002_orphan.sql': 'INSERT INTO c VALUES (1, 42);',
    })
    const result = await migrator(db.url, dir).migrateToLatest()
    assert.match(String(result.error), /002_orphan\.sql.*foreign key constraint fails/)
    assert.deepEqual(await statuses(db), ['1:applied:3'])
    assert.deepEqual(await db.query('SELECT * FROM c'), [])
  })

  it('foreign_key_checks = 0 set inside a procedure (CALL) is put back', async () => {
    const db = await freshDatabase('session-call')
    const dir = migrationsDir(tempDir(), {
      '001_tables.sql':
        'CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE c (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES p (id));',
      '002_call.sql': 'CREATE PROCEDURE fk_off() SET foreign_key_checks = 0;\nCALL fk_off();\nDROP PROCEDURE fk_off;',
      '003_orphan.sql': 'INSERT INTO c VALUES (1, 42);',
    })
    const result = await migrator(db.url, dir).migrateToLatest()
    assert.match(String(result.error), /003_orphan\.sql.*foreign key constraint fails/)
    assert.deepEqual(await statuses(db), ['1:applied:2', '2:applied:3'])
  })

  it("foreign_key_checks = 0 is put back after a migration that fails, before the next skill's", async () => {
    const db = await freshDatabase('session-fail')
    const root = tempDir()
    const tables = migrationsDir(
      root,
      {
        '001_tables.sql':
          'CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE c (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES p (id));',
      },
      'tables',
    )
    assert.equal((await migrator(db.url, tables).migrateToLatest()).error, undefined)
    // One run, one session: skill "a" fails with the checks off, then skill "b" runs.
    const run = await migrateSkills(
      [
        {
          name: 'a',
          migrationsDir: migrationsDir(
            root,
            { '001_fails.sql': 'SET foreign_key_checks = 0;\nCREATE TABLE x (id INT);\nDROP TABLE nope;' },
            'a',
          ),
        },
        { name: 'b', migrationsDir: migrationsDir(root, { '001_orphan.sql': 'INSERT INTO c VALUES (1, 42);' }, 'b') },
      ],
      { database: db.url, codegen: false },
    )
    const errors = run.skills.map((skill) => `${skill.skill}: ${String(skill.error)}`)
    assert.match(errors[0] ?? '', /^a: .*Unknown table/)
    assert.match(errors[1] ?? '', /^b: .*foreign key constraint fails/)
    assert.deepEqual(await db.query('SELECT * FROM c'), [])
  })

  it('SET NAMES in a one-transaction migration is put back (its character set variables)', async () => {
    const db = await freshDatabase('session-names')
    const dir = migrationsDir(tempDir(), {
      '001_t.sql': 'CREATE TABLE cs (n INT PRIMARY KEY, client VARCHAR(64), results VARCHAR(64));',
      '002_before.sql': 'INSERT INTO cs VALUES (2, @@character_set_client, @@character_set_results);',
      '003_names.sql': "SET NAMES latin1;\nINSERT INTO cs VALUES (3, 'x', 'x');",
      '004_after.sql': 'INSERT INTO cs VALUES (4, @@character_set_client, @@character_set_results);',
    })
    const result = await migrator(db.url, dir).migrateToLatest()
    assert.equal(result.error, undefined, String(result.error))
    const rows = await db.query('SELECT n, client, results FROM cs WHERE n IN (2, 4) ORDER BY n')
    assert.notEqual(rows[0]?.client, 'latin1')
    assert.deepEqual(
      { client: rows[1]?.client, results: rows[1]?.results },
      { client: rows[0]?.client, results: rows[0]?.results },
    )
  })
})

describe('a resumed migration runs under the session its earlier statements set', () => {
  it('SET foreign_key_checks = 0 before the failed statement holds when it resumes', async () => {
    const db = await freshDatabase('session-resume-fk')
    const dir = migrationsDir(tempDir(), {
      '001_tables.sql':
        'CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE c (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES p (id));\nINSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1, 1);',
      '002_drop.sql': 'SET foreign_key_checks = 0;\nCREATE TABLE p2 (id INT PRIMARY KEY);\nDROP TABLE pp;',
    })
    const first = await migrator(db.url, dir).migrateToLatest()
    assert.match(String(first.error), /failed at statement 3 of 3.*Unknown table/)
    writeFileSync(
      join(dir, '002_drop.sql'),
      'SET foreign_key_checks = 0;\nCREATE TABLE p2 (id INT PRIMARY KEY);\nDROP TABLE p;',
    )
    const second = await migrator(db.url, dir).migrateToLatest()
    assert.equal(second.error, undefined, String(second.error))
    assert.deepEqual(await statuses(db), ['1:applied:4', '2:applied:3'])
    assert.deepEqual(
      (
        await db.query(
          "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('p', 'p2')",
        )
      ).map((row) => row.t),
      ['p2'],
    )
  })

  it('a user variable set before the failed statement has its value when it resumes', async () => {
    const db = await freshDatabase('session-resume-var')
    const dir = migrationsDir(tempDir(), {
      '001_tag.sql': "SET @tag = 'v1';\nCREATE TABLE tags (tag VARCHAR(10));\nINSERT INTO tagz VALUES (@tag);",
    })
    assert.match(String((await migrator(db.url, dir).migrateToLatest()).error), /failed at statement 3 of 3/)
    writeFileSync(
      join(dir, '001_tag.sql'),
      "SET @tag = 'v1';\nCREATE TABLE tags (tag VARCHAR(10));\nINSERT INTO tags VALUES (@tag);",
    )
    const result = await migrator(db.url, dir).migrateToLatest()
    assert.equal(result.error, undefined, String(result.error))
    assert.deepEqual(await db.query('SELECT tag FROM tags'), [{ tag: 'v1' }])
    assert.deepEqual(await statuses(db), ['1:applied:3'])
  })
})

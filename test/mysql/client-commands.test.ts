/**
 * A migration holding a command of the `mysql` client (`source`, `\G`, `charset`) is refused by
 * file and line before any of its statements runs: on MariaDB a statement-by-statement migration
 * would otherwise apply the statements before it and then fail on a syntax error.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMigrator } from '../../lib/index.js'
import { freshDatabase } from '../helpers/mysql-server.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

describe('client commands in a migration', () => {
  for (const [command, text] of [
    ['source', 'CREATE TABLE a (x INT);\nsource more.sql\nCREATE TABLE b (x INT);'],
    ['\\G', 'CREATE TABLE a (x INT);\nSELECT * FROM a\\G\nCREATE TABLE b (x INT);'],
  ] as const) {
    it(`${command}: refused with its line, nothing applied`, async () => {
      const db = await freshDatabase('client-command')
      const dir = migrationsDir(tempDir(), { '001_a.sql': text })
      const result = await createMigrator({
        database: db.url,
        skill: 's',
        migrationsDir: dir,
        codegen: false,
      }).migrateToLatest()
      assert.match(String(result.error), /001_a\.sql.*line 2.*is a command of the mysql client/)
      const tables = await db.query(
        "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('a', 'b')",
      )
      assert.deepEqual(tables, [])
    })
  }
})

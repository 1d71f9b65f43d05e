/**
 * A migration that sets the session's sql_mode (mysqldump's `/*!40101 SET SQL_MODE=… *\/` header
 * and trailer, `SET sql_mode = 'NO_BACKSLASH_ESCAPES'`) is split as the `mariadb` client splits it
 * — the client asks the server after each statement how to read the next — and leaves the same
 * rows: the file runs through both, into two databases, and the rows are compared.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { createMigrator } from '../../lib/index.js'
import { freshDatabase } from '../helpers/mysql-server.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'
import { SERVER } from '../reliability/mysql-scratch.js'

function mariadbClient(database: string, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'mariadb',
      [`-h${SERVER.host}`, `-P${SERVER.port}`, `-u${SERVER.user}`, database],
      (error, _stdout, stderr) => (error ? reject(new Error(`mariadb: ${stderr || error.message}`)) : resolve()),
    )
    child.stdin?.end(input)
  })
}

const FILES: Record<string, string> = {
  "mysqldump's header and trailer": [
    'CREATE TABLE p (n INT PRIMARY KEY, v TEXT);',
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO,NO_BACKSLASH_ESCAPES' */;",
    "INSERT INTO p VALUES (1, 'C:\\'); INSERT INTO p VALUES (2, 'x;y');",
    "INSERT INTO p VALUES (3, 'D:\\');",
    '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
    "INSERT INTO p VALUES (4, 'a\\'b;c');",
  ].join('\n'),
  'CONCAT(@@sql_mode, …) in a statement-by-statement migration': [
    "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');",
    'CREATE TABLE p (n INT PRIMARY KEY, v TEXT);',
    "INSERT INTO p VALUES (1, 'E:\\'), (2, '\\n');",
  ].join('\n'),
}

describe('a SET of sql_mode in a migration: split and run as the mariadb client does', () => {
  for (const [name, text] of Object.entries(FILES)) {
    it(name, async () => {
      const ours = await freshDatabase('sqlmode-split')
      const client = await freshDatabase('sqlmode-client')
      await mariadbClient(client.name, text)
      const dir = migrationsDir(tempDir(), { '001_dump.sql': text })
      const result = await createMigrator({
        database: ours.url,
        skill: 's',
        migrationsDir: dir,
        codegen: false,
      }).migrateToLatest()
      assert.equal(result.error, undefined, String(result.error))
      const rows = (db: typeof ours) => db.query('SELECT n, HEX(v) AS v FROM p ORDER BY n')
      const expected = await rows(client)
      assert.ok(expected.length >= 2)
      assert.deepEqual(await rows(ours), expected)
      assert.deepEqual(await ours.query('SELECT status FROM _migrations'), [{ status: 'applied' }])
    })
  }
})

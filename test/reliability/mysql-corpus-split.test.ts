/**
 * The authelia-mysql corpus split by `splitMysqlStatements` and applied piece by piece (each
 * statement alone, multi-statements off) into a fresh MariaDB database: its mysqldump is
 * byte-identical to expected-schema.sql, which the corpus made by sending each whole file at once
 * with multi-statements on (the corpus README's recipe). So every piece parses alone, and together
 * they do exactly what the server did with the whole files, the procedures of
 * 007_consistency_fixes.sql (no DELIMITER, ";" and ';' in their bodies) included.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { CORPUS } from '../helpers/corpus.js'
import { splitMysqlStatements } from '../../lib/dialects/mysql/mysql-splitter.js'
import { SERVER, connect, scratchName } from './mysql-scratch.js'

const HISTORY = join(CORPUS, 'authelia-mysql')

test('authelia-mysql split and applied statement by statement dumps byte-identical to expected-schema.sql', async () => {
  const database = scratchName('corpus')
  const admin = await connect()
  await admin.query(`CREATE DATABASE \`${database}\``)
  const connection = await connect({ database, multipleStatements: false })
  let statements = 0
  try {
    const files = readdirSync(join(HISTORY, 'migrations'))
      .filter((file) => file.endsWith('.sql'))
      .sort()
    for (const file of files) {
      const result = splitMysqlStatements(readFileSync(join(HISTORY, 'migrations', file), 'utf8'))
      assert.equal(result.problem, undefined, `${file}: ${JSON.stringify(result.problem)}`)
      for (const statement of result.statements) {
        try {
          await connection.query(statement.sql)
        } catch (error) {
          assert.fail(`${file} statement ${statement.index} (line ${statement.line}): ${(error as Error).message}`)
        }
        statements++
      }
    }
    const dump = execFileSync(
      'mysqldump',
      [
        `-h${SERVER.host}`,
        `-P${SERVER.port}`,
        `-u${SERVER.user}`,
        '--no-data',
        '--skip-comments',
        '--compact',
        '--routines',
        '--skip-triggers',
        '--skip-add-drop-table',
        '--skip-set-charset',
        database,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    )
      .split('\n')
      .map((line) => line.replace(/ DEFINER=`[^`]*`@`[^`]*`/, '').replace(/ AUTO_INCREMENT=[0-9]+/, ''))
      .join('\n')
    const expected = readFileSync(join(HISTORY, 'expected-schema.sql'), 'utf8')
    assert.ok(
      dump === expected,
      `the dump differs from expected-schema.sql (${dump.length} vs ${expected.length} bytes)`,
    )
    process.stdout.write(
      `mysql corpus: ${files.length} files, ${statements} statements applied one by one; dump identical\n`,
    )
  } finally {
    await connection.end()
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await admin.end()
  }
})

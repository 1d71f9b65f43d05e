/**
 * The authelia-mysql corpus history applied THROUGH THE CLI (`glorious migrate run --url
 * mysql://…`) to a fresh MariaDB database: its dump (the corpus README's mariadb-dump recipe,
 * the toolkit's own tables left out) is byte-identical to expected-schema.sql, which the corpus
 * made by sending each whole file at once with multi-statements on. 007_consistency_fixes.sql
 * holds `CREATE PROCEDURE … BEGIN … END` without DELIMITER; the procedures are in the dump.
 * A second run finds nothing to do, and the lock is free afterwards.
 */
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { CORPUS } from '../helpers/corpus.js'
import { freshDatabase } from '../helpers/mysql-server.js'

const HISTORY = join(CORPUS, 'authelia-mysql')

describe('the authelia-mysql history, through the CLI, on MariaDB', () => {
  it('dumps byte-identical to expected-schema.sql; a second run does nothing; no lock left', async () => {
    const files = readdirSync(join(HISTORY, 'migrations')).filter((file) => file.endsWith('.sql'))
    assert.equal(files.length, 26)
    const procedures = readFileSync(join(HISTORY, 'migrations', '007_consistency_fixes.sql'), 'utf8')
    assert.match(procedures, /CREATE PROCEDURE/)
    assert.doesNotMatch(procedures, /DELIMITER/i, 'the file the splitter must cut without DELIMITER')

    const db = await freshDatabase('corpus_cli')
    const args = ['migrate', 'run', 'authelia', '--dir', join(HISTORY, 'migrations'), '--url', db.url, '--no-codegen']
    const run = await glorious(args)
    assert.equal(run.code, 0, run.stderr)
    const applied = [...run.stdout.matchAll(/^applied +authelia +(\S+\.sql) /gm)].map((match) => match[1])
    assert.deepEqual(applied, files.sort())
    // Only the three empty files warn.
    assert.equal(run.stderr.split('\n').filter((line) => line.startsWith('warning: ')).length, 3, run.stderr)
    assert.doesNotMatch(run.stderr, /error/)

    const dump = await db.schemaDump()
    const expected = readFileSync(join(HISTORY, 'expected-schema.sql'), 'utf8')
    assert.match(dump, /PROCEDURE `PROC_DROP_FOREIGN_KEY`/)
    assert.ok(dump === expected, `the dump differs from expected-schema.sql:\n${firstDifference(expected, dump)}`)
    console.log(
      `corpus authelia-mysql through the CLI: ${applied.length} files, dump byte-identical (${dump.length} bytes)`,
    )

    const again = await glorious(args)
    assert.equal(again.code, 0, again.stderr)
    assert.doesNotMatch(again.stdout, /^applied/m)
    assert.equal(await db.schemaDump(), expected)
    assert.equal(await db.lockHeld(), false, 'the migration lock is free after the runs')
    const ledger = await db.query('SELECT status, COUNT(*) AS n FROM _migrations GROUP BY status')
    assert.deepEqual(ledger, [{ status: 'applied', n: 26 }])
  })
})

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `  line ${i + 1}\n  expected: ${a[i]}\n  actual:   ${b[i]}`
  }
  return '(same lines)'
}

/**
 * A `-- glorious:no-transaction` file may manage transactions itself (BEGIN … COMMIT). Two ways
 * that went wrong on PostgreSQL:
 * - a statement failing inside the file's own transaction left the run's session in that aborted
 *   transaction, so the next skill's correct migration failed with "current transaction is
 *   aborted" (an unexpected error) instead of applying;
 * - a BEGIN never ended in the file was committed together with the migration's ledger row,
 *   where psql would have rolled it back.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { migrateSkills } from '../../lib/index.js'
import { postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const NO_TRANSACTION = '-- glorious:no-transaction\n'

function skills(first: string) {
  return [
    { name: 'first', migrationsDir: migrationsDir(tempDir(), { '001_own.sql': first }) },
    { name: 'second', migrationsDir: migrationsDir(tempDir(), { '001_ok.sql': 'CREATE TABLE second_t (id int);' }) },
  ]
}

async function ledger(db: { query(text: string): Promise<Record<string, unknown>[]> }): Promise<string[]> {
  const rows = await db.query('SELECT skill_name, version FROM _migrations ORDER BY 1, 2')
  return rows.map((row) => `${String(row.skill_name)} ${String(row.version)}`)
}

describe('no-transaction files with transactions of their own on PostgreSQL', () => {
  it('rolls back the file’s own transaction when it fails inside it, and the next skill still applies', async () => {
    const db = await postgres.create()
    const result = await migrateSkills(
      skills(
        `${NO_TRANSACTION}CREATE TABLE before_t (id int);\nBEGIN;\nCREATE TABLE inside_t (id int);\nSELECT 1/0;\nCOMMIT;\n`,
      ),
      { database: db.database, codegen: false },
    )
    const [first, second] = result.skills
    assert.equal(second?.error, undefined, String(second?.error))
    assert.deepEqual(
      second?.applied.map((m) => m.filename),
      ['001_ok.sql'],
    )
    assert.equal(first?.error?.code, 'migration-failed')
    assert.match(String(first?.error?.message), /"001_own\.sql" failed at statement 4 .*division by zero/)
    assert.match(String(first?.error?.message), /which was rolled back: the statements since that BEGIN were undone/)
    assert.deepEqual(await db.tables(), [
      '_migration_events',
      '_migration_fingerprints',
      '_migration_objects',
      '_migrations',
      'before_t',
      'second_t',
    ])
    assert.deepEqual(await ledger(db), ['second 1'])
  })

  for (const [what, body] of [
    ['a BEGIN without COMMIT', 'BEGIN;\nCREATE TABLE inside_t (id int);\n'],
    ['a COMMIT AND CHAIN as its last end', 'BEGIN;\nCREATE TABLE inside_t (id int);\nCOMMIT AND CHAIN;\n'],
    ['a START TRANSACTION after a COMMIT', 'BEGIN;\nCOMMIT;\nSTART TRANSACTION;\nCREATE TABLE inside_t (id int);\n'],
  ] as const) {
    it(`refuses ${what} before running anything`, async () => {
      const db = await postgres.create()
      const result = await migrateSkills(skills(`${NO_TRANSACTION}CREATE TABLE before_t (id int);\n${body}`), {
        database: db.database,
        codegen: false,
      })
      const [first, second] = result.skills
      assert.match(String(first?.error?.message), /opens a transaction that the file does not end: end it with COMMIT/)
      assert.equal(second?.error, undefined)
      assert.ok(!(await db.tables()).includes('before_t'))
      assert.ok(!(await db.tables()).includes('inside_t'))
      assert.deepEqual(await ledger(db), ['second 1'])
    })
  }

  it('applies a file that ends its own transactions (COMMIT, ROLLBACK, AND NO CHAIN)', async () => {
    const db = await postgres.create()
    const result = await migrateSkills(
      skills(
        `${NO_TRANSACTION}BEGIN;\nCREATE TABLE kept_t (id int);\nCOMMIT AND NO CHAIN;\nBEGIN;\nCREATE TABLE undone_t (id int);\nROLLBACK;\nCREATE INDEX CONCURRENTLY kept_i ON kept_t (id);\n`,
      ),
      { database: db.database, codegen: false },
    )
    assert.equal(result.error, undefined, String(result.error))
    assert.ok((await db.tables()).includes('kept_t'))
    assert.ok(!(await db.tables()).includes('undone_t'))
    assert.deepEqual(await ledger(db), ['first 1', 'second 1'])
  })
})

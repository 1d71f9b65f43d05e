/**
 * `--schema` names PostgreSQL would not keep as given: one starting with `pg_` (reserved: CREATE
 * SCHEMA refuses it, which surfaced as an "unexpected error", and read-only commands said the
 * database did not exist), and one longer than 63 bytes (PostgreSQL cuts it there silently, so two
 * long names meant one schema). Each is refused in one line by every command, before anything is
 * created; a name of exactly 63 bytes is used as it is.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { postgres } from '../helpers/engines.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

function skills(): string {
  const root = tempDir()
  skillFolder(root, 'notes', { '001_init.sql': 'CREATE TABLE notes (id int PRIMARY KEY);' })
  return root
}

const LONG = 'щ'.repeat(32) // 32 characters, 64 bytes

describe('--schema names on PostgreSQL', () => {
  for (const [what, schema, reason] of [
    ['a name starting with pg_', 'pg_notes', /names starting with "pg_" are reserved for the system/],
    ['a name longer than 63 bytes', LONG, /use 1 to 63 bytes/],
  ] as const) {
    it(`refuses ${what} in one line, for every command, creating nothing`, async () => {
      const db = await postgres.create()
      const root = skills()
      for (const command of [['run'], ['run', '--dry-run'], ['status'], ['history'], ['verify'], ['drift']]) {
        const result = await glorious([
          'migrate',
          ...command,
          '--skills',
          root,
          '--url',
          db.database,
          '--schema',
          schema,
        ])
        // 1, or 2 where the command treats an invalid option as a usage error (run --dry-run)
        assert.ok(result.code === 1 || result.code === 2, `${command.join(' ')}: ${result.code} ${result.stderr}`)
        const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'))
        assert.equal(errors.length, 1, result.stderr)
        assert.match(errors[0]!, /^error: schema ".*" is not a valid PostgreSQL schema name: /)
        assert.match(errors[0]!, reason)
      }
      assert.deepEqual(
        await db.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pg\\_notes%' OR nspname LIKE 'щ%'"),
        [],
      )
      assert.deepEqual(await db.tables(), [])
    })
  }

  it('uses a name of exactly 63 bytes as it is', async () => {
    const db = await postgres.create()
    const schema = `${'щ'.repeat(31)}x` // 63 bytes
    const result = await glorious([
      'migrate',
      'run',
      '--no-codegen',
      '--skills',
      skills(),
      '--url',
      db.database,
      '--schema',
      schema,
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(
      await db.query(
        "SELECT schemaname, tablename FROM pg_tables WHERE tablename IN ('notes', '_migrations') ORDER BY 2",
      ),
      [
        { schemaname: schema, tablename: '_migrations' },
        { schemaname: schema, tablename: 'notes' },
      ],
    )
  })
})

describe('a --schema that does not exist yet', () => {
  it('is named by the read-only commands, which create nothing', async () => {
    const db = await postgres.create()
    const root = skills()
    for (const command of ['status', 'history']) {
      const result = await glorious(['migrate', command, '--skills', root, '--url', db.database, '--schema', 'later'])
      assert.equal(result.code, 1, result.stderr)
      assert.match(
        result.stderr,
        /^error: database \S+ has no schema "later", or does not exist: nothing has been migrated there yet: check --url and --schema/,
      )
    }
    assert.deepEqual(await db.query("SELECT nspname FROM pg_namespace WHERE nspname = 'later'"), [])
  })
})

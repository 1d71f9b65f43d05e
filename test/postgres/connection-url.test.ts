/**
 * PostgreSQL URLs as users write them, through the CLI against the real server: a password with
 * an unencoded `@` (which pg reads as part of the password), one with an unencoded `/`, `#` or `?`
 * (no URL pg can read), a host-less socket-style URL (`postgres://user@/db?host=…`), a database
 * name with a percent-escape, and SSL asked of a server without it. No part of a password ever
 * shows, every failure is one clear line, and the database created is the one pg connects to.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { glorious } from '../helpers/cli.js'
import { POSTGRES_ADMIN_URL } from '../helpers/engines.js'
import { adminQuery } from '../helpers/pg-server.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

const admin = new URL(POSTGRES_ADMIN_URL)
const USER = decodeURIComponent(admin.username || 'postgres')
const HOST = admin.host // host:port, as written
const SECRET_TAIL = 'Zq7wallaby'

const created: string[] = []
after(async () => {
  for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`)
})

/** A database name nobody has made yet; dropped when the file ends. */
function newDatabaseName(suffix = ''): string {
  const name = `glorious_url_${randomBytes(5).toString('hex')}${suffix}`
  created.push(name)
  return name
}

function skills(): string {
  const root = tempDir()
  skillFolder(root, 'notes', { '001_init.sql': 'CREATE TABLE notes (id int PRIMARY KEY);' })
  return root
}

async function databases(like: string): Promise<string[]> {
  const rows = await adminQuery<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [like])
  return rows.map((row) => row.datname).sort()
}

describe('PostgreSQL URLs', () => {
  it('hides a password with an unencoded "@" whole, in text, JSON and --verbose output', async () => {
    const root = skills()
    const url = `postgres://${USER}:sec@${SECRET_TAIL}@${HOST}/${newDatabaseName()}`
    for (const args of [
      ['run', '--json', '--no-codegen'],
      ['run', '--verbose', '--no-codegen'],
      ['status', '--json'],
      ['history', '--json'],
      ['history'],
    ]) {
      const result = await glorious(['migrate', ...args, '--skills', root, '--url', url])
      const output = result.stdout + result.stderr
      assert.equal(result.code, 0, output)
      assert.ok(!output.includes(SECRET_TAIL), `${args.join(' ')} shows part of the password:\n${output}`)
    }
    const status = await glorious(['migrate', 'status', '--json', '--skills', root, '--url', url])
    assert.equal(JSON.parse(status.stdout).database, url.replace(`sec@${SECRET_TAIL}`, '***'))
  })

  for (const character of ['/', '#', '?']) {
    it(`refuses a password with an unencoded "${character}" in one clear line, hiding it`, async () => {
      const root = skills()
      const name = newDatabaseName()
      const url = `postgres://${USER}:sec${character}${SECRET_TAIL}@${HOST}/${name}`
      for (const args of [['run', '--json'], ['run', '--verbose'], ['status', '--json'], ['history']]) {
        const result = await glorious(['migrate', ...args, '--skills', root, '--url', url])
        const output = result.stdout + result.stderr
        assert.equal(result.code, 1, output)
        assert.ok(!output.includes(SECRET_TAIL), `${args.join(' ')} shows part of the password:\n${output}`)
        assert.match(
          result.stderr,
          /^error: database postgres:\/\/[^ ]*:\*\*\*@[^ ]* is not a valid URL: percent-encode/m,
        )
        assert.doesNotMatch(result.stderr, /unexpected error/)
        if (args.includes('--json')) assert.equal(JSON.parse(result.stdout).error.code, 'database')
      }
      assert.deepEqual(await databases(name), [])
    })
  }

  it('creates and migrates a database named by a host-less URL (postgres://user@/db?host=…), and drift replays it', async () => {
    const root = skills()
    const name = newDatabaseName()
    const url = `postgres://${USER}@/${name}?host=${admin.hostname}&port=${admin.port || '5432'}`
    const run = await glorious(['migrate', 'run', '--no-codegen', '--skills', root, '--url', url])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /applied +notes +001_init\.sql/)
    assert.deepEqual(await databases(name), [name])
    const scratchBefore = await databases('glorious\\_drift\\_%')
    const drift = await glorious(['migrate', 'drift', '--skills', root, '--url', url])
    assert.equal(drift.code, 0, drift.stderr)
    assert.match(drift.stdout, /No drift/)
    assert.deepEqual(await databases('glorious\\_drift\\_%'), scratchBefore)
  })

  it('creates the database pg connects to when its name has a percent-escape pg keeps (%2F)', async () => {
    const root = skills()
    const base = newDatabaseName()
    const kept = `${base}%2Fx` // pg reads the path with decodeURI: %2F stays as it is
    created.push(kept, `${base}/x`)
    const run = await glorious([
      'migrate',
      'run',
      '--no-codegen',
      '--skills',
      root,
      '--url',
      `postgres://${USER}@${HOST}/${kept}`,
    ])
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(await databases(`${base}%`), [kept])
  })

  it('says that the server does not accept SSL when the URL asks for it, in one line', async () => {
    const ssl = (await adminQuery<{ ssl: string }>('SHOW ssl'))[0]?.ssl
    const root = skills()
    const url = `postgres://${USER}:sec${SECRET_TAIL}@${HOST}/${newDatabaseName()}?ssl=true`
    const result = await glorious(['migrate', 'status', '--json', '--skills', root, '--url', url])
    assert.ok(!(result.stdout + result.stderr).includes(SECRET_TAIL))
    if (ssl === 'on') {
      // A server with SSL accepts it: the database simply does not exist yet.
      assert.match(result.stderr, /does not exist/)
    } else {
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr,
        `error: database ${url.replace(`sec${SECRET_TAIL}`, '***')} does not accept SSL connections, and the URL asks for SSL (sslmode, ssl): enable SSL on the server, or connect without it (sslmode=disable)\n`,
      )
      assert.equal(JSON.parse(result.stdout).error.code, 'database')
    }
  })
})

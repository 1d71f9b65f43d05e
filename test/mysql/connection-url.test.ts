/**
 * The MySQL/MariaDB URL as a careless or hostile user writes it: a password with `@`, `/`, `#`,
 * `?` or `%` not percent-encoded never appears in any output, error or `--json`, and the error
 * says in one line how to write it; parameters that mysql2 would take from the URL over the
 * toolkit's own settings (`rowsAsArray`, `multipleStatements`, `timezone`), or ignore with a
 * warning (`sslmode=require`, connecting in clear), are refused by name; a TLS or socket
 * problem is one line naming the URL, not an "unexpected error". A password that needs
 * encoding, encoded, logs in.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createMigrator } from '../../lib/index.js'
import { glorious } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/mysql-server.js'
import { SERVER, connect } from '../reliability/mysql-scratch.js'
import { migrationsDir, tempDir, writeTree } from '../helpers/temp.js'

const HOST = `${SERVER.host}:${SERVER.port}`

function skillsFolder(): string {
  const root = tempDir()
  writeTree(root, {
    's/skill.json': '{"name": "s"}',
    's/migrations/001_t.sql': 'CREATE TABLE t (id INT PRIMARY KEY);',
  })
  return root
}

/** Runs `run`, `run --json` and `status --json` with the URL; each output in full. */
async function outputs(url: string, skills: string): Promise<{ code: number; text: string; lines: string[] }[]> {
  const results = []
  for (const args of [['run'], ['run', '--json'], ['status', '--json']]) {
    const result = await glorious(['migrate', ...args, '--skills', skills, '--url', url, '--lock-timeout', '2000'], {
      env: { GLORIOUS_HOME: tempDir() },
    })
    const text = result.stdout + result.stderr
    results.push({ code: result.code, text, lines: result.stderr.split('\n').filter((line) => line !== '') })
  }
  return results
}

describe('a password that is not percent-encoded never shows', () => {
  for (const [password, expected] of [
    ['hunter@2xyz', /refused the login|cannot be connected to/],
    ['hunter/2xyz', /is not a valid URL: .*percent-encode/],
    ['12#hunter', /has a "#".*percent-encode/],
    ['hunter?2xyz', /is not a valid URL|refused the login|cannot be connected to/],
    ['100%hunt', /malformed percent escape in its password/],
    // These parse: host nobody_here, port 12, and the rest of the password as a path or a query.
    ['12/hunter', /has an "@" after its host.*percent-encode/],
    ['12?hunter', /has an "@" after its host.*percent-encode/],
  ] as const) {
    it(`password ${JSON.stringify(password)}`, async () => {
      const db = await freshDatabase('url-secret')
      const url = `mysql://nobody_here:${password}@${HOST}/${db.name}`
      for (const { code, text, lines } of await outputs(url, skillsFolder())) {
        assert.equal(code, 1, text)
        assert.ok(!text.includes(password), text)
        // Neither part of it, on either side of the character that cut the URL short.
        for (const part of password.split(/[@/#?%]/))
          if (part.length >= 3) assert.ok(!text.includes(part), `${part}: ${text}`)
        assert.match(text, expected)
        assert.doesNotMatch(text, /unexpected error/)
        if (!text.trimStart().startsWith('{')) assert.equal(lines.filter((line) => line.startsWith('error:')).length, 1)
      }
    })
  }
})

describe('URL parameters', () => {
  for (const parameter of [
    'rowsAsArray=true',
    'multipleStatements=true',
    'timezone=%2B05:00',
    'sslmode=require',
    'password=other',
  ]) {
    it(`?${parameter} is refused by name, and nothing is created`, async () => {
      const db = await freshDatabase('url-param')
      await db.drop()
      const [run, json] = await outputs(`mysql://root@${HOST}/${db.name}?${parameter}`, skillsFolder())
      const name = parameter.split('=')[0] as string
      assert.equal(run?.code, 1)
      assert.match(
        run?.text ?? '',
        new RegExp(`error: .*has the parameter "${name}", which glorious-migrate does not pass on`),
      )
      assert.doesNotMatch(run?.text ?? '', /Ignoring invalid configuration option|stayed locked/)
      assert.match(json?.text ?? '', new RegExp(`"message": ".*has the parameter \\\\"${name}\\\\"`))
      const admin = await connect()
      try {
        const [rows] = await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
          db.name,
        ])
        assert.deepEqual(rows, [])
      } finally {
        await admin.end()
      }
    })
  }

  it('TLS the server does not offer, a socket that is not there, an unknown ssl profile: one clear line each', async () => {
    const db = await freshDatabase('url-tls')
    for (const [parameter, reason] of [
      ['ssl=true', /Server does not support secure connection/],
      ['ssl=%7B%22rejectUnauthorized%22%3Afalse%7D', /Server does not support secure connection/],
      ['socketPath=%2Fnonexistent%2Fmysqld.sock', /ENOENT/],
      ['ssl=Bogus', /Unknown SSL profile/],
      ['connectTimeout=soon', /not a whole number/],
    ] as const) {
      const [run] = await outputs(`mysql://root:topsecret@${HOST}/${db.name}?${parameter}`, skillsFolder())
      assert.equal(run?.code, 1, parameter)
      assert.match(run?.text ?? '', reason, parameter)
      assert.match(run?.text ?? '', /^error: database mysql:\/\/root:\*\*\*@/m, parameter)
      assert.doesNotMatch(run?.text ?? '', /unexpected error|topsecret/, parameter)
    }
  })
})

describe('a password that needs encoding, encoded, logs in', () => {
  const user = `glorious_pw_${process.pid}`
  const password = 'p@ss/w#rd?:%'
  after(async () => {
    const admin = await connect()
    try {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`)
    } finally {
      await admin.end()
    }
  })
  it('through the library and the CLI, with ?connectTimeout', async () => {
    const db = await freshDatabase('url-login')
    const admin = await connect()
    try {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [password])
      await admin.query(`GRANT ALL ON \`${db.name}\`.* TO '${user}'@'%'`)
    } finally {
      await admin.end()
    }
    const url = `mariadb://${user}:${encodeURIComponent(password)}@${HOST}/${db.name}?connectTimeout=5000`
    const dir = migrationsDir(tempDir(), { '001_t.sql': 'CREATE TABLE t (id INT PRIMARY KEY);' })
    const result = await createMigrator({
      database: url,
      skill: 'lib',
      migrationsDir: dir,
      codegen: false,
    }).migrateToLatest()
    assert.equal(result.error, undefined, String(result.error))
    const status = await glorious(['migrate', 'status', '--json', '--skills', skillsFolder(), '--url', url], {
      env: { GLORIOUS_HOME: tempDir() },
    })
    assert.equal(status.code, 0, status.stderr)
    assert.ok(!(status.stdout + status.stderr).includes(encodeURIComponent(password)))
    assert.match(status.stdout, new RegExp(`"database": "mariadb://${user}:\\*\\*\\*@`))
    assert.deepEqual(await db.query('SELECT skill_name, version FROM _migrations'), [{ skill_name: 'lib', version: 1 }])
  })
})

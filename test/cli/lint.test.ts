/**
 * `glorious migrate lint` and the lint part of `verify`, as real child processes: one line per
 * finding (`file:line: rule-id: message — hint`), a summary, `--json`, exit codes (0 with
 * warnings, 1 with --strict and findings, 2 for usage errors), and the message without the
 * optional PostgreSQL parser.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { GLORIOUS, glorious } from '../helpers/cli.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

const HIDE_HOOK = fileURLToPath(new URL('../../../test/helpers/hide-module-hook.mjs', import.meta.url))
const LOG_HOOK = fileURLToPath(new URL('../../../test/helpers/module-log-hook.mjs', import.meta.url))

function workspace(): { root: string; home: string; env: Record<string, string> } {
  const root = tempDir('glorious-lint-cli-')
  const home = join(root, 'home')
  skillFolder(root, 'notes', {
    '001_init.sql': 'CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT);',
    '002_risky.sql':
      '-- glorious:allow sqlite-create-without-if-not-exists\nCREATE TABLE tags (id INTEGER PRIMARY KEY, meta JSON);\n\nDROP TABLE notes;',
  })
  return { root, home, env: { GLORIOUS_HOME: home } }
}

describe('glorious migrate lint', () => {
  test('one line per finding, a summary, exit 0 with warnings; --strict exits 1', async () => {
    const { root, env } = workspace()
    const result = await glorious(['migrate', 'lint', '--skills', root], { env, cwd: root })
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.trimEnd().split('\n')
    assert.deepEqual(
      lines.slice(0, 2).map((l) => l.split(': ').slice(0, 2).join(': ')),
      [
        'notes/src/notes/migrations/002_risky.sql:2: sqlite-affinity-changes-values',
        'notes/src/notes/migrations/002_risky.sql:4: sqlite-drop-table',
      ],
    )
    assert.match(
      lines[1]!,
      /^notes\/src\/notes\/migrations\/002_risky\.sql:4: sqlite-drop-table: drops table "notes" and all its rows — make sure nothing reads it/,
    )
    assert.equal(
      lines[2],
      '2 warnings in 2 migrations of 1 skill (sqlite): sqlite-affinity-changes-values 1, sqlite-drop-table 1',
    )
    assert.match(result.stderr, /warning: rule sqlite-rename-used-elsewhere skipped: needs the database/)
    const strict = await glorious(['migrate', 'lint', '--skills', root, '--strict'], { env, cwd: root })
    assert.equal(strict.code, 1)
    assert.match(strict.stdout, /2 errors in 2 migrations of 1 skill/)
  })

  test('--json: findings, counts and meta (rules run and skipped)', async () => {
    const { root, env } = workspace()
    const result = await glorious(['migrate', 'lint', 'notes', '--skills', root, '--json'], { env, cwd: root })
    assert.equal(result.code, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.ok, true)
    assert.equal(document.migrations, 2)
    assert.deepEqual(document.counts, { 'sqlite-affinity-changes-values': 1, 'sqlite-drop-table': 1 })
    assert.deepEqual(Object.keys(document.findings[0]).sort(), [
      'column',
      'file',
      'filename',
      'hint',
      'line',
      'message',
      'ruleId',
      'severity',
      'skill',
      'statementIndex',
    ])
    assert.deepEqual(
      [document.findings[1].ruleId, document.findings[1].line, document.findings[1].statementIndex],
      ['sqlite-drop-table', 4, 2],
    )
    assert.equal(document.meta.engine, 'sqlite')
    assert.deepEqual(
      document.meta.skippedRules.map((rule: { id: string }) => rule.id),
      ['sqlite-rename-used-elsewhere'],
    )
    assert.ok(document.meta.rules.includes('sqlite-drop-table'))
    assert.equal(document.error, null)
  })

  test('usage errors exit 2: an unknown engine, an engine that contradicts the database', async () => {
    const { root, env } = workspace()
    const engine = await glorious(['migrate', 'lint', '--skills', root, '--engine', 'oracle'], { env, cwd: root })
    assert.equal(engine.code, 2)
    assert.match(engine.stderr, /--engine must be sqlite or postgres or mysql, got "oracle"/)
    const contradiction = await glorious(
      ['migrate', 'lint', '--skills', root, '--engine', 'sqlite', '--url', 'postgres://127.0.0.1:1/none'],
      { env, cwd: root },
    )
    assert.equal(contradiction.code, 2, contradiction.stderr)
    assert.match(
      contradiction.stderr,
      /--engine sqlite contradicts the database postgres:\/\/127\.0\.0\.1:1\/none \(postgres\)/,
    )
  })

  test('--engine postgres lints with PostgreSQL rules; without libpg-query it says what to install', async () => {
    const root = tempDir('glorious-lint-cli-')
    skillFolder(root, 'app', { '001_index.sql': 'CREATE INDEX users_by_email ON users (email);' })
    const env = { GLORIOUS_HOME: join(root, 'home') }
    const result = await glorious(['migrate', 'lint', '--skills', root, '--engine', 'postgres'], { env, cwd: root })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /001_index\.sql:1: pg-index-without-concurrently: /)
    const hidden = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', HIDE_HOOK, GLORIOUS, 'migrate', 'lint', '--skills', root, '--engine', 'postgres'],
        { cwd: root, env: { ...process.env, ...env, GLORIOUS_TEST_HIDE_MODULES: 'libpg-query' }, encoding: 'utf8' },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      )
    })
    assert.equal(hidden.code, 1)
    assert.match(hidden.stderr, /^error: install libpg-query to lint PostgreSQL migrations/)
  })

  test('SQLite lint and verify never load the PostgreSQL parser; PostgreSQL lint does', async () => {
    const { root, env } = workspace()
    const loaded = async (args: readonly string[], name: string): Promise<string> => {
      const log = join(root, `modules-${name}.log`)
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', LOG_HOOK, GLORIOUS, 'migrate', ...args, '--skills', root],
          { cwd: root, env: { ...process.env, ...env, GLORIOUS_TEST_MODULE_LOG: log } },
          (error) => (error ? reject(error) : resolve()),
        ),
      )
      return readFileSync(log, 'utf8')
    }
    assert.doesNotMatch(await loaded(['lint'], 'lint'), /libpg-query/)
    assert.doesNotMatch(await loaded(['verify'], 'verify'), /libpg-query/)
    assert.match(await loaded(['lint', '--engine', 'postgres'], 'pg'), /libpg-query/)
  })
})

describe('verify lints the pending files', () => {
  test('findings are warnings (exit 0); --strict fails on them; --json lists them', async () => {
    const { root, env } = workspace()
    const result = await glorious(['migrate', 'verify', '--skills', root], { env, cwd: root })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /002_risky\.sql:4: sqlite-drop-table: /)
    assert.match(result.stdout, /✓ 2 migrations in 1 skill: no problems \(lint: 2 warnings\)/)
    const strict = await glorious(['migrate', 'verify', '--skills', root, '--strict'], { env, cwd: root })
    assert.equal(strict.code, 1)
    assert.match(strict.stdout, /2 lint errors in 2 migrations of 1 skill/)
    const json = JSON.parse(
      (await glorious(['migrate', 'verify', '--skills', root, '--json'], { env, cwd: root })).stdout,
    )
    assert.equal(json.ok, true)
    assert.deepEqual(
      json.findings.map((f: { ruleId: string }) => f.ruleId),
      ['sqlite-affinity-changes-values', 'sqlite-drop-table'],
    )
    assert.equal(json.lint.engine, 'sqlite')
  })

  test('applied files are not linted again (their risks are history)', async () => {
    const { root, env } = workspace()
    const db = join(root, 'agent.db')
    assert.equal(
      (await glorious(['migrate', 'run', '--skills', root, '--db', db, '--no-codegen'], { env, cwd: root })).code,
      0,
    )
    const result = await glorious(['migrate', 'verify', '--skills', root, '--db', db, '--strict'], { env, cwd: root })
    assert.equal(result.code, 0, result.stdout)
    assert.match(result.stdout, /no problems$/m)
  })
})

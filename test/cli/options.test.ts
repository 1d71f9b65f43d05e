/**
 * Invalid option values are usage errors: exit 2, one line naming the flag as the user typed it,
 * and nothing done. Every numeric and enum flag, and single-valued flags given twice or empty.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

/** [arguments after `glorious migrate`, the start of the message (flag as typed)]. */
const CASES: readonly (readonly [readonly string[], string])[] = [
  [['run', '--lock-timeout', '-1'], '--lock-timeout must be a whole number of milliseconds ≥ 0'],
  [
    ['run', '--lock-timeout', 'soon'],
    '--lock-timeout must be a whole number of milliseconds ≥ 0 and ≤ 2147483647, got "soon"',
  ],
  [['status', '--lock-timeout', '1.5'], '--lock-timeout must be a whole number'],
  [['status', '--lock-timeout', '9999999999'], '--lock-timeout must be a whole number'],
  [
    ['status', '--lockTimeout=-5'],
    '--lockTimeout must be a whole number of milliseconds ≥ 0 and ≤ 2147483647, got "-5"',
  ],
  [
    ['run', '--lock-timeout'],
    '--lock-timeout must be a whole number of milliseconds ≥ 0 and ≤ 2147483647, got no value',
  ],
  [['run', '--max-file-size', '0'], '--max-file-size must be a whole number of bytes ≥ 1, got "0"'],
  [['verify', '--max-file-size', '16M'], '--max-file-size must be a whole number of bytes ≥ 1, got "16M"'],
  [['history', '--limit', 'ten'], '--limit must be a whole number ≥ 1, got "ten"'],
  [['history', '--limit', '0'], '--limit must be a whole number ≥ 1, got "0"'],
  [['history', '--limit', '2', '--limit', '3'], '--limit was given 2 times: give it once'],
  [['run', 'notes', '--to', 'abc'], '--to must be a whole number ≥ 1, got "abc"'],
  [['run', 'notes', '--to', '0'], '--to must be a whole number ≥ 1, got "0"'],
  [['rollback', 'notes', '--to', '-1', '--yes'], '--to must be a whole number ≥ 0, got "-1"'],
  [['rollback', 'notes', '--steps', '0', '--yes'], '--steps must be a whole number ≥ 1, got "0"'],
  [['rollback', 'notes', '--steps', 'all', '--yes'], '--steps must be a whole number ≥ 1, got "all"'],
  [['run', '--journal-mode', 'WAL'], '--journal-mode must be wal or delete, got "WAL"'],
  [['codegen', '--booleans', 'yes'], '--booleans must be number or boolean, got "yes"'],
  [['codegen', '--json-columns', 'object'], '--json-columns must be string or json, got "object"'],
  [['status', '--db'], '--db needs a value'],
  [['status', '--db', 'a.db', '--db', 'b.db'], '--db was given 2 times: give it once'],
  [['status', '--agent', ''], '--agent needs a value'],
  [['run', '--skills'], '--skills needs a value'],
  [['run', '--load-extension', ''], '--load-extension needs a value'],
  [['codegen', '--all', '--out'], '--out needs a value'],
  [['run', 'notes', '--dir'], '--dir needs a value'],
  // Switches: yargs reads any value but true/false as false (--dry-run=yes ran the migrations).
  [['run', '--dry-run=yes'], '--dry-run is a switch and takes no value, got "yes": give --dry-run alone'],
  [['run', '--dryRun=1'], '--dryRun is a switch and takes no value, got "1"'],
  [['run', '--strict=on'], '--strict is a switch and takes no value, got "on"'],
  [['codegen', '--check=1'], '--check is a switch and takes no value, got "1"'],
  [['rollback', 'notes', '--yes=y'], '--yes is a switch and takes no value, got "y"'],
  [['status', '--allow-missing=TRUE'], '--allow-missing is a switch and takes no value, got "TRUE"'],
]

describe('invalid option values', () => {
  it('are usage errors: exit 2, one line naming the flag as typed, nothing done', async () => {
    const root = tempDir()
    skillFolder(join(root, 'skills'), 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    const home = join(root, 'home')
    for (const [args, message] of CASES) {
      const label = args.join(' ')
      const result = await glorious(['migrate', ...args], { env: { GLORIOUS_HOME: home }, cwd: root })
      assert.equal(result.code, 2, `${label}: ${result.stdout}${result.stderr}`)
      assert.equal(result.stdout, '', label)
      const lines = result.stderr.trim().split('\n')
      assert.equal(lines.length, 1, `${label}: ${result.stderr}`)
      assert.ok(
        (lines[0] as string).startsWith(`error: ${message}`),
        `${label}: expected "error: ${message}…", got ${lines[0]}`,
      )
      assert.equal(existsSync(home), false, `${label}: nothing was done`)
    }
  })

  it('valid values pass', async () => {
    const root = tempDir()
    skillFolder(join(root, 'skills'), 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    const db = join(root, 'agent.db')
    const run = await glorious(
      [
        'migrate',
        'run',
        'notes',
        '--to',
        '1',
        '--lock-timeout',
        '0',
        '--max-file-size',
        '1024',
        '--journal-mode',
        'delete',
        '--db',
        db,
      ],
      { cwd: root },
    )
    assert.equal(run.code, 0, run.stderr)
    const history = await glorious(['migrate', 'history', '--limit=1', '--lockTimeout', '5', '--db', db], { cwd: root })
    assert.equal(history.code, 0, history.stderr)
  })
})

describe('switches given true or false', () => {
  it('--dry-run=true is a dry run, --dry-run=false a run', async () => {
    const root = tempDir()
    skillFolder(join(root, 'skills'), 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    const db = join(root, 'agent.db')
    const dry = await glorious(['migrate', 'run', '--dry-run=true', '--db', db], { cwd: root })
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /Dry run: 1 migration would be applied/)
    assert.equal(existsSync(db), false)
    const run = await glorious(['migrate', 'run', '--dry-run=false', '--db', db], { cwd: root })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /Applied 1 migration/)
  })
})

describe('paths and names from the environment', () => {
  /** Every file under `dir`, relative, sorted. */
  function files(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
  }

  it('"~/…" is the home folder and an empty variable is no variable: nothing is made in the working folder', async () => {
    const root = tempDir()
    const work = join(root, 'work')
    const user = join(root, 'user')
    mkdirSync(user)
    skillFolder(join(work, 'skills'), 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    const before = files(work)
    const run = (env: Record<string, string>, ...args: string[]) =>
      glorious(['migrate', ...args], { cwd: work, env: { HOME: user, ...env } })

    const tilde = await run({ GLORIOUS_HOME: '~/agents-home' }, 'run')
    assert.equal(tilde.code, 0, tilde.stderr)
    assert.ok(existsSync(join(user, 'agents-home', 'agents', 'default', 'agent.db')))

    const empty = await run({ GLORIOUS_HOME: '', GLORIOUS_AGENT: '' }, 'run')
    assert.equal(empty.code, 0, empty.stderr)
    assert.ok(existsSync(join(user, '.glorious', 'agents', 'default', 'agent.db')))

    const db = await run({ GLORIOUS_DB: '~/agent.db' }, 'run')
    assert.equal(db.code, 0, db.stderr)
    assert.ok(existsSync(join(user, 'agent.db')))
    const flag = await run({}, 'status', '--db=~/agent.db')
    assert.equal(flag.code, 0, flag.stderr)

    // No folder named "~", no agents/ or cache/ beside the skills: the working folder is as it was
    // (but for the skill's types).
    assert.deepEqual(
      files(work).filter((file) => !file.endsWith('db-types.ts')),
      before,
    )
  })
})

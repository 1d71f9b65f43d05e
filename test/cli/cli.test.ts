import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { glorious, gloriousInTerminal } from '../helpers/cli.js'
import { fullDump, rows } from '../helpers/sqlite.js'
import { skillFolder, tempDir, writeTree } from '../helpers/temp.js'

/** A skills folder with two skills and a database path beside it. */
function workspace() {
  const root = tempDir()
  const skills = join(root, 'skills')
  skillFolder(skills, 'notes', {
    '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);',
    '002_seed.sql': "INSERT INTO notes (body) VALUES ('a;b');\nINSERT INTO notes (body) VALUES ('c');",
  })
  skillFolder(skills, 'tasks', { '001_init.sql': 'CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT);' })
  const db = join(root, 'agent.db')
  const run = (...args: string[]) => glorious([...args, '--skills', skills, '--db', db])
  return { root, skills, db, run, migrations: (skill: string) => join(skills, skill, 'src', skill, 'migrations') }
}

const ANSI = /\u001b\[/

describe('glorious migrate run', () => {
  it('applies every discovered skill with a line per migration and a summary; a second run does nothing', async () => {
    const { db, run } = workspace()
    const first = await run('migrate', 'run')
    assert.equal(first.code, 0, first.stderr)
    assert.equal(first.stderr, '')
    const lines = first.stdout.trim().split('\n')
    assert.match(lines[0] ?? '', /^applied {2}notes {2}001_init.sql +1 statement, (<1|\d+) ms$/)
    assert.match(lines[1] ?? '', /^applied {2}notes {2}002_seed.sql +2 statements, /)
    assert.match(lines[2] ?? '', /^applied {2}tasks {2}001_init.sql +1 statement, /)
    assert.match(lines[3] ?? '', /^types {4}notes {2}.*notes\/db-types.ts +written$/)
    assert.match(
      lines[5] ?? '',
      new RegExp(`^Applied 3 migrations in [\\d.<]+ m?s \\(${db.replaceAll('/', '\\/')}\\)$`),
    )
    assert.doesNotMatch(first.stdout, ANSI)
    const second = await run('migrate', 'run')
    assert.equal(second.code, 0)
    assert.equal(second.stdout, `Nothing to migrate: 2 skills up to date (${db})\n`)
    assert.deepEqual(rows(db, 'SELECT skill_name, version FROM _migrations ORDER BY 1, 2').length, 3)
  })

  it('runs one skill by name, or by folder with --dir, up to --to', async () => {
    const { db, run, migrations } = workspace()
    const one = await run('migrate', 'run', 'notes', '--to', '1')
    assert.equal(one.code, 0, one.stderr)
    assert.deepEqual(rows(db, 'SELECT skill_name, version FROM _migrations'), [{ skill_name: 'notes', version: 1 }])
    const dir = await glorious(['migrate', 'run', 'other', '--dir', migrations('tasks'), '--db', db])
    assert.equal(dir.code, 0, dir.stderr)
    assert.deepEqual(rows(db, "SELECT version FROM _migrations WHERE skill_name = 'other'"), [{ version: 1 }])
    const noName = await glorious(['migrate', 'run', '--dir', migrations('tasks'), '--db', db])
    assert.equal(noName.code, 2)
    assert.equal(
      noName.stderr,
      'error: --dir needs the skill name too: glorious migrate <command> <skill> --dir <folder>\n',
    )
  })

  it('--dry-run prints the plan and changes nothing; --json gives one document', async () => {
    const { db, run } = workspace()
    const plan = await run('migrate', 'run', '--dry-run')
    assert.equal(plan.code, 0, plan.stderr)
    assert.match(
      plan.stdout,
      /^skill {2}migration {5}statements {2}transaction\nnotes {2}001_init.sql {11}1 {2}transaction\n/,
    )
    assert.match(plan.stdout, /Dry run: 3 migrations would be applied; nothing was changed/)
    assert.equal(existsSync(db), false, 'a dry run does not create the database')
    const json = await run('migrate', 'run', '--dry-run', '--json')
    const document = JSON.parse(json.stdout)
    assert.equal(document.dryRun, true)
    assert.equal(document.ok, true)
    assert.deepEqual(
      document.migrations.map((m: { skill: string; filename: string; statements: number; mode: string }) => [
        m.skill,
        m.filename,
        m.statements,
        m.mode,
      ]),
      [
        ['notes', '001_init.sql', 1, 'transaction'],
        ['notes', '002_seed.sql', 2, 'transaction'],
        ['tasks', '001_init.sql', 1, 'transaction'],
      ],
    )
  })

  it('--json prints exactly one document with a stable shape', async () => {
    const { db, run } = workspace()
    const result = await run('migrate', 'run', '--json')
    assert.equal(result.code, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.deepEqual(Object.keys(document), [
      'ok',
      'dryRun',
      'database',
      'applied',
      'skills',
      'types',
      'warnings',
      'problems',
      'error',
    ])
    assert.equal(document.database, db)
    assert.deepEqual(Object.keys(document.applied[0]), [
      'skill',
      'version',
      'filename',
      'statements',
      'durationMs',
      'mode',
    ])
    assert.deepEqual(document.skills[0], { skill: 'notes', applied: 2, failed: null, notExecuted: [], error: null })
    assert.equal(document.error, null)
  })

  it('reports a failing migration in one line, exit 1, and keeps nothing of it', async () => {
    const { db, run, migrations } = workspace()
    await run('migrate', 'run')
    const before = fullDump(db)
    writeFileSync(join(migrations('notes'), '003_bad.sql'), 'CREATE TABLE extra (a);\nINSERT INTO nope VALUES (1);')
    const result = await run('migrate', 'run')
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      'error: skill "notes": migration "003_bad.sql" failed at statement 2 (line 2): no such table: nope. Nothing of this migration was applied: fix the file and run again.\n',
    )
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace without --verbose')
    assert.equal(fullDump(db), before)
    const verbose = await run('migrate', 'run', '--verbose')
    assert.match(verbose.stderr, /MigrationFailedError[\s\S]*at /)
    const json = await run('migrate', 'run', '--json')
    assert.equal(json.code, 1)
    assert.equal(JSON.parse(json.stdout).error.code, 'migration-failed')
  })

  it('--strict refuses warnings (an empty migration) and changes nothing', async () => {
    const { db, run, migrations } = workspace()
    writeFileSync(join(migrations('tasks'), '002_empty.sql'), '-- nothing here yet\n')
    const strict = await run('migrate', 'run', '--strict')
    assert.equal(strict.code, 1)
    assert.match(strict.stderr, /error: --strict: skill "tasks": migration "002_empty.sql" has no SQL statements/)
    assert.equal(existsSync(db), false)
    const lenient = await run('migrate', 'run')
    assert.equal(lenient.code, 0)
    assert.match(lenient.stderr, /^warning: skill "tasks": migration "002_empty.sql" has no SQL statements/m)
  })
})

describe('error lines', () => {
  it('unknown skill, bad file name, checksum mismatch and missing file: one line each, exit 1', async () => {
    const { run, migrations } = workspace()
    const unknown = await run('migrate', 'run', 'nope')
    assert.equal(unknown.code, 1)
    assert.match(
      unknown.stderr,
      /^error: skill "nope" was not found in .*skills: check the name, pass --skills <folder>, or give its migrations folder with --dir\n$/,
    )

    writeFileSync(join(migrations('tasks'), 'add things.sql'), 'SELECT 1;')
    const badName = await run('migrate', 'run', 'tasks')
    assert.equal(badName.code, 1)
    assert.match(
      badName.stderr,
      /^error: skill "tasks": migration file name "add things.sql" is invalid \(the name must start with a version number\): rename it to \{version\}_\{description\}\.sql/,
    )
    rmSync(join(migrations('tasks'), 'add things.sql'))

    await run('migrate', 'run')
    writeFileSync(join(migrations('notes'), '001_init.sql'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY);')
    const mismatch = await run('migrate', 'run', 'notes')
    assert.equal(mismatch.code, 1)
    assert.match(
      mismatch.stderr,
      /^error: Migration checksum mismatch! Do not modify applied migrations\. Skill "notes", file "001_init.sql": recorded [0-9a-f]{64}, file now [0-9a-f]{64}\. Revert the file/,
    )
    assert.equal(mismatch.stderr.trim().split('\n').length, 1)

    rmSync(join(migrations('tasks'), '001_init.sql'))
    const missing = await run('migrate', 'run', 'tasks')
    assert.equal(missing.code, 1)
    assert.match(
      missing.stderr,
      /^error: skill "tasks": applied migration "001_init.sql" \(version 1\) is missing from .*--allow-missing/,
    )
  })

  it('a database locked by another process beyond --lock-timeout', async () => {
    const { db, run } = workspace()
    await run('migrate', 'run', 'notes', '--to', '1')
    const { spawn } = await import('node:child_process')
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D=require('better-sqlite3');const d=new D(${JSON.stringify(db)});d.exec('BEGIN IMMEDIATE');console.log('locked');setTimeout(()=>{},5000)`,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    await new Promise((resolve) => holder.stdout.once('data', resolve))
    const result = await run('migrate', 'run', '--lock-timeout', '300')
    holder.kill()
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /^error: database .*agent.db stayed locked by another process for 300 ms: wait for it to finish and run again, or raise the lock timeout/,
    )
  })

  it('an unwritable folder, a file that is not a database, a missing folder', async () => {
    const { root } = workspace()
    const locked = join(root, 'locked')
    writeTree(locked, { '.keep': '' })
    chmodSync(root, 0o755)
    chmodSync(locked, 0o555)
    const unwritable = await glorious(
      ['migrate', 'run', '--skills', join(root, 'skills'), '--db', join(locked, 'agent.db')],
      {
        asOtherUser: true,
      },
    )
    chmodSync(locked, 0o755)
    assert.equal(unwritable.code, 1)
    assert.equal(
      unwritable.stderr,
      `error: database ${join(locked, 'agent.db')} cannot be opened: check that its folder exists and is writable, and that the path is a file\n`,
    )
    assert.deepEqual(readdirSync(locked), ['.keep'])
    const text = join(root, 'notes.txt')
    writeFileSync(text, 'this is not a database, just some text that is long enough to have a header '.repeat(20))
    const notDb = await glorious(['migrate', 'run', '--skills', join(root, 'skills'), '--db', text])
    assert.equal(notDb.code, 1)
    assert.equal(
      notDb.stderr,
      `error: database ${text} is not a SQLite database: check the path (--db); nothing was changed\n`,
    )
    const missingFolder = await glorious(['migrate', 'status', '--db', join(root, 'no', 'such', 'agent.db')])
    assert.equal(missingFolder.code, 1)
    assert.match(missingFolder.stderr, /^error: database .*no\/such\/agent.db does not exist: /)
  })
})

describe('glorious migrate status / history', () => {
  it("status prints the guide's columns plus Pending and State, as plain text without a terminal", async () => {
    const { run, migrations } = workspace()
    await run('migrate', 'run', 'notes', '--to', '1')
    writeFileSync(join(migrations('tasks'), '002_more.sql'), 'SELECT 1;')
    const status = await run('migrate', 'status')
    assert.equal(status.code, 0, status.stderr)
    assert.equal(
      status.stdout,
      [
        'Skill  Version  Migrations  Pending  State',
        'notes  1        1           1        pending',
        'tasks  0        0           2        pending',
        '',
      ].join('\n'),
    )
    const json = JSON.parse((await run('migrate', 'status', '--json', '--skill', 'notes')).stdout)
    assert.deepEqual(json.skills, [
      { skill: 'notes', version: 1, migrations: 1, pending: 1, state: 'pending', drift: 'unchanged', problems: [] },
    ])
  })

  it('run on a terminal shows colours and, with many pending, a progress bar that it erases', async () => {
    const { skills, db, migrations } = workspace()
    for (let n = 3; n <= 25; n++) {
      writeFileSync(
        join(migrations('notes'), `${String(n).padStart(3, '0')}_step.sql`),
        `INSERT INTO notes (body) VALUES ('${n}');`,
      )
    }
    const result = await gloriousInTerminal(['migrate', 'run', '--skills', skills, '--db', db, '--no-codegen'])
    assert.equal(result.code, 0, result.stdout)
    assert.match(result.stdout, /\u001b\[32mapplied\u001b\[39m/, 'green "applied" on a terminal')
    assert.match(result.stdout, /\r\[#+\.*\] \d+\/26 /, 'a progress bar redrawn in place')
    assert.match(result.stdout, /Applied 26 migrations/)
  })

  it("status draws the guide's box table on a terminal, without colour under NO_COLOR", async () => {
    const { skills, db, run } = workspace()
    await run('migrate', 'run')
    const result = await gloriousInTerminal(['migrate', 'status', '--skills', skills, '--db', db], {
      env: { NO_COLOR: '1' },
    })
    const lines = result.stdout.replace(/\r/g, '').trim().split('\n')
    assert.deepEqual(lines, [
      '┏━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━┓',
      '┃ Skill ┃ Version ┃ Migrations ┃ Pending ┃ State ┃',
      '┡━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━┩',
      '│ notes │ 2       │ 2          │ 0       │ ok    │',
      '│ tasks │ 1       │ 1          │ 0       │ ok    │',
      '└───────┴─────────┴────────────┴─────────┴───────┘',
    ])
  })

  it('status, history and verify never create a database or folder; they say it is missing', async () => {
    const { root, skills } = workspace()
    const home = join(root, 'home')
    for (const command of ['status', 'history']) {
      const result = await glorious(['migrate', command, '--skills', skills], { env: { GLORIOUS_HOME: home } })
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr,
        `error: database ${join(home, 'agents', 'default', 'agent.db')} does not exist: nothing has been migrated there yet: check --db / --agent, or run "glorious migrate run" first\n`,
      )
    }
    const verify = await glorious(['migrate', 'verify', '--skills', skills], { env: { GLORIOUS_HOME: home } })
    assert.equal(verify.code, 0)
    assert.match(verify.stderr, /warning: database .* does not exist: only the files were checked/)
    assert.equal(existsSync(home), false)
  })

  it('history lists newest first with a short checksum; --skill, --limit and --json', async () => {
    const { run } = workspace()
    await run('migrate', 'run')
    const history = await run('migrate', 'history')
    const lines = history.stdout.trim().split('\n')
    assert.match(lines[0] ?? '', /^Applied at +Skill +Version +File +Checksum +Duration$/)
    assert.equal(lines.length, 4)
    assert.match(lines[1] ?? '', /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}tasks {2}\s+1 {2}001_init.sql {2}[0-9a-f]{12} /)
    const limited = await run('migrate', 'history', '--skill', 'notes', '--limit', '1', '--json')
    const document = JSON.parse(limited.stdout)
    assert.equal(document.migrations.length, 1)
    assert.deepEqual(Object.keys(document.migrations[0]), [
      'appliedAt',
      'skill',
      'version',
      'filename',
      'checksum',
      'durationMs',
      'status',
      'source',
      'progress',
    ])
    assert.equal(document.migrations[0].filename, '002_seed.sql')
    assert.equal(document.migrations[0].status, 'applied')
    assert.equal(document.migrations[0].source, 'run')
    assert.equal((await run('migrate', 'history', '--limit', '0')).code, 2)
  })
})

describe('glorious migrate rollback / verify / create / reload', () => {
  it("rollback removes ledger rows only, with the guide's warning; refuses without --yes and without a terminal", async () => {
    const { db, run } = workspace()
    await run('migrate', 'run')
    const before = fullDump(db)
    const refused = await run('migrate', 'rollback', 'notes', '--to', '0')
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /error: rollback needs confirmation and there is no terminal to ask: pass --yes/)
    assert.equal(fullDump(db), before)
    const done = await run('migrate', 'rollback', 'notes', '--steps', '1', '--yes')
    assert.equal(done.code, 0, done.stderr)
    assert.match(done.stderr, /warning: Rollback only removes migration records; it does NOT undo SQL changes/)
    assert.match(done.stdout, /Removed 1 ledger row of skill "notes": 002_seed.sql/)
    assert.deepEqual(rows(db, "SELECT version FROM _migrations WHERE skill_name = 'notes'"), [{ version: 1 }])
    assert.equal(rows(db, 'SELECT count(*) AS n FROM notes')[0]?.n, 2, 'data stays')
    const nothing = await run('migrate', 'rollback', 'tasks', '--to', '1', '--yes')
    assert.equal(nothing.stdout, 'Nothing to roll back for skill "tasks"\n')
    assert.equal((await run('migrate', 'rollback', 'notes', '--to', '0', '--steps', '1')).code, 2)
  })

  it('rollback asks on a terminal and does nothing unless told yes', async () => {
    const { skills, db, run } = workspace()
    await run('migrate', 'run')
    const no = await gloriousInTerminal(['migrate', 'rollback', 'tasks', '--to', '0', '--skills', skills, '--db', db], {
      input: 'n\n',
    })
    assert.match(no.stdout, /Remove 1 ledger row of skill "tasks"\? \[y\/N\]/)
    assert.match(no.stdout, /Rollback cancelled; nothing was changed/)
    assert.equal(rows(db, "SELECT count(*) AS n FROM _migrations WHERE skill_name = 'tasks'")[0]?.n, 1)
    const yes = await gloriousInTerminal(
      ['migrate', 'rollback', 'tasks', '--to', '0', '--skills', skills, '--db', db],
      { input: 'y\n' },
    )
    assert.match(yes.stdout, /Removed 1 ledger row of skill "tasks"/)
    assert.equal(rows(db, "SELECT count(*) AS n FROM _migrations WHERE skill_name = 'tasks'")[0]?.n, 0)
  })

  it('verify lists every problem and exits 1; exits 0 when all is well', async () => {
    const { run, migrations } = workspace()
    await run('migrate', 'run')
    const ok = await run('migrate', 'verify')
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stdout, '✓ 3 migrations in 2 skills: no problems\n')
    writeFileSync(join(migrations('notes'), '002_seed.sql'), 'SELECT 2;')
    writeFileSync(join(migrations('tasks'), 'bad.sql'), 'SELECT 1;')
    writeFileSync(join(migrations('tasks'), '003_vacuum.sql'), 'VACUUM;')
    const bad = await run('migrate', 'verify')
    assert.equal(bad.code, 1)
    const lines = bad.stdout.trim().split('\n')
    assert.equal(lines.length, 4)
    assert.match(lines[0] ?? '', /^✗ Migration checksum mismatch! .*"002_seed.sql"/)
    assert.match(lines[1] ?? '', /^✗ skill "tasks": migration file name "bad.sql" is invalid/)
    assert.match(
      lines[2] ?? '',
      /^✗ skill "tasks": migration "003_vacuum.sql" statement 1 \(line 1\) \(VACUUM\) cannot run inside a transaction/,
    )
    assert.equal(lines[3], '3 problems in 4 migrations of 2 skills')
    const json = JSON.parse((await run('migrate', 'verify', '--json')).stdout)
    assert.equal(json.ok, false)
    assert.deepEqual(
      json.problems.map((p: { code: string }) => p.code),
      ['checksum-mismatch', 'invalid-migration-name', 'forbidden-statement'],
    )
  })

  it('create writes the next file: 001 in a new folder, keeps 3- or 4-digit widths, makes unsafe input safe or refuses it', async () => {
    const { skills, run, migrations } = workspace()
    const created = await run('migrate', 'create', 'notes', 'Add user preferences')
    assert.equal(created.code, 0, created.stderr)
    assert.equal(created.stdout, `${join(migrations('notes'), '003_add_user_preferences.sql')}\n`)
    const text = readFileSync(created.stdout.trim(), 'utf8')
    assert.match(
      text,
      /^-- Migration: Add user preferences\n-- Skill: notes\n-- Version: 3\n-- Created: \d{4}-\d\d-\d\dT[\d:.]+Z\n/,
    )
    const fresh = join(skills, '..', 'fresh', 'migrations')
    const typo = await glorious(['migrate', 'create', 'fresh', 'init', '--dir', fresh])
    assert.equal(typo.code, 1, 'the folder of migrations/ must exist: a mistyped --dir makes no folders')
    assert.match(
      typo.stderr,
      /^error: cannot create the migrations folder .*fresh\/migrations: its parent .*fresh does not exist/,
    )
    mkdirSync(join(skills, '..', 'fresh'))
    const first = await glorious(['migrate', 'create', 'fresh', 'init', '--dir', fresh])
    assert.equal(first.stdout.trim(), join(fresh, '001_init.sql'))
    writeFileSync(join(fresh, '0009_wide.sql'), 'SELECT 1;')
    const wide = await glorious(['migrate', 'create', 'fresh', 'a/b/../c', '--dir', fresh])
    assert.equal(wide.stdout.trim(), join(fresh, '0010_a_b_c.sql'))
    const escape = await glorious(['migrate', 'create', '../evil', 'x', '--dir', fresh])
    assert.equal(escape.code, 1)
    assert.match(escape.stderr, /^error: invalid skill name "\.\.\/evil": use 1-64 letters/)
    assert.deepEqual(readdirSync(fresh).sort(), ['0009_wide.sql', '0010_a_b_c.sql', '001_init.sql'])
  })

  it("reload runs the skill's load again", async () => {
    const { db, run, migrations } = workspace()
    await run('migrate', 'run')
    writeFileSync(
      join(migrations('tasks'), '002_done.sql'),
      'ALTER TABLE tasks ADD COLUMN done INTEGER NOT NULL DEFAULT 0;',
    )
    const result = await run('migrate', 'reload', 'tasks')
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^applied {2}tasks {2}002_done.sql/)
    assert.deepEqual(rows(db, "SELECT version FROM _migrations WHERE skill_name = 'tasks' ORDER BY 1"), [
      { version: 1 },
      { version: 2 },
    ])
  })
})

describe('conventions', () => {
  it('usage errors exit 2: unknown command, unknown option, missing argument', async () => {
    const unknownCommand = await glorious(['migrate', 'explode'])
    assert.equal(unknownCommand.code, 2)
    assert.match(unknownCommand.stderr, /^error: .*explode.* \(see "glorious migrate --help"\)\n$/)
    const unknownOption = await glorious(['migrate', 'status', '--colour'])
    assert.equal(unknownOption.code, 2)
    assert.equal(unknownOption.stderr, 'error: unknown option --colour (see "glorious migrate --help")\n')
    // yargs' own wording names flags without their dashes: every such message names them as typed.
    const wording: [string[], string][] = [
      [['status', 'extra', '--josn', '--dryRun=1'], 'unknown options --josn, --dryRun; unexpected argument "extra"'],
      [
        ['rollback', 'notes', '--to=1', '--steps', '2', '--yes'],
        '--to and --steps cannot be given together: give one of them',
      ],
      [
        ['accept', 'notes', '1', '--as', 'applied', '--through', '2'],
        '--as and --through cannot be given together: give one of them',
      ],
      [['baseline', 'notes'], '--to is required'],
    ]
    for (const [args, message] of wording) {
      const result = await glorious(['migrate', ...args])
      assert.equal(result.code, 2, args.join(' '))
      assert.equal(result.stderr, `error: ${message} (see "glorious migrate --help")\n`, args.join(' '))
    }
    const missing = await glorious(['migrate', 'create', 'notes'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /Not enough non-option arguments/)
    assert.equal((await glorious(['migrate'])).code, 2)
  })

  it('--help on every command, with examples', async () => {
    for (const command of ['create', 'run', 'status', 'history', 'rollback', 'verify', 'reload', 'codegen']) {
      const help = await glorious(['migrate', command, '--help'])
      assert.equal(help.code, 0, command)
      assert.match(help.stdout, new RegExp(`^glorious migrate ${command}`), command)
      assert.match(help.stdout, /Examples:/, command)
    }
  })

  it('precedence: flag > env > default, for the database and the skills folders', async () => {
    const { root, skills, db } = workspace()
    const envDb = join(root, 'env.db')
    const byEnv = await glorious(['migrate', 'run'], { env: { GLORIOUS_DB: envDb, GLORIOUS_SKILLS: skills } })
    assert.equal(byEnv.code, 0, byEnv.stderr)
    assert.ok(existsSync(envDb))
    const byFlag = await glorious(['migrate', 'run', '--db', db, '--skills', skills], { env: { GLORIOUS_DB: envDb } })
    assert.match(byFlag.stdout, new RegExp(`\\(${db.replaceAll('/', '\\/')}\\)`))
    const home = join(root, 'home')
    const byDefault = await glorious(['migrate', 'run', '--skills', skills], {
      env: { GLORIOUS_HOME: home, GLORIOUS_AGENT: 'ops' },
    })
    assert.equal(byDefault.code, 0, byDefault.stderr)
    assert.ok(existsSync(join(home, 'agents', 'ops', 'agent.db')), "the default location's folders are created")
    const byAgentFlag = await glorious(['migrate', 'status', '--skills', skills, '--agent', 'ops'], {
      env: { GLORIOUS_HOME: home },
    })
    assert.equal(byAgentFlag.code, 0, byAgentFlag.stderr)
  })

  it('status and a no-op run never load ts-morph', async () => {
    const { skills, db, root, run } = workspace()
    await run('migrate', 'run')
    const { fileURLToPath } = await import('node:url')
    const hook = fileURLToPath(new URL('../../../test/helpers/module-log-hook.mjs', import.meta.url))
    for (const command of [['status'], ['history'], ['run']]) {
      const log = join(root, `modules-${command[0]}.log`)
      const { execFileSync } = await import('node:child_process')
      const { GLORIOUS } = await import('../helpers/cli.js')
      execFileSync(
        process.execPath,
        ['--import', hook, GLORIOUS, 'migrate', ...command, '--skills', skills, '--db', db],
        {
          env: { ...process.env, GLORIOUS_TEST_MODULE_LOG: log },
        },
      )
      const loaded = readFileSync(log, 'utf8')
      assert.match(loaded, /better-sqlite3/)
      assert.doesNotMatch(loaded, /ts-morph/, command.join(' '))
    }
  })
})

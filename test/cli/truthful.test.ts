/**
 * Answers that are true: a named folder that does not exist is an error, never "up to date" or
 * "no problems"; one broken skill.json is that skill's problem only; `--json` is exactly one JSON
 * document on every path, errors included.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { searchSkills, discoverSkills, findSkill } from '../../lib/index.js'
import { type CliResult, glorious } from '../helpers/cli.js'
import { rows } from '../helpers/sqlite.js'
import { skillFolder, tempDir, writeTree } from '../helpers/temp.js'

function workspace() {
  const root = tempDir()
  const skills = join(root, 'skills')
  skillFolder(skills, 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);' })
  skillFolder(skills, 'tasks', { '001_init.sql': 'CREATE TABLE tasks (id INTEGER PRIMARY KEY);' })
  const db = join(root, 'agent.db')
  const home = join(root, 'home')
  const cli = (...args: string[]) => glorious(['migrate', ...args], { env: { GLORIOUS_HOME: home }, cwd: root })
  return { root, skills, db, home, cli }
}

/** Exactly one line on stderr, starting with `error:`, matching `pattern`. */
function assertOneError(result: CliResult, pattern: RegExp): void {
  const lines = result.stderr.split('\n').filter((text) => text !== '')
  assert.equal(lines.length, 1, result.stderr)
  assert.match(lines[0] as string, /^error: /)
  assert.match(lines[0] as string, pattern)
}

describe('a named folder that does not exist', () => {
  it('--skills: every command fails (exit 1) naming the folder; none says "up to date" or "no problems"', async () => {
    const { root, db, cli } = workspace()
    await cli('run', '--skills', 'skills', '--db', db)
    for (const command of [['run'], ['run', '--dry-run'], ['verify'], ['status'], ['codegen', '--check']]) {
      const result = await cli(...command, '--skills', 'skils', '--db', db)
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stdout}${result.stderr}`)
      assert.match(
        result.stdout + result.stderr,
        new RegExp(`skills folder ${join(root, 'skils')} does not exist: check --skills`),
      )
      assert.doesNotMatch(result.stdout, /up to date|no problems/, command.join(' '))
    }
    const byEnv = await glorious(['migrate', 'verify', '--db', db], { env: { GLORIOUS_SKILLS: join(root, 'nope') } })
    assert.equal(byEnv.code, 1)
    assert.match(byEnv.stdout, /skills folder .*nope does not exist: check --skills \/ GLORIOUS_SKILLS/)
  })

  it('--dir: run, verify and codegen fail (exit 1) and create nothing', async () => {
    const { root, db, cli } = workspace()
    for (const command of ['run', 'verify', 'codegen']) {
      const result = await cli(command, 'notes', '--dir', 'migratons', '--db', db)
      assert.equal(result.code, 1, `${command}: ${result.stdout}`)
      assertOneError(
        result,
        new RegExp(`migrations folder ${join(root, 'migratons')} does not exist: check the path \\(--dir\\)`),
      )
      assert.doesNotMatch(result.stdout, /up to date|no problems/)
    }
    assert.equal(existsSync(join(root, 'migratons')), false)
    assert.equal(existsSync(db), false)
  })

  it('--db in a missing folder: run fails even with nothing pending; verify, status, history fail', async () => {
    const { root, cli } = workspace()
    const db = join(root, 'nowhere', 'agent.db')
    await cli('run', '--skills', 'skills', '--db', join(root, 'agent.db'))
    const run = await cli('run', '--skills', 'skills', '--db', db)
    assert.equal(run.code, 1)
    assert.match(run.stderr, /cannot be created: folder .*nowhere does not exist: create the folder first/)
    assert.doesNotMatch(run.stdout, /up to date/)
    for (const command of ['verify', 'status', 'history', 'codegen']) {
      const result = await cli(command, '--skills', 'skills', '--db', db)
      assert.equal(result.code, 1, command)
      assertOneError(result, /database .*nowhere\/agent.db does not exist/)
    }
    assert.equal(existsSync(join(root, 'nowhere')), false)
  })

  it('verify with a named database that does not exist fails; without one it checks the files and says so', async () => {
    const { root, cli } = workspace()
    const named = await cli('verify', '--skills', 'skills', '--db', join(root, 'typo.db'))
    assert.equal(named.code, 1)
    assertOneError(named, /database .*typo.db does not exist: check --db/)
    const unnamed = await cli('verify', '--skills', 'skills')
    assert.equal(unnamed.code, 0, unnamed.stderr)
    assert.match(unnamed.stderr, /^warning: database .* does not exist: only the files were checked\n$/)
  })

  it('codegen never creates a missing folder', async () => {
    const { root, db, cli } = workspace()
    await cli('run', '--skills', 'skills', '--db', db)
    const result = await cli('codegen', '--all', '--out', 'gen/db-types.ts', '--db', db)
    assert.equal(result.code, 1)
    assertOneError(result, /type file .*gen\/db-types.ts cannot be written: folder .*gen does not exist/)
    assert.equal(existsSync(join(root, 'gen')), false)
  })

  it('no skills anywhere: run, verify and codegen say so plainly, naming the folders searched', async () => {
    const root = tempDir()
    const home = join(root, 'home')
    for (const command of [['run'], ['verify'], ['codegen'], ['run', '--dry-run']]) {
      const result = await glorious(['migrate', ...command], { env: { GLORIOUS_HOME: home }, cwd: root })
      assert.equal(result.code, 1, command.join(' '))
      assertOneError(
        result,
        new RegExp(
          `^error: no skills found in ${join(root, 'skills')}, ${join(home, 'skills')}: a skill is a folder with a skill.json`,
        ),
      )
    }
    const status = await glorious(['migrate', 'status', '--db', join(root, 'a.db')], { cwd: root })
    assert.equal(status.code, 1, 'no database yet')
    mkdirSync(join(root, 'empty'))
    const run = await glorious(['migrate', 'run', '--skills', 'empty', '--db', join(root, 'a.db')], { cwd: root })
    assertOneError(run, /^error: no skills found in .*empty: /)
    assert.deepEqual(readdirSync(root).sort(), ['empty'])
  })
})

describe('a broken skill.json', () => {
  function withBroken() {
    const ws = workspace()
    writeTree(ws.skills, {
      'broken/skill.json': '{"name": "broken", ',
      'broken/migrations/001_x.sql': 'CREATE TABLE x (a);',
      'unnamed/skill.json': '{"version": "1.0.0"}',
    })
    return ws
  }

  it('is that skill’s problem: the others still run, show their status and verify', async () => {
    const { skills, db, cli } = withBroken()
    const run = await cli('run', '--skills', 'skills', '--db', db)
    assert.equal(run.code, 1, 'the broken skills are reported')
    assert.match(run.stdout, /^applied {2}notes {2}001_init.sql/m)
    assert.match(run.stdout, /^applied {2}tasks {2}001_init.sql/m)
    assert.match(run.stdout, /Applied 2 migrations in .*; 2 skill folders could not be read/)
    const errors = run.stderr.trim().split('\n')
    assert.equal(errors.length, 2, run.stderr)
    assert.match(errors[0] as string, new RegExp(`^error: ${join(skills, 'broken', 'skill.json')} is not valid JSON`))
    assert.match(errors[1] as string, new RegExp(`^error: ${join(skills, 'unnamed', 'skill.json')} has no "name"`))
    assert.deepEqual(rows(db, 'SELECT skill_name FROM _migrations ORDER BY 1'), [
      { skill_name: 'notes' },
      { skill_name: 'tasks' },
    ])

    const status = await cli('status', '--skills', 'skills', '--db', db)
    assert.equal(status.code, 1)
    assert.match(status.stdout, /^notes +1 +1 +0 +ok$/m)
    assert.match(status.stdout, /^tasks +1 +1 +0 +ok$/m)
    assert.match(status.stderr, /broken\/skill.json is not valid JSON/)
    const one = await cli('status', '--skill', 'notes', '--skills', 'skills', '--db', db)
    assert.equal(one.code, 0, 'another skill’s broken skill.json does not concern --skill notes')

    const verify = await cli('verify', '--skills', 'skills', '--db', db, '--json')
    assert.equal(verify.code, 1)
    const report = JSON.parse(verify.stdout)
    assert.equal(report.ok, false)
    assert.equal(report.skills, 2)
    assert.equal(report.migrations, 2)
    assert.deepEqual(
      report.problems.map((problem: { code: string; file: string }) => [problem.code, problem.file]),
      [
        ['skill', join(skills, 'broken', 'skill.json')],
        ['skill', join(skills, 'unnamed', 'skill.json')],
      ],
    )
    const single = await cli('run', 'tasks', '--skills', 'skills', '--db', db)
    assert.equal(single.code, 0, 'one skill by name is found although another folder is broken')
  })

  it('two skills with one name are both left out and reported; the rest run', async () => {
    const { skills, db, cli } = workspace()
    skillFolder(skills, 'notes', { '001_other.sql': 'CREATE TABLE other (a);' }, 'notes-copy')
    const run = await cli('run', '--skills', 'skills', '--db', db)
    assert.equal(run.code, 1)
    assertOneError(run, /two skills are named "notes": .*skills\/notes, .*skills\/notes-copy: rename all but one/)
    assert.deepEqual(rows(db, 'SELECT skill_name FROM _migrations'), [{ skill_name: 'tasks' }])
  })

  it('searchSkills returns the usable skills and one problem per folder; discoverSkills still throws', () => {
    const { skills } = withBroken()
    writeFileSync(join(skills, 'a-file.txt'), 'not a folder')
    const search = searchSkills([skills, join(skills, '..', 'missing')])
    assert.deepEqual(
      search.skills.map((skill) => skill.name),
      ['notes', 'tasks'],
    )
    assert.deepEqual(
      search.problems.map((problem) => problem.file),
      [join(skills, 'broken', 'skill.json'), join(skills, 'unnamed', 'skill.json')],
    )
    assert.equal(searchSkills([join(skills, '..', 'missing')], { mustExist: true }).problems.length, 1)
    assert.throws(() => discoverSkills([skills]), /broken\/skill.json is not valid JSON/)
    assert.equal(findSkill([skills], 'tasks').name, 'tasks')
    assert.throws(
      () => findSkill([skills], 'nope', { suggestDir: false }),
      (error: Error) =>
        /^skill "nope" was not found in .*skills \(2 skill folders could not be read; the first: .*broken\/skill.json is not valid JSON .*\): check the name, pass --skills <folder>$/.test(
          error.message,
        ),
    )
  })
})

/** stdout is exactly one JSON document (a second one, or any text beside it, fails to parse). */
function document(result: CliResult): Record<string, any> {
  assert.ok(result.stdout.endsWith('}\n'), result.stdout)
  return JSON.parse(result.stdout) as Record<string, any>
}

describe('--json', () => {
  it('is one document on every path, with an error object when something went wrong', async () => {
    const { root, db, cli } = workspace()
    const notDb = join(root, 'notes.txt')
    writeFileSync(notDb, 'not a database, but long enough to have a header. '.repeat(10))
    const cases: [string[], number, string | null][] = [
      [['run', '--db', db], 0, null],
      [['run', '--db', db], 0, null],
      [['run', '--dry-run', '--db', db], 0, null],
      [['status', '--db', db], 0, null],
      [['history', '--db', db], 0, null],
      [['verify', '--db', db], 0, null],
      [['codegen', '--check', '--db', db], 0, null],
      [['run', '--db', notDb], 1, 'database'],
      [['run', '--dry-run', '--db', notDb], 1, 'database'],
      [['status', '--db', notDb], 1, 'database'],
      [['history', '--db', notDb], 1, 'database'],
      [['verify', '--db', notDb], 1, 'database'],
      [['codegen', '--db', notDb], 1, 'database'],
      [['status', '--db', join(root, 'none.db')], 1, 'database'],
      [['history', '--limit', 'ten', '--db', db], 2, 'usage'],
      [['status', '--colour', '--db', db], 2, 'usage'],
      [['run', 'notes', '--dir', 'nowhere', '--db', db], 1, 'skill'],
      [['run', '--skills', 'nowhere', '--db', db], 1, 'skill'],
      [['verify', '--lock-timeout', '-1', '--db', db], 2, 'usage'],
      [['explode', '--db', db], 2, 'usage'],
    ]
    for (const [args, code, errorCode] of cases) {
      const label = args.join(' ')
      const result = await cli(
        ...args.slice(0, 1),
        '--json',
        ...args.slice(1),
        ...(args.includes('--skills') ? [] : ['--skills', 'skills']),
      )
      assert.equal(result.code, code, `${label}: ${result.stdout}${result.stderr}`)
      const json = document(result)
      assert.equal(json.ok, code === 0, label)
      if (errorCode === null) assert.equal(json.error, null, label)
      else {
        assert.equal(json.error?.code, errorCode, label)
        assert.equal(typeof json.error?.message, 'string', label)
      }
    }
  })

  it('a database error is never beside "up to date" on stdout, with or without --json', async () => {
    const { root, cli } = workspace()
    const notDb = join(root, 'notes.txt')
    writeFileSync(notDb, 'not a database, but long enough to have a header. '.repeat(10))
    const text = await cli('run', '--skills', 'skills', '--db', notDb)
    assert.equal(text.code, 1)
    assertOneError(text, /is not a SQLite database/)
    assert.doesNotMatch(text.stdout, /up to date/)
    assert.match(text.stdout, /^No migrations applied; the run stopped with an error \(notes.txt\)\n$/)
  })
})

describe('a database path that is not a regular file', () => {
  it('a FIFO or a device is refused at once by every command, naming what it is; nothing hangs or is written', async () => {
    const { root } = workspace()
    const fifo = join(root, 'agent.db')
    execFileSync('mkfifo', [fifo])
    const cases: [string, string][] = [
      [fifo, 'FIFO (named pipe)'],
      ['/dev/null', 'character device'],
    ]
    for (const [db, type] of cases) {
      for (const command of [
        ['run'],
        ['run', '--dry-run'],
        ['status'],
        ['history'],
        ['verify'],
        ['codegen', '--check'],
      ]) {
        const label = `${command.join(' ')} --db ${db}`
        const args = ['migrate', ...command, '--json', '--skills', 'skills', '--db', db]
        const result = await glorious(args, {
          cwd: root,
          env: { GLORIOUS_HOME: join(root, 'home') },
          killAfterMs: 30_000,
        })
        assert.equal(result.code, 1, `${label}: ${result.stdout}${result.stderr}`)
        const json = document(result)
        assert.equal(json.ok, false, label)
        assert.equal(json.error?.code, 'database', label)
        assert.equal(
          json.error?.message,
          `database ${db} is a ${type}, not a database file: give the path of the database file (--db)`,
          label,
        )
        assertOneError(result, /is a .*, not a database file/)
      }
    }
    assert.deepEqual(readdirSync(root).sort(), ['agent.db', 'skills'])
  })
})

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  SkillError,
  createMigrationFile,
  discoverSkills,
  findSkill,
  initSkillSchema,
  loadSkill,
  readSkill,
  searchSkills,
} from '../../lib/index.js'
import { rows } from '../helpers/sqlite.js'
import { skillFolder, tempDir, writeTree } from '../helpers/temp.js'

describe('skills', () => {
  it("reads the guide's layout: my-skill/src/my_skill/{skill.json,migrations/}", () => {
    const root = tempDir()
    const folder = skillFolder(root, 'my_skill', { '001_init.sql': 'SELECT 1;' }, 'my-skill')
    const skill = readSkill(folder)
    assert.equal(skill.name, 'my_skill')
    assert.equal(skill.migrationsDir, join(folder, 'src', 'my_skill', 'migrations'))
    assert.equal(skill.sourceDir, join(folder, 'src', 'my_skill'))
  })

  it('reads a flat layout: skill.json and migrations/ at the top', () => {
    const root = tempDir()
    writeTree(root, { 'notes/skill.json': '{"name":"notes"}', 'notes/migrations/001_a.sql': 'SELECT 1;' })
    const skill = readSkill(join(root, 'notes'))
    assert.equal(skill.migrationsDir, join(root, 'notes', 'migrations'))
  })

  it('rejects a missing or broken skill.json and unsafe names with one clear line', () => {
    const root = tempDir()
    writeTree(root, {
      'none/README.md': 'x',
      'broken/skill.json': '{"name":',
      'unnamed/skill.json': '{}',
      'escape/skill.json': '{"name":"../etc"}',
      'quoted/skill.json': '{"name":"a\\"b"}',
    })
    assert.throws(() => readSkill(join(root, 'none')), /has no skill.json: add one with \{"name": "<skill name>"\}/)
    assert.throws(() => readSkill(join(root, 'broken')), /skill.json is not valid JSON/)
    assert.throws(() => readSkill(join(root, 'unnamed')), /has no "name"/)
    assert.throws(
      () => readSkill(join(root, 'escape')),
      (error: unknown) => {
        assert.ok(error instanceof SkillError)
        assert.match(
          error.message,
          /invalid skill name "\.\.\/etc" in .*skill.json: use 1-64 letters, digits, "_" or "-"/,
        )
        return true
      },
    )
    assert.throws(() => readSkill(join(root, 'quoted')), /invalid skill name "a\\"b"/)
  })

  it('refuses a skill.json that is a FIFO or a device without reading it, as that skill’s problem', () => {
    const root = tempDir()
    skillFolder(root, 'notes', {})
    mkdirSync(join(root, 'pipe'))
    execFileSync('mkfifo', [join(root, 'pipe', 'skill.json')])
    mkdirSync(join(root, 'zero'))
    symlinkSync('/dev/zero', join(root, 'zero', 'skill.json'))
    const search = searchSkills([root])
    assert.deepEqual(
      search.skills.map((skill) => skill.name),
      ['notes'],
    )
    assert.deepEqual(
      search.problems.map((problem) => problem.message),
      [
        `${join(root, 'pipe', 'skill.json')} is a FIFO (named pipe), not a regular file, so it was not read: replace it with the skill's JSON file`,
        `${join(root, 'zero', 'skill.json')} is a character device, not a regular file, so it was not read: replace it with the skill's JSON file`,
      ],
    )
  })

  it('discovers skills in roots, sorted, skipping folders without skill.json; duplicate names are an error', () => {
    const root = tempDir()
    skillFolder(join(root, 'one'), 'zeta', {})
    skillFolder(join(root, 'one'), 'alpha', {})
    mkdirSync(join(root, 'one', 'not-a-skill'))
    assert.deepEqual(
      discoverSkills([join(root, 'one'), join(root, 'missing')]).map((s) => s.name),
      ['alpha', 'zeta'],
    )
    assert.equal(findSkill([join(root, 'one')], 'zeta').name, 'zeta')
    assert.throws(
      () => findSkill([join(root, 'one')], 'nope'),
      /skill "nope" was not found in .*: check the name, pass --skills <folder>/,
    )
    skillFolder(join(root, 'two'), 'alpha', {}, 'alpha-copy')
    assert.throws(() => discoverSkills([join(root, 'one'), join(root, 'two')]), /two skills are named "alpha"/)
  })

  it('two skills whose names differ only in letter case are one name: both refused, the others used', () => {
    // MariaDB compares the ledger's skill names without case: "Notes" would read the rows of "notes".
    const root = tempDir()
    skillFolder(root, 'notes', {})
    skillFolder(root, 'Notes', {}, 'notes-upper')
    skillFolder(root, 'tasks', {})
    const search = searchSkills([root])
    assert.deepEqual(
      search.skills.map((skill) => skill.name),
      ['tasks'],
    )
    assert.equal(search.problems.length, 1)
    assert.match(
      search.problems[0]?.message ?? '',
      /^two skills are named "Notes", "notes", one name in any letter case: .*\/notes, .*\/notes-upper: rename all but one/,
    )
    for (const name of ['notes', 'Notes', 'NOTES'])
      assert.throws(() => findSkill([root], name), /two skills are named "Notes", "notes", one name in any letter case/)
  })

  it('loadSkill migrates automatically, and again only what is new', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    const folder = skillFolder(root, 'notes', { '001_init.sql': 'CREATE TABLE notes (body TEXT);' })
    const first = await loadSkill(folder, { database })
    assert.equal(first.error, undefined)
    assert.equal(first.kind, 'migrations')
    assert.deepEqual(
      first.results.map((r) => r.filename),
      ['001_init.sql'],
    )
    writeFileSync(
      join(folder, 'src', 'notes', 'migrations', '002_more.sql'),
      'ALTER TABLE notes ADD COLUMN title TEXT;',
    )
    const second = await loadSkill(folder, { database })
    assert.deepEqual(
      second.results.map((r) => r.filename),
      ['002_more.sql'],
    )
    const third = await loadSkill(folder, { database })
    assert.deepEqual(third.results, [])
  })

  it('loadSkill never throws: a broken skill comes back as an error', async () => {
    const root = tempDir()
    const result = await loadSkill(join(root, 'missing'), { database: join(root, 'agent.db') })
    assert.match(result.error?.message ?? '', /skill folder .* does not exist/)
    assert.equal(result.skill, undefined)
  })

  it('runs a legacy schema.sql when there is no migrations/ folder, atomically, on every load', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    writeTree(root, {
      'legacy/src/legacy/skill.json': '{"name":"legacy"}',
      'legacy/src/legacy/schema.sql':
        'CREATE TABLE IF NOT EXISTS things (name TEXT);\nCREATE INDEX IF NOT EXISTS things_name ON things (name);',
    })
    const loaded = await loadSkill(join(root, 'legacy'), { database })
    assert.equal(loaded.error, undefined)
    assert.equal(loaded.kind, 'legacy-schema')
    assert.equal((await loadSkill(join(root, 'legacy'), { database })).error, undefined)
    assert.deepEqual(
      rows(database, "SELECT name FROM sqlite_master WHERE name LIKE 'things%' ORDER BY name").map((r) => r.name),
      ['things', 'things_name'],
    )
    assert.deepEqual(rows(database, 'SELECT object_name, skill_name FROM _migration_objects'), [
      { object_name: 'things', skill_name: 'legacy' },
    ])
    assert.equal(rows(database, "SELECT count(*) AS n FROM sqlite_master WHERE name = '_migrations'")[0]?.n, 1)
    assert.equal(rows(database, 'SELECT count(*) AS n FROM _migrations')[0]?.n, 0)

    writeTree(root, { 'broken/schema.sql': 'CREATE TABLE half (x);\nCREATE TABLE half (x);' })
    const broken = await initSkillSchema('broken', join(root, 'broken', 'schema.sql'), { database })
    assert.match(
      broken.error?.message ?? '',
      /skill "broken": migration "schema.sql" failed at statement 2 \(line 2\): table half already exists/,
    )
    assert.equal(rows(database, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'")[0]?.n, 0)
  })

  it('initSkillSchema prefers migrations/ beside schema.sql', async () => {
    const root = tempDir()
    const database = join(root, 'agent.db')
    writeTree(root, {
      'skill/schema.sql': 'CREATE TABLE from_schema (x);',
      'skill/migrations/001_init.sql': 'CREATE TABLE from_migrations (x);',
    })
    const result = await initSkillSchema('skill', join(root, 'skill', 'schema.sql'), { database })
    assert.equal(result.error, undefined)
    assert.deepEqual(
      rows(database, "SELECT name FROM sqlite_master WHERE name LIKE 'from_%'").map((r) => r.name),
      ['from_migrations'],
    )
  })

  it("createMigrationFile writes the next number with the template, keeping the folder's padding", () => {
    const root = tempDir()
    const dir = join(root, 'migrations')
    const now = new Date('2026-11-16T00:00:00.000Z')
    const first = createMigrationFile({
      skill: 'my_skill',
      description: 'Add user preferences!',
      migrationsDir: dir,
      now,
    })
    assert.equal(first.filename, '001_add_user_preferences.sql')
    assert.equal(
      readFileSync(first.path, 'utf8').split('\n').slice(0, 4).join('\n'),
      '-- Migration: Add user preferences!\n-- Skill: my_skill\n-- Version: 1\n-- Created: 2026-11-16T00:00:00.000Z',
    )
    writeFileSync(join(dir, '0007_wide.sql'), '')
    assert.equal(
      createMigrationFile({ skill: 'my_skill', description: '../../etc/passwd', migrationsDir: dir, now }).filename,
      '0008_etc_passwd.sql',
    )
    assert.throws(
      () => createMigrationFile({ skill: '../x', description: 'a', migrationsDir: dir }),
      /invalid skill name/,
    )
    assert.throws(
      () => createMigrationFile({ skill: 'x', description: '/// ', migrationsDir: dir }),
      /has no letters or digits/,
    )
  })
})

import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { readSavedCodegenOptions } from '../../lib/files/skill-codegen.js'
import {
  SkillError,
  createMigrator,
  discoverSkills,
  generateSkillTypes,
  loadSkill,
  migrateSkills,
} from '../../lib/index.js'
import { skillFolder, tempDir, writeTree } from '../helpers/temp.js'

const MIGRATIONS = {
  '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, created_at TEXT, hit_count INTEGER NOT NULL DEFAULT 0);',
}

/** A skill in the guide's layout whose skill.json holds `extra` (such as a "codegen" object). */
function skill(root: string, extra: Record<string, unknown>): { folder: string; manifest: string; types: string } {
  const folder = skillFolder(join(root, 'skills'), 'notes', MIGRATIONS)
  const manifest = join(folder, 'src', 'notes', 'skill.json')
  writeFileSync(manifest, JSON.stringify({ name: 'notes', ...extra }))
  return { folder, manifest, types: join(folder, 'src', 'notes', 'db-types.ts') }
}

const SAVED = { codegen: { camelCase: true, integers: 'bigint' } }

describe('codegen options saved in skill.json ("codegen") are used by every way of generating', () => {
  it('loadSkill, a later generateSkillTypes --check and createMigrator all use them', async () => {
    const root = tempDir('glorious-saved-')
    const { folder, types } = skill(root, SAVED)
    const database = join(root, 'agent.db')
    const loaded = await loadSkill(folder, { database })
    assert.equal(loaded.error, undefined, loaded.error?.message)
    assert.deepEqual(loaded.warnings, [])
    const text = readFileSync(types, 'utf8')
    assert.match(text, /^ {2}createdAt: string \| null;$/m)
    assert.match(text, /^ {2}hitCount: Generated<Int64>;$/m)
    assert.match(text, /^\/\/ Options: \{ camelCase: true, integers: 'bigint' \}$/m)
    assert.match(text, /^\/\/ Regenerate: glorious migrate codegen notes {3}Check: glorious migrate codegen --check$/m)

    const skills = discoverSkills([join(root, 'skills')])
    const [check] = await generateSkillTypes({ database, skills, check: true })
    assert.equal(check?.status, 'unchanged', check?.diff)

    // A new migration through createMigrator (only a migrations folder): the same options.
    const dir = skills[0]?.migrationsDir as string
    writeFileSync(join(dir, '002_more.sql'), 'ALTER TABLE notes ADD COLUMN read_at INTEGER;')
    const migrator = createMigrator({ database, skill: 'notes', migrationsDir: dir })
    try {
      const result = await migrator.migrateToLatest()
      assert.equal(result.error, undefined, result.error?.message)
      assert.deepEqual(
        result.types.map((file) => file.status),
        ['written'],
      )
    } finally {
      await migrator.destroy()
    }
    assert.match(readFileSync(types, 'utf8'), /^ {2}readAt: Int64 \| null;$/m)
    const [again] = await generateSkillTypes({ database, skills, check: true })
    assert.equal(again?.status, 'unchanged', again?.diff)
  })

  it('options given override the saved ones for that call, with a warning that they are not saved', async () => {
    const root = tempDir('glorious-saved-')
    const { folder, types, manifest } = skill(root, SAVED)
    const database = join(root, 'agent.db')
    const result = await migrateSkills(discoverSkills([join(root, 'skills')]), {
      database,
      codegen: { camelCase: false },
    })
    assert.equal(result.error, undefined, result.error?.message)
    const text = readFileSync(types, 'utf8')
    assert.match(text, /^ {2}created_at: string \| null;$/m, 'camelCase: false given')
    assert.match(text, /^ {2}hit_count: Generated<Int64>;$/m, 'integers still from skill.json')
    assert.match(
      text,
      /^\/\/ Regenerate: glorious migrate codegen notes --no-camel-case {3}Check: glorious migrate codegen notes --check --no-camel-case$/m,
    )
    assert.deepEqual(result.warnings, [
      `notes: camelCase: false is not saved in ${manifest}, so a later run, reload or codegen --check without it uses the saved options: ` +
        'to keep it, set "codegen": {"camelCase":false,"integers":"bigint"} there',
    ])
    // The same options as saved are no override: no flag, no warning.
    const same = await loadSkill(folder, { database, codegen: { camelCase: true } })
    assert.deepEqual(same.warnings, [])
  })

  it('finds skill.json for a migrations folder given alone (--dir): beside it, or above src/<name>/; else none', () => {
    const root = tempDir('glorious-saved-')
    writeTree(root, {
      'flat/skill.json': JSON.stringify({ name: 'flat', codegen: { booleans: 'boolean' } }),
      'flat/migrations/001_a.sql': 'SELECT 1;',
      'top/skill.json': JSON.stringify({ name: 'top', codegen: { json: 'json' } }),
      'top/src/top/migrations/001_a.sql': 'SELECT 1;',
      'bare/migrations/001_a.sql': 'SELECT 1;',
    })
    assert.deepEqual(readSavedCodegenOptions(join(root, 'flat', 'migrations')), {
      manifest: join(root, 'flat', 'skill.json'),
      options: { booleans: 'boolean' },
    })
    assert.deepEqual(readSavedCodegenOptions(join(root, 'top', 'src', 'top', 'migrations')), {
      manifest: join(root, 'top', 'skill.json'),
      options: { json: 'json' },
    })
    assert.deepEqual(readSavedCodegenOptions(join(root, 'bare', 'migrations')), { manifest: undefined, options: {} })
  })

  it('a skill without skill.json (--dir) takes options only as given; the warning says where to save them', async () => {
    const root = tempDir('glorious-saved-')
    writeTree(root, { 'db/migrations/001_init.sql': MIGRATIONS['001_init.sql'] })
    const database = join(root, 'agent.db')
    const migrationsDir = join(root, 'db', 'migrations')
    const result = await migrateSkills([{ name: 'notes', migrationsDir }], { database, codegen: { camelCase: true } })
    assert.equal(result.error, undefined, result.error?.message)
    assert.match(readFileSync(join(root, 'db', 'db-types.ts'), 'utf8'), /^ {2}hitCount: Generated<number>;$/m)
    assert.match(
      result.warnings[0] ?? '',
      /^notes: camelCase: true is not saved \(no skill\.json beside its migrations folder\), .*add a skill\.json with \{"name": "notes", "codegen": \{"camelCase":true\}\}$/,
    )
  })

  it('a bad value in skill.json is one error naming the file and the key; a run still applies its migrations', async () => {
    const cases: [codegen: unknown, message: RegExp][] = [
      [{ booleans: 'yes' }, /: "codegen\.booleans" must be "number" or "boolean", not "yes": fix the file$/],
      [
        { camelcase: true },
        /: "codegen\.camelcase" is not a codegen option \(they are camelCase, booleans, json, integers, bigNumbers\)/,
      ],
      [{ integers: 64 }, /: "codegen\.integers" must be "number" or "bigint", not 64: fix the file$/],
      [{ camelCase: 'yes' }, /: "codegen\.camelCase" must be false or true, not "yes"/],
      [['camelCase'], /: "codegen" must be an object such as \{"camelCase": true, /],
    ]
    for (const [codegen, message] of cases) {
      const root = tempDir('glorious-saved-')
      const { folder, manifest } = skill(root, { codegen })
      const database = join(root, 'agent.db')
      const loaded = await loadSkill(folder, { database })
      assert.equal(loaded.error, undefined, 'the migrations are not held back by a codegen option')
      assert.equal(loaded.applied.length, 1)
      assert.equal(loaded.warnings.length, 1)
      assert.ok(loaded.warnings[0]?.startsWith(`types were not generated: ${manifest}: "codegen`), loaded.warnings[0])
      assert.match(loaded.warnings[0] ?? '', message)
      await assert.rejects(
        generateSkillTypes({ database, skills: discoverSkills([join(root, 'skills')]) }),
        (error: unknown) => {
          assert.ok(error instanceof SkillError)
          assert.equal(error.file, manifest)
          assert.ok(error.message.startsWith(`${manifest}: "codegen`), error.message)
          assert.match(error.message, message)
          assert.doesNotMatch(error.message, /\n/)
          return true
        },
      )
    }
  })
})

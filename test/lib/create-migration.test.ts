import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { createMigrationFile, parseMigrationName, slugify } from '../../lib/index.js'
import { listMigrationFolder } from '../../lib/files/migration-folder.js'
import { glorious } from '../helpers/cli.js'
import { raceProcesses } from '../helpers/processes.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const WORKER = fileURLToPath(new URL('../helpers/create-worker.js', import.meta.url))

/** Every file of the folder has its own version. */
function assertDistinctVersions(dir: string, count: number): void {
  const folder = listMigrationFolder(dir, 'notes')
  assert.deepEqual(folder.problems, [], 'no duplicate versions')
  assert.equal(folder.files.length, count, readdirSync(dir).join(', '))
  assert.equal(new Set(folder.files.map((file) => file.version)).size, count)
}

describe('createMigrationFile in parallel', () => {
  for (const mode of ['the same description', 'different descriptions'] as const) {
    it(`8 processes released at once never give two files one version (${mode})`, async () => {
      const root = tempDir()
      for (let round = 0; round < 4; round++) {
        const dir = join(root, `round-${round}`, 'migrations')
        mkdirSync(join(root, `round-${round}`))
        const results = await raceProcesses(
          WORKER,
          [dir, 'add tags', ...(mode === 'different descriptions' ? ['--distinct'] : [])],
          8,
          { timeoutMs: 60_000 },
        )
        for (const result of results) assert.equal(result.code, 0, result.stderr)
        assertDistinctVersions(dir, 8)
        const reported = results.map((result) => JSON.parse(result.stdout) as { version: number; path: string })
        assert.equal(new Set(reported.map((created) => created.version)).size, 8, 'each process reports its own')
        for (const created of reported)
          assert.match(readFileSync(created.path, 'utf8'), new RegExp(`^-- Version: ${created.version}$`, 'm'))
      }
    })
  }

  it('8 `glorious migrate create` at once give 8 versions', async () => {
    const root = tempDir()
    const dir = join(root, 'migrations')
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        glorious(['migrate', 'create', 'notes', `step ${i % 2}`, '--dir', dir], { env: { GLORIOUS_HOME: root } }),
      ),
    )
    for (const result of results) assert.equal(result.code, 0, result.stderr)
    assertDistinctVersions(dir, 8)
  })
})

describe('createMigrationFile names', () => {
  it('keeps letters and digits of every script, and the name is a valid migration name', () => {
    const dir = join(tempDir(), 'migrations')
    const cases = [
      ['Добавить теги к заметкам', 'добавить_теги_к_заметкам'],
      ['タグを追加する', 'タグを追加する'],
      ['Ajouter l’état « brouillon »', 'ajouter_l_état_brouillon'],
      ['add\u202etags\u200b now', 'add_tags_now'],
    ] as const
    for (const [description, slug] of cases) {
      assert.equal(slugify(description), slug)
      const created = createMigrationFile({ skill: 'notes', description, migrationsDir: dir })
      assert.equal(created.filename, `${String(created.version).padStart(3, '0')}_${slug}.sql`)
      assert.deepEqual(parseMigrationName(created.filename), { version: created.version, description: slug })
    }
    assert.deepEqual(listMigrationFolder(dir, 'notes').problems, [])
  })

  it('a combining mark with no letter before it is dropped: marks alone are no description, never a file', () => {
    assert.equal(slugify('\u0301\u0301'), '')
    assert.equal(slugify('e\u0301 \u0301tags'), 'é_tags')
    const dir = join(tempDir(), 'migrations')
    assert.throws(
      () => createMigrationFile({ skill: 'notes', description: '\u0301\u0301', migrationsDir: dir }),
      /description "\u0301\u0301" has no letters or digits: describe the change/,
    )
    assert.equal(existsSync(dir), false)
  })

  it('refuses a next version too large to be read back, instead of writing a file run rejects', () => {
    const dir = migrationsDir(tempDir(), { '9007199254740991_last.sql': '' })
    assert.throws(
      () => createMigrationFile({ skill: 'notes', description: 'one more', migrationsDir: dir }),
      /the next version after 9007199254740991 is too large/,
    )
    assert.deepEqual(readdirSync(dir), ['9007199254740991_last.sql'])
  })

  it('keeps a long description within 80 characters and 200 bytes, cut at a character', () => {
    const slug = slugify('𠀀'.repeat(100))
    assert.equal([...slug].length, 50)
    assert.ok(Buffer.byteLength(slug) <= 200)
    assert.equal(slugify('a'.repeat(100)).length, 80)
  })

  it('makes a missing migrations folder, never its missing parent', () => {
    const root = tempDir()
    assert.equal(
      createMigrationFile({ skill: 'notes', description: 'init', migrationsDir: join(root, 'migrations') }).filename,
      '001_init.sql',
    )
    assert.throws(
      () =>
        createMigrationFile({ skill: 'notes', description: 'init', migrationsDir: join(root, 'typo', 'migrations') }),
      /cannot create the migrations folder .*typo\/migrations: its parent .*typo does not exist: check the path \(--dir\)/,
    )
    assert.deepEqual(readdirSync(root), ['migrations'])
  })
})

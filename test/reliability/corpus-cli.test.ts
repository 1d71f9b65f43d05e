/**
 * The whole corpus through the real CLI: every SQLite history of /work/shared/corpus (read in
 * place, never copied) applied by `glorious migrate run corpus --dir <history>/migrations`, its
 * schema compared byte for byte with expected-schema.sql using the corpus README's query; then a
 * second run is a no-op, `verify` passes and `status --json` counts right.
 *
 * `--no-codegen` on every run: types are written beside the migrations folder, which here is the
 * shared corpus.
 */
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CliResult, glorious } from '../helpers/cli.js'
import { CORPUS, NEEDS_DQS, buildDqsExtension, sqliteHistories } from '../helpers/corpus.js'
import { comparableDump, snapshotDatabase } from '../helpers/snapshot.js'
import { rows, schemaDump } from '../helpers/sqlite.js'
import { tempDir } from '../helpers/temp.js'

const SKILL = 'corpus'
const figures = { histories: 0, migrations: 0, identical: 0, noOpReruns: 0, verified: 0, statusRight: 0 }

interface StatusJson {
  readonly skills: readonly {
    readonly skill: string
    readonly version: number
    readonly migrations: number
    readonly pending: number
    readonly state: string
    readonly problems: readonly unknown[]
  }[]
}

/** A skills folder whose one skill, "corpus", has the history's migrations folder (a symlink, not a copy). */
function skillsFolderFor(root: string, history: string): string {
  const skills = join(root, 'skills')
  const skill = join(skills, SKILL)
  mkdirSync(skill, { recursive: true })
  writeFileSync(join(skill, 'skill.json'), JSON.stringify({ name: SKILL }))
  symlinkSync(join(CORPUS, history, 'migrations'), join(skill, 'migrations'))
  return skills
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function appliedFiles(result: CliResult): string[] {
  return [...result.stdout.matchAll(/^applied +corpus +(\S+\.sql) /gm)].map((match) => match[1] as string)
}

describe('the corpus through the CLI', () => {
  const histories = sqliteHistories()
  let extension = ''
  const root = tempDir('glorious-corpus-cli-')

  before(() => {
    extension = buildDqsExtension(root)
  })
  after(() => {
    console.log(
      `corpus via CLI: ${figures.histories} histories, ${figures.migrations} migrations applied, ` +
        `${figures.identical} schemas byte-identical to expected-schema.sql, ${figures.noOpReruns} no-op reruns, ` +
        `${figures.verified} verify passes, ${figures.statusRight} status --json counts right`,
    )
  })

  it('finds the three SQLite histories with an expected schema', () => {
    assert.deepEqual(histories, ['atuin-sqlite', 'grocy-sqlite', 'pingvinshare-sqlite'])
  })

  for (const history of sqliteHistories()) {
    it(`${history}: applies through the CLI, schema byte-identical; rerun is a no-op; verify and status agree`, async () => {
      const dir = tempDir(`glorious-corpus-${history}-`)
      const migrations = join(CORPUS, history, 'migrations')
      const files = readdirSync(migrations)
        .filter((name) => name.endsWith('.sql'))
        .sort()
      const highest = Number(files.at(-1)?.split('_')[0])
      const db = join(dir, 'agent.db')
      const load = NEEDS_DQS.has(history) ? ['--load-extension', extension] : []
      const args = ['--dir', migrations, '--db', db, '--no-codegen', ...load]

      const first = await glorious(['migrate', 'run', SKILL, ...args])
      figures.histories++
      assert.equal(first.code, 0, first.stderr)
      assert.equal(first.stderr, '')
      assert.deepEqual(appliedFiles(first), files, 'every file applied, in order, once')
      assert.doesNotMatch(first.stdout, /^types /m, 'no types written (they would land in the corpus)')
      assert.match(
        first.stdout,
        new RegExp(`^Applied ${files.length} migrations in [\\d.<]+ m?s \\(${escape(db)}\\)$`, 'm'),
      )
      figures.migrations += files.length
      const schema = schemaDump(db)
      assert.equal(schema, readFileSync(join(CORPUS, history, 'expected-schema.sql'), 'utf8'))
      figures.identical++

      const before = snapshotDatabase(db)
      const second = await glorious(['migrate', 'run', SKILL, ...args])
      assert.equal(second.code, 0, second.stderr)
      assert.equal(second.stderr, '')
      assert.equal(second.stdout, `Nothing to migrate: 1 skill up to date (${db})\n`)
      // (Side files are not compared: schemaDump's read-only connection left an empty -wal and a -shm.)
      const afterRerun = snapshotDatabase(db)
      assert.deepEqual(
        [afterRerun.sha256, afterRerun.dump],
        [before.sha256, before.dump],
        'the no-op run changed nothing',
      )
      figures.noOpReruns++

      const verify = await glorious(['migrate', 'verify', SKILL, '--dir', migrations, '--db', db])
      assert.equal(verify.code, 0, verify.stdout + verify.stderr)
      assert.equal(verify.stderr, '')
      assert.equal(verify.stdout, `✓ ${files.length} migrations in 1 skill: no problems\n`)
      figures.verified++

      const status = await glorious([
        'migrate',
        'status',
        '--json',
        '--skills',
        skillsFolderFor(dir, history),
        '--db',
        db,
      ])
      assert.equal(status.code, 0, status.stderr)
      assert.deepEqual((JSON.parse(status.stdout) as StatusJson).skills, [
        {
          skill: SKILL,
          version: highest,
          migrations: files.length,
          pending: 0,
          state: 'ok',
          drift: 'unchanged',
          problems: [],
        },
      ])
      assert.equal(rows(db, 'SELECT count(*) AS n FROM _migrations')[0]?.n, files.length)
      figures.statusRight++
    })
  }

  it("pingvinshare-sqlite without the DQS extension stops at 009 with SQLite's own hint, keeping 001-008; with it, the rest applies", async () => {
    const dir = tempDir('glorious-corpus-dqs-')
    const migrations = join(CORPUS, 'pingvinshare-sqlite', 'migrations')
    const files = readdirSync(migrations)
      .filter((name) => name.endsWith('.sql'))
      .sort()
    const db = join(dir, 'agent.db')
    const failed = await glorious(['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'])
    assert.equal(failed.code, 1)
    assert.equal(
      failed.stderr,
      'error: skill "corpus": migration "009_category_attribute_config.sql" failed at statement 6 (line 24): ' +
        'no such column: "internal" - should this be a string literal in single-quotes? ' +
        'Nothing of this migration was applied: fix the file and run again.\n',
    )
    assert.deepEqual(appliedFiles(failed), files.slice(0, 8))
    assert.deepEqual(
      rows(db, 'SELECT version FROM _migrations ORDER BY 1').map((row) => row.version),
      [1, 2, 3, 4, 5, 6, 7, 8],
    )
    // What stays is exactly 001-008, as a run told to stop at 008 leaves it.
    const reference = join(dir, 'reference.db')
    const upTo8 = await glorious([
      'migrate',
      'run',
      SKILL,
      '--dir',
      migrations,
      '--db',
      reference,
      '--no-codegen',
      '--to',
      '8',
    ])
    assert.equal(upTo8.code, 0, upTo8.stderr)
    assert.equal(comparableDump(db), comparableDump(reference))

    const status = await glorious([
      'migrate',
      'status',
      '--json',
      '--skills',
      skillsFolderFor(dir, 'pingvinshare-sqlite'),
      '--db',
      db,
    ])
    assert.equal(status.code, 0, status.stderr)
    assert.deepEqual((JSON.parse(status.stdout) as StatusJson).skills, [
      {
        skill: SKILL,
        version: 8,
        migrations: 8,
        pending: files.length - 8,
        state: 'pending',
        drift: 'unchanged',
        problems: [],
      },
    ])

    const resumed = await glorious([
      'migrate',
      'run',
      SKILL,
      '--dir',
      migrations,
      '--db',
      db,
      '--no-codegen',
      '--load-extension',
      extension,
    ])
    assert.equal(resumed.code, 0, resumed.stderr)
    assert.deepEqual(appliedFiles(resumed), files.slice(8))
    assert.equal(schemaDump(db), readFileSync(join(CORPUS, 'pingvinshare-sqlite', 'expected-schema.sql'), 'utf8'))
  })
})

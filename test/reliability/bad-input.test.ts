/**
 * The bad-input catalogue: every way a user can hand the real CLI something wrong, one test each.
 * Each case asserts (a) exactly one line on stderr, an `error:` naming the problem, no stack
 * trace, and any `--option` it suggests really exists; (b) a non-zero exit code; (c) the
 * database exactly as before: file bytes, side files (`-wal`, `-shm`, …) and a full logical dump,
 * or, for a database that did not exist, exactly what the CLI leaves there.
 *
 * Most cases start from a copy of one base database on which the CLI applied the skill's first
 * two migrations; a case adds the bad file as migration 003 (or as a clashing 002).
 */
import assert from 'node:assert/strict'
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { type CliResult, OTHER_USER, glorious } from '../helpers/cli.js'
import { type DatabaseSnapshot, snapshotDatabase } from '../helpers/snapshot.js'
import { rows } from '../helpers/sqlite.js'
import { tempDir } from '../helpers/temp.js'

const SKILL = 'notes'
const BASE_MIGRATIONS: Record<string, string> = {
  '001_init.sql':
    '-- Notes and their bodies.\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n' +
    "INSERT INTO notes (body) VALUES ('first note; with a semicolon');\n",
  '002_add_labels.sql': 'CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n',
}

/** What each case (test) showed, for the figures line: every refusal of the case counts. */
interface CaseFigures {
  oneLineErrors: boolean
  nonZero: boolean
  databaseChanged: boolean
  byDesignExitZero: boolean
}
const cases = new Map<string, CaseFigures>()
let currentCase = ''

function caseFigures(): CaseFigures {
  let figures = cases.get(currentCase)
  if (!figures) {
    figures = { oneLineErrors: true, nonZero: true, databaseChanged: false, byDesignExitZero: false }
    cases.set(currentCase, figures)
  }
  return figures
}

let root = ''
let baseDb = ''

/** The shared base: a database on which the CLI applied the base migrations. */
function setUp(): void {
  root = tempDir('glorious-bad-input-')
  chmodSync(root, 0o755) // the permission cases run the CLI as another user
  before(async () => {
    const base = join(root, 'base')
    mkdirSync(join(base, 'migrations'), { recursive: true })
    for (const [name, text] of Object.entries(BASE_MIGRATIONS)) writeFileSync(join(base, 'migrations', name), text)
    baseDb = join(base, 'agent.db')
    const result = await glorious([
      'migrate',
      'run',
      SKILL,
      '--dir',
      join(base, 'migrations'),
      '--db',
      baseDb,
      '--no-codegen',
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(rows(baseDb, 'SELECT version FROM _migrations ORDER BY 1'), [{ version: 1 }, { version: 2 }])
  })
  beforeEach((t) => {
    currentCase = t.name
  })
  after(() => {
    const all = [...cases.values()]
    const count = (key: keyof CaseFigures) => all.filter((figures) => figures[key]).length
    const refusals = all.filter((figures) => !figures.byDesignExitZero)
    console.log(
      `bad input: ${all.length} cases, ${refusals.filter((f) => f.oneLineErrors).length} one-line errors, ` +
        `${refusals.filter((f) => f.nonZero).length} non-zero exits, ${count('databaseChanged')} databases changed, ` +
        `${count('byDesignExitZero')} exit 0 by design (description slugged)`,
    )
  })
}

let caseNumber = 0

/** A folder for one case: the base migrations plus `files`, and a copy of the base database. */
function workspace(files: Record<string, string | Buffer> = {}) {
  const dir = join(root, `case-${++caseNumber}`)
  const migrations = join(dir, 'migrations')
  mkdirSync(migrations, { recursive: true })
  chmodSync(dir, 0o755)
  for (const [name, text] of Object.entries({ ...BASE_MIGRATIONS, ...files }))
    writeFileSync(join(migrations, name), text)
  const db = join(dir, 'agent.db')
  copyFileSync(baseDb, db)
  const run = (...extra: string[]) =>
    glorious(['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen', ...extra])
  return { dir, migrations, db, run }
}

const helpTexts = new Map<string, string>()

/** Every `--option` a message suggests must be one the command accepts. */
async function assertSuggestedOptionsExist(command: string, line: string): Promise<void> {
  const suggested = [...line.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0])
  if (suggested.length === 0) return
  let help = helpTexts.get(command)
  if (help === undefined) {
    help = (await glorious(['migrate', command, '--help'])).stdout
    helpTexts.set(command, help)
  }
  for (const option of suggested) {
    assert.ok(
      new RegExp(`(^|[\\s,])${option}(?![\\w-])`, 'm').test(help),
      `the message suggests ${option}, which "glorious migrate ${command}" does not accept:\n${line}`,
    )
  }
}

interface Refusal {
  /** `glorious` arguments. */
  readonly args: readonly string[]
  /** The database path whose state must not change. */
  readonly db: string
  /** Expected exit code. */
  readonly code: number
  /** The parts of the one error line that name the problem. */
  readonly message: readonly RegExp[]
  readonly asOtherUser?: boolean
  /** Runs after the CLI exits and before the database is compared (e.g. to release a lock). */
  readonly during?: () => Promise<void>
  /** The state to compare with, when it must be taken before the case's own set-up (a lock holder). */
  readonly before?: DatabaseSnapshot
}

/**
 * Runs the CLI and asserts one error line, the exit code, and an unchanged database (bytes, side
 * files, full dump). Figures are counted before asserting, so a failing case still counts.
 */
async function expectRefusal(refusal: Refusal): Promise<{ result: CliResult; before: DatabaseSnapshot; line: string }> {
  const before = refusal.before ?? snapshotDatabase(refusal.db)
  const result = await glorious(refusal.args, { asOtherUser: refusal.asOtherUser ?? false })
  await refusal.during?.()
  // Read-only connections leave nothing beside the database either: no -wal, no -shm.
  const afterRun = snapshotDatabase(refusal.db)
  const lines = result.stderr.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1)
  const figures = caseFigures()
  if (lines.length !== 1 || !lines[0]?.startsWith('error: ') || /^\s+at /m.test(result.stderr))
    figures.oneLineErrors = false
  if (result.code === 0) figures.nonZero = false
  if (JSON.stringify(afterRun) !== JSON.stringify(before)) figures.databaseChanged = true

  assert.equal(result.code, refusal.code, `exit code\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${result.stderr}`)
  const line = lines[0] as string
  assert.match(line, /^error: \S/)
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace')
  for (const part of refusal.message) assert.match(line, part)
  await assertSuggestedOptionsExist(String(refusal.args[1]), line)
  assert.deepEqual(afterRun, before, 'the database (bytes, side files, full dump) is exactly as before')
  return { result, before, line }
}

/** For a new database path, the CLI refuses a folder with a bad file in it without creating the database. */
async function assertFreshDatabaseNotCreated(migrations: string, dir: string): Promise<void> {
  const fresh = join(dir, 'fresh.db')
  const result = await glorious(['migrate', 'run', SKILL, '--dir', migrations, '--db', fresh, '--no-codegen'])
  assert.equal(result.code, 1)
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
  const snapshot = snapshotDatabase(fresh)
  assert.equal(snapshot.exists, false, 'run checks the files before it would create the database')
  assert.deepEqual(snapshot.files, [], 'no database and no side files')
}

/** Overwrites `length` bytes from `offset` with garbage (always the same bytes). */
function overwrite(path: string, offset: number, length: number): void {
  const garbage = Buffer.alloc(length)
  for (let i = 0; i < length; i++) garbage[i] = (i * 131 + 0xa5) & 0xff
  const fd = openSync(path, 'r+')
  try {
    writeSync(fd, garbage, 0, length, offset)
  } finally {
    closeSync(fd)
  }
}

describe('bad-input catalogue', () => {
  setUp()

  describe('bad migration files', () => {
    it('a file name that does not match {version}_{description}.sql', async () => {
      const { db, migrations, dir } = workspace({ 'add_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n' })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /skill "notes"/,
          /migration file name "add_tags\.sql" is invalid \(the name must start with a version number\)/,
          /rename it to \{version\}_\{description\}\.sql/,
        ],
      })
      await assertFreshDatabaseNotCreated(migrations, dir)
    })

    it('a duplicate version (a merge brings 002_add_tags.sql next to the applied 002_add_labels.sql)', async () => {
      const { db, migrations, dir } = workspace({ '002_add_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n' })
      await assertFreshDatabaseNotCreated(migrations, dir)
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /skill "notes": migration files "002_add_labels\.sql" and "002_add_tags\.sql" both have version 2: renumber one of them/,
        ],
      })
    })

    it('version 0', async () => {
      const { db, migrations, dir } = workspace({
        '000_bootstrap.sql': 'CREATE TABLE boot (id INTEGER PRIMARY KEY);\n',
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /migration file name "000_bootstrap\.sql" is invalid \(version 0 is not allowed, versions start at 1\)/,
        ],
      })
      await assertFreshDatabaseNotCreated(migrations, dir)
    })

    it('bytes that are not UTF-8 (Latin-1 text)', async () => {
      const text = Buffer.concat([
        Buffer.from("INSERT INTO notes (body) VALUES ('caf"),
        Buffer.from([0xe9]), // é in Latin-1
        Buffer.from("');\n"),
      ])
      const { db, migrations } = workspace({ '003_cafe.sql': text })
      const { result } = await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /skill "notes": migration file "003_cafe\.sql" is not valid UTF-8 \(first bad byte near offset 37\): re-save it as UTF-8/,
        ],
      })
      assert.equal(text.indexOf(0xe9), 37)
      assert.match(result.stdout, /No migrations applied; 1 skill stopped with errors/)
    })

    it('a binary file (a PNG named .sql)', async () => {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
        Buffer.from('IHDR'),
        Buffer.alloc(64, 7),
      ])
      const { db, migrations } = workspace({ '003_logo.sql': png })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [/migration file "003_logo\.sql" contains a NUL byte at offset 8, so it is binary, not SQL text/],
      })
    })

    it('a UTF-16 file (as Windows editors save "Unicode")', async () => {
      const text = "INSERT INTO notes (body) VALUES ('café');\r\n"
      const { db, migrations } = workspace({
        '003_cafe.sql': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [/migration file "003_cafe\.sql" is UTF-16 \(little-endian\) text, not UTF-8: save it as UTF-8/],
      })
    })

    it('a FIFO named like a migration (reading it would wait forever)', async () => {
      const { db, migrations } = workspace()
      execFileSync('mkfifo', [join(migrations, '003_pipe.sql')])
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [/migration file "003_pipe\.sql" is a FIFO \(named pipe\), not a regular file, so it was not read/],
      })
    })

    it('a .sql symbolic link to /dev/zero (reading it would never end)', async () => {
      const { db, migrations } = workspace()
      symlinkSync('/dev/zero', join(migrations, '003_zero.sql'))
      for (const command of [['run'], ['run', '--dry-run']]) {
        await expectRefusal({
          args: ['migrate', ...command, SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
          db,
          code: 1,
          message: [/migration file "003_zero\.sql" is a character device, not a regular file, so it was not read/],
        })
      }
    })

    it('a 50 MB file, above the default 16 MiB limit', async () => {
      const statement = "INSERT INTO notes (body) VALUES ('padding padding padding padding');\n"
      const size = 50 * 1024 * 1024
      const { db, migrations } = workspace()
      writeFileSync(join(migrations, '003_huge.sql'), Buffer.alloc(size, statement))
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /migration file "003_huge\.sql" is 50\.0 MiB, above the 16\.0 MiB limit for one migration: split it into several migrations/,
        ],
      })
    })

    for (const [label, filename, text] of [
      ['an empty file', '003_empty.sql', ''],
      [
        'a file of only comments',
        '003_comments.sql',
        '-- Nothing to do yet; the table comes later.\n/* a block\n   comment */\n',
      ],
    ] as const) {
      it(`${label}: valid by spec; --strict refuses it and changes nothing, a plain run records it with a warning`, async () => {
        const plain = workspace({ [filename]: text })
        const recorded = await plain.run()
        assert.equal(recorded.code, 0, recorded.stderr)
        assert.equal(
          recorded.stderr,
          `warning: skill "notes": migration "${filename}" has no SQL statements (empty or only comments); it is recorded as applied\n`,
        )
        assert.match(recorded.stdout, new RegExp(`^applied {2}notes {2}${filename} {2}0 statements, `))
        assert.deepEqual(rows(plain.db, 'SELECT version, filename FROM _migrations ORDER BY 1'), [
          { version: 1, filename: '001_init.sql' },
          { version: 2, filename: '002_add_labels.sql' },
          { version: 3, filename },
        ])

        const strict = workspace({ [filename]: text })
        await expectRefusal({
          args: ['migrate', 'run', SKILL, '--dir', strict.migrations, '--db', strict.db, '--no-codegen', '--strict'],
          db: strict.db,
          code: 1,
          message: [
            new RegExp(
              `--strict: skill "notes": migration "${filename}" has no SQL statements \\(empty or only comments\\)`,
            ),
          ],
        })
      })
    }

    it('an unterminated string', async () => {
      const { db, migrations } = workspace({
        '003_tags.sql':
          "INSERT INTO labels (name) VALUES ('it''s fine');\n\nINSERT INTO labels (name) VALUES ('oops);\n",
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [/skill "notes": migration "003_tags\.sql" line 3: string literal is not closed: fix the file/],
      })
    })

    it('an unterminated block comment', async () => {
      const { db, migrations } = workspace({
        '003_tags.sql':
          'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n/* TODO: more tables;\nCREATE TABLE more (id INTEGER);\n',
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [/migration "003_tags\.sql" line 2: comment "\/\*" is not closed by "\*\/": fix the file/],
      })
    })

    it('a syntax error (after a statement that succeeds)', async () => {
      const { db, migrations } = workspace({
        '003_tags.sql':
          "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO notes (body) VALUES ('x');\nCREATE TABLEE oops (x);\n",
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /skill "notes": migration "003_tags\.sql" failed at statement 3 \(line 3\): near "TABLEE": syntax error\. Nothing of this migration was applied/,
        ],
      })
    })

    it('a migration that touches _migrations', async () => {
      const { db, migrations } = workspace({
        '003_cleanup.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\nDELETE FROM _migrations WHERE version = 2;\n',
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /migration "003_cleanup\.sql" statement 2 \(line 2\) refers to "_migrations", the toolkit's own bookkeeping table/,
        ],
      })
    })

    it('a migration that touches _migration_objects (quoted)', async () => {
      const { db, migrations } = workspace({
        '003_own.sql': `INSERT INTO "_migration_objects" (object_name, object_type, skill_name, version) VALUES ('notes', 'table', 'thief', 3);\n`,
      })
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          /migration "003_own\.sql" statement 1 \(line 1\) refers to "_migration_objects", the toolkit's own bookkeeping table/,
        ],
      })
    })
  })

  describe('bad skill names and descriptions', () => {
    for (const [label, name, shown] of [
      [
        'a skill name with ../',
        '../evil',
        /invalid skill name "\.\.\/evil": use 1-64 letters, digits, "_" or "-", starting with a letter or digit/,
      ],
      [
        'a skill name with quotes',
        `it's "quoted"`,
        /invalid skill name "it's \\"quoted\\"": use 1-64 letters, digits, "_" or "-"/,
      ],
    ] as const) {
      it(`${label}: refused by create and by run --dir; nothing written`, async () => {
        const { dir, migrations, db } = workspace()
        const target = join(dir, 'new-skill', 'migrations')
        const created = await expectRefusal({
          args: ['migrate', 'create', name, 'add tags', '--dir', target],
          db,
          code: 1,
          message: [shown],
        })
        assert.equal(created.result.stdout, '')
        assert.equal(existsSync(join(dir, 'new-skill')), false, 'create made no folder')
        assert.deepEqual(readdirSync(migrations).sort(), Object.keys(BASE_MIGRATIONS))

        await expectRefusal({
          args: ['migrate', 'run', name, '--dir', migrations, '--db', db, '--no-codegen'],
          db,
          code: 1,
          message: [shown],
        })
        const fresh = join(dir, 'fresh.db')
        await expectRefusal({
          args: ['migrate', 'run', name, '--dir', migrations, '--db', fresh, '--no-codegen'],
          db: fresh,
          code: 1,
          message: [shown],
        })
        assert.equal(existsSync(fresh), false, 'a run refused for its skill name does not create the database')
      })
    }

    it('a description with "/" is slugged (exit 0 by design): the file stays in the migrations folder', async () => {
      const { dir, migrations, db } = workspace()
      const before = snapshotDatabase(db)
      const listing = (folder: string) => readdirSync(folder, { recursive: true }).map(String).sort()
      const rootBefore = listing(root)
      const created = await glorious(['migrate', 'create', SKILL, '../../outside/escape', '--dir', migrations])
      caseFigures().byDesignExitZero = true
      assert.equal(created.code, 0, created.stderr)
      assert.equal(created.stderr, '')
      assert.equal(created.stdout, `${join(migrations, '003_outside_escape.sql')}\n`)
      assert.deepEqual(readdirSync(migrations).sort(), [...Object.keys(BASE_MIGRATIONS), '003_outside_escape.sql'])
      const added = listing(root).filter((path) => !rootBefore.includes(path))
      assert.deepEqual(
        added,
        [join(`case-${caseNumber}`, 'migrations', '003_outside_escape.sql')],
        'nothing else appeared anywhere',
      )
      assert.equal(existsSync(join(dir, '..', '..', 'outside')), false)
      assert.match(
        readFileSync(join(migrations, '003_outside_escape.sql'), 'utf8'),
        /^-- Migration: \.\.\/\.\.\/outside\/escape\n-- Skill: notes\n-- Version: 3\n/,
      )
      assert.deepEqual(snapshotDatabase(db), before, 'create never touches the database')

      const onlySlashes = await glorious(['migrate', 'create', SKILL, '/../', '--dir', migrations])
      assert.equal(onlySlashes.code, 2)
      assert.equal(
        onlySlashes.stderr,
        'error: description "/../" has no letters or digits: describe the change, e.g. "add user preferences"\n',
      )
    })
  })

  describe('bad folders, skill.json files and option values', () => {
    it('a --dir that does not exist (a typo must not look like "up to date")', async () => {
      const { dir, db } = workspace()
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', join(dir, 'migratons'), '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [new RegExp(`migrations folder ${join(dir, 'migratons')} does not exist: check the path \\(--dir\\)`)],
      })
      assert.equal(existsSync(join(dir, 'migratons')), false)
    })

    it('a --skills folder that does not exist', async () => {
      const { dir, db } = workspace()
      const { result } = await expectRefusal({
        args: ['migrate', 'run', '--skills', join(dir, 'skils'), '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [new RegExp(`skills folder ${join(dir, 'skils')} does not exist: check --skills`)],
      })
      assert.doesNotMatch(result.stdout, /up to date/)
    })

    it('a skill.json that is not valid JSON, beside a skill that is up to date', async () => {
      const { dir, migrations, db } = workspace()
      const skills = join(dir, 'skills')
      mkdirSync(join(skills, 'notes'), { recursive: true })
      writeFileSync(join(skills, 'notes', 'skill.json'), '{"name": "notes"}')
      execFileSync('cp', ['-r', migrations, join(skills, 'notes', 'migrations')])
      mkdirSync(join(skills, 'broken'))
      writeFileSync(join(skills, 'broken', 'skill.json'), '{"name": "broken",')
      const { result } = await expectRefusal({
        args: ['migrate', 'run', '--skills', skills, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [new RegExp(`${join(skills, 'broken', 'skill.json')} is not valid JSON \\(.+\\): fix the file`)],
      })
      assert.match(result.stdout, /^No migrations applied; 1 skill folder could not be read/)
    })

    for (const [label, args, message] of [
      [
        'a negative --lock-timeout',
        ['run', '--lock-timeout', '-1'],
        /--lock-timeout must be a whole number of milliseconds ≥ 0/,
      ],
      [
        'a --max-file-size of 0',
        ['run', '--max-file-size', '0'],
        /--max-file-size must be a whole number of bytes ≥ 1, got "0"/,
      ],
      ['a --to that is not a number', ['run', '--to', 'latest'], /--to must be a whole number ≥ 1, got "latest"/],
    ] as const) {
      it(`${label}: a usage error (exit 2) naming the flag`, async () => {
        const { migrations, db } = workspace({ '003_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n' })
        await expectRefusal({
          args: ['migrate', args[0], SKILL, ...args.slice(1), '--dir', migrations, '--db', db, '--no-codegen'],
          db,
          code: 2,
          message: [message],
        })
      })
    }
  })

  describe('bad database paths and files', () => {
    it('a database path in a folder that does not exist', async () => {
      const { dir, migrations } = workspace()
      const db = join(dir, 'missing', 'deeper', 'agent.db')
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          new RegExp(
            `database ${db} cannot be created: folder ${join(dir, 'missing', 'deeper')} does not exist: create the folder first, or choose another --db`,
          ),
        ],
      })
      assert.equal(existsSync(join(dir, 'missing')), false, 'no folder was made')
    })

    it('a database path in a read-only folder (run as another user)', async () => {
      const { dir, migrations } = workspace()
      const folder = join(dir, 'readonly')
      mkdirSync(folder)
      if (OTHER_USER.uid !== undefined) chownSync(folder, OTHER_USER.uid, OTHER_USER.gid ?? OTHER_USER.uid)
      chmodSync(folder, 0o555)
      const db = join(folder, 'agent.db')
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [new RegExp(`database ${db} cannot be opened: check that its folder exists and is writable`)],
        asOtherUser: true,
      })
      assert.deepEqual(readdirSync(folder), [])
    })

    it("a read-only database file (the user's own, chmod 444; run as that user)", async () => {
      const { dir, migrations } = workspace({ '003_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n' })
      const folder = join(dir, 'own')
      mkdirSync(folder)
      const db = join(folder, 'agent.db')
      copyFileSync(baseDb, db)
      if (OTHER_USER.uid !== undefined) {
        chownSync(folder, OTHER_USER.uid, OTHER_USER.gid ?? OTHER_USER.uid)
        chownSync(db, OTHER_USER.uid, OTHER_USER.gid ?? OTHER_USER.uid)
      }
      chmodSync(folder, 0o755)
      chmodSync(db, 0o444)
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          new RegExp(
            `database ${db} is read-only for this process: make the file and its folder writable by this user`,
          ),
        ],
        asOtherUser: true,
      })
      // Following the hint must be enough.
      chmodSync(db, 0o644)
      const again = await glorious(['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'], {
        asOtherUser: true,
      })
      assert.equal(again.code, 0, `after chmod u+w the run works\n${again.stderr}`)
    })

    it('a file that is not a database', async () => {
      const { dir, migrations } = workspace()
      const db = join(dir, 'notes.txt')
      writeFileSync(db, 'Shopping list:\n- milk\n- a database, apparently\n'.repeat(200))
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          new RegExp(`database ${db} is not a SQLite database: check the path \\(--db\\); nothing was changed`),
        ],
      })
    })

    it('a database locked by another process past --lock-timeout', async () => {
      const { db, migrations } = workspace({ '003_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n' })
      const before = snapshotDatabase(db)
      const driver = createRequire(import.meta.url).resolve('better-sqlite3')
      const holder: ChildProcessWithoutNullStreams = spawn(
        process.execPath,
        [
          '-e',
          `const D = require(${JSON.stringify(driver)}); const d = new D(${JSON.stringify(db)});` +
            `d.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n');` +
            `process.stdin.once('data', () => { d.exec('ROLLBACK'); d.close(); process.exit(0) })`,
        ],
        { stdio: 'pipe' },
      )
      const exited = new Promise((resolve) => holder.once('exit', resolve))
      await new Promise((resolve, reject) => {
        holder.stdout.once('data', resolve)
        holder.once('exit', () => reject(new Error('the lock holder exited early')))
      })
      // Never leave the holder waiting for a release that will not come: it would keep the test alive.
      const safety = setTimeout(() => holder.kill('SIGKILL'), 30_000)
      try {
        const started = Date.now()
        await expectRefusal({
          args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen', '--lock-timeout', '300'],
          db,
          code: 1,
          message: [
            new RegExp(
              `database ${db} stayed locked by another process for 300 ms: wait for it to finish and run again, or raise the lock timeout`,
            ),
          ],
          before,
          during: async () => {
            holder.stdin.write('release\n')
            await exited
          },
        })
        assert.ok(Date.now() - started >= 300, 'it waited for the lock')
      } finally {
        clearTimeout(safety)
        if (holder.exitCode === null) holder.kill('SIGKILL')
      }
    })

    it('a corrupt database: page 1 overwritten past the 100-byte header', async () => {
      const { db, migrations } = workspace({ '003_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n' })
      overwrite(db, 100, readFileSync(db).length - 100)
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [
          new RegExp(
            `database ${db} is corrupt \\(database disk image is malformed\\): restore it from a backup; .*nothing was changed`,
          ),
        ],
      })
    })

    /** A copy of the base database with 3000 notes, whose table pages are then overwritten. */
    function damagedNotes(db: string): void {
      const handle = new Database(db)
      const insert = handle.prepare('INSERT INTO notes (body) VALUES (?)')
      handle.transaction(() => {
        for (let i = 0; i < 3000; i++) insert.run(`note ${i} ${'x'.repeat(40)}`)
      })()
      const { rootpage } = handle.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'notes'`).get() as {
        rootpage: number
      }
      const pageSize = handle.pragma('page_size', { simple: true }) as number
      handle.close()
      overwrite(db, (rootpage - 1) * pageSize, pageSize)
    }

    it("a corrupt database: a table's pages overwritten, and a migration that reads that table", async () => {
      const { db, migrations } = workspace({
        '003_count.sql': 'CREATE TABLE counts AS SELECT count(*) AS n FROM notes;\n',
      })
      damagedNotes(db)
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [new RegExp(`database ${db} is corrupt \\(.+\\): restore it from a backup; .*nothing was changed`)],
      })
    })

    it("a corrupt database: a table's pages overwritten, and a migration that does not read that table", async () => {
      const { db, migrations } = workspace({
        '003_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\n',
      })
      damagedNotes(db)
      await expectRefusal({
        args: ['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen'],
        db,
        code: 1,
        message: [new RegExp(`database ${db} is corrupt \\(.+\\): restore it from a backup; .*nothing was changed`)],
      })
    })
  })
})

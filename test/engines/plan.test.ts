/**
 * The plan (`run --dry-run`) on each engine: per migration the runner's strategy and whether it
 * is atomic, its statements (index, line, first line) and the locks they take with what those
 * block; through the library and through the CLI (text and `--json`), changing nothing.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createMigrator, planDryRun } from '../../lib/index.js'
import { glorious } from '../helpers/cli.js'
import { ENGINES, type EngineName } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

/** An applied first migration, and what each engine's plan is about. */
const FILES: Readonly<Record<EngineName, Record<string, string>>> = {
  sqlite: {
    '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);',
    '002_pinned.sql':
      'ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\n\nCREATE INDEX notes_pinned ON notes (pinned);',
    '003_vacuum.sql': '-- glorious:no-transaction\nVACUUM;',
  },
  postgres: {
    '001_notes.sql':
      'CREATE TABLE authors (id bigint PRIMARY KEY);\nCREATE TABLE notes (id bigint PRIMARY KEY, author_id bigint, body text);',
    '002_pinned.sql': [
      'ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;',
      '',
      'CREATE INDEX notes_pinned ON notes (pinned);',
      'ALTER TABLE notes ADD CONSTRAINT notes_author',
      '  FOREIGN KEY (author_id) REFERENCES authors (id) NOT VALID;',
    ].join('\n'),
    '003_concurrently.sql': 'CREATE INDEX CONCURRENTLY notes_body ON notes (body);',
  },
  mysql: {
    '001_notes.sql': 'CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100));',
    '002_pinned.sql':
      "ALTER TABLE notes ADD COLUMN pinned TINYINT NOT NULL DEFAULT 0, ALGORITHM=INSTANT;\n\nUPDATE notes SET pinned = 1 WHERE body LIKE '%!%';",
    '003_data.sql': "INSERT INTO notes (id, body) VALUES (1, 'hello');",
  },
}

for (const engine of ENGINES) {
  describe(`plan on ${engine.name}`, () => {
    async function setUp() {
      const db = await engine.create()
      const dir = migrationsDir(tempDir(), FILES[engine.name])
      const migrator = createMigrator({ database: db.database, skill: 'notes', migrationsDir: dir, codegen: false })
      await migrator.migrateTo(1)
      await migrator.destroy()
      return { db, dir }
    }

    it('gives each pending migration its strategy, statements and locks, and changes nothing', async () => {
      const { db, dir } = await setUp()
      const before = await db.dump()
      const plan = await planDryRun([{ name: 'notes', migrationsDir: dir }], { database: db.database })
      assert.deepEqual(plan.problems, [])
      assert.equal(await db.dump(), before)
      const [second, third] = plan.migrations
      assert.deepEqual(
        plan.migrations.map((m) => m.filename),
        Object.keys(FILES[engine.name]).slice(1),
      )
      // Statements: their index, the line they start on, their first line.
      assert.deepEqual(
        second?.steps.slice(0, 2).map((step) => [step.index, step.line]),
        [
          [1, 1],
          [2, 3],
        ],
      )
      assert.match(second?.steps[0]?.summary ?? '', /^ALTER TABLE notes ADD COLUMN pinned /)
      const locks = second?.steps.map((step) => step.locks.map((lock) => `${lock.mode} on ${lock.on}: ${lock.blocks}`))
      if (engine.name === 'sqlite') {
        assert.equal(second?.strategy, 'transactional-batch')
        assert.match(second?.transaction ?? '', /^atomic: in a savepoint of the run's one transaction/)
        assert.match(third?.transaction ?? '', /^not atomic: .* as the file asks \(-- glorious:no-transaction\)/)
        assert.deepEqual(locks, [[], []])
        assert.deepEqual(
          plan.runLocks.map((lock) => `${lock.mode}: ${lock.blocks}`),
          ['database write lock: blocks other writers of the database for the run; readers continue (WAL)'],
        )
      } else if (engine.name === 'postgres') {
        assert.equal(second?.strategy, 'per-migration-transaction')
        assert.match(second?.transaction ?? '', /^atomic: in a transaction of its own .* held until it commits/)
        assert.equal(third?.mode, 'no-transaction')
        assert.match(
          third?.transaction ?? '',
          /^not atomic: .* chosen automatically because its statements cannot run inside one/,
        )
        assert.deepEqual(locks, [
          ['ACCESS EXCLUSIVE on notes: blocks reads and writes on notes'],
          ['SHARE on notes: blocks writes on notes'],
          [
            'SHARE ROW EXCLUSIVE on notes: blocks writes on notes',
            'SHARE ROW EXCLUSIVE on authors: blocks writes on authors',
          ],
        ])
        assert.deepEqual(
          third?.steps[0]?.locks.map((lock) => lock.mode),
          ['SHARE UPDATE EXCLUSIVE'],
        )
        assert.deepEqual(plan.runLocks, [])
        assert.match(plan.lockNotes.join('\n'), /lock_timeout/)
      } else {
        assert.equal(second?.strategy, 'statement-progress')
        assert.match(
          second?.transaction ?? '',
          /^not atomic: statement by statement with its progress recorded .* 1 of its 2 statements commits implicitly/,
        )
        assert.deepEqual(
          second?.steps.map((step) => step.commitsImplicitly),
          [true, false],
        )
        assert.equal(second?.steps[0]?.locks[0]?.detail, 'ALGORITHM=INSTANT')
        assert.deepEqual(locks, [
          ['metadata lock (exclusive) on notes: blocks reads and writes on notes only briefly, at its start and end'],
          [
            'metadata lock (shared) + row locks on notes: blocks DDL on notes, and writes to the rows it changes until it commits',
          ],
        ])
        assert.equal(third?.mode, 'transaction')
        assert.match(third?.transaction ?? '', /^atomic: only statements that do not commit implicitly \(DML\)/)
      }
    })

    it('run --dry-run prints each migration with its statements and locks; --json carries the same', async () => {
      const { db, dir } = await setUp()
      const before = await db.dump()
      const text = await glorious(['migrate', 'run', 'notes', '--dir', dir, '--dry-run', ...db.cliArgs])
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, /^skill {2}migration +statements {2}transaction\n/)
      assert.match(
        text.stdout,
        /\nnotes 002_pinned\.sql \((transactional-batch|per-migration-transaction|statement-progress)\): /,
      )
      assert.match(text.stdout, /\n {2}# {2}line {2}statement/)
      assert.match(text.stdout, /\n {2}1 {5}1 {2}ALTER TABLE notes ADD COLUMN pinned /)
      assert.match(text.stdout, /Dry run: 2 migrations would be applied; nothing was changed/)
      if (engine.name === 'postgres') {
        assert.match(text.stdout, /ACCESS EXCLUSIVE on notes: blocks reads and writes on notes/)
        assert.match(text.stdout, /SHARE ROW EXCLUSIVE on authors: blocks writes on authors/)
      } else if (engine.name === 'sqlite') {
        assert.match(text.stdout, /\nLock for the run: database write lock: blocks other writers/)
      } else {
        assert.match(text.stdout, /metadata lock \(exclusive\) on notes: .*\(ALGORITHM=INSTANT\)/)
        assert.match(text.stdout, /commits +locks\n/)
      }
      const json = await glorious(['migrate', 'run', 'notes', '--dir', dir, '--dry-run', '--json', ...db.cliArgs])
      assert.equal(json.code, 0, json.stderr)
      const document = JSON.parse(json.stdout)
      assert.equal(document.dryRun, true)
      const [second] = document.migrations
      assert.equal(second.filename, '002_pinned.sql')
      assert.equal(typeof second.strategy, 'string')
      assert.match(second.transaction, /atomic/)
      assert.equal(second.steps[1].line, 3)
      const expectedLocks =
        engine.name === 'postgres'
          ? [{ mode: 'ACCESS EXCLUSIVE', on: 'notes', blocks: 'blocks reads and writes on notes', detail: null }]
          : engine.name === 'mysql'
            ? [
                {
                  mode: 'metadata lock (exclusive)',
                  on: 'notes',
                  blocks: 'blocks reads and writes on notes only briefly, at its start and end',
                  detail: 'ALGORITHM=INSTANT',
                },
              ]
            : []
      assert.deepEqual(
        second.steps[0].locks.map(({ text: _text, ...lock }: Record<string, unknown>) => lock),
        expectedLocks,
      )
      assert.equal(document.runLocks.length, engine.name === 'sqlite' ? 1 : 0)
      assert.equal(await db.dump(), before, 'a dry run changes nothing')
    })

    if (engine.name === 'postgres') {
      it('without libpg-query installed, prints the plan without locks and says why', async () => {
        const { db, dir } = await setUp()
        const hook = fileURLToPath(new URL('../../../test/helpers/hide-module-hook.mjs', import.meta.url))
        const result = await glorious(['migrate', 'run', 'notes', '--dir', dir, '--dry-run', ...db.cliArgs], {
          env: { NODE_OPTIONS: `--import ${hook}`, GLORIOUS_TEST_HIDE_MODULES: 'libpg-query' },
        })
        assert.equal(result.code, 0, result.stderr)
        assert.match(result.stdout, /\n {2}1 {5}1 {2}ALTER TABLE notes ADD COLUMN pinned /)
        assert.doesNotMatch(result.stdout, /ACCESS EXCLUSIVE/)
        assert.match(result.stdout, /Note: locks not shown: libpg-query \(PostgreSQL's parser\) is not installed/)
      })
    }
  })
}

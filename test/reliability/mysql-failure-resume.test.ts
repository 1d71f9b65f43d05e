/**
 * Failure mid-file with resume on MariaDB, through the real CLI. A migration that mixes DDL
 * (which MariaDB commits implicitly) and DML runs statement by statement with its progress in the
 * ledger. When statement k of n fails:
 *
 * - exit 1, one error line naming skill, file, "statement k of n", line and the server's message;
 *   the later files are not attempted;
 * - the database holds exactly statements 1…k−1 (schema and a side-effect table);
 * - `status` and `history` say "failed at statement k of n";
 * - editing a statement j < k instead is refused with an explanation, exit 1, nothing changed;
 * - fixing statement k resumes at k: statements before it do not run again (the side effects
 *   are there once), and the result equals a clean run of the fixed file.
 *
 * Cases: k = 1 (nothing applied yet), 2 (a DML statement), 3 (a DDL statement spanning lines),
 * n (the last, without a final ";"); a DML-only migration (one transaction, all or nothing); and
 * the `accept --as pending | applied` ways out, one CLI round trip each.
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CliResult, glorious } from '../helpers/cli.js'
import { type MysqlDatabase, freshDatabase, requireMysqlServer } from '../helpers/mysql-server.js'
import { tempDir } from '../helpers/temp.js'

const SKILL = 'shop'
const FILE = '002_stock.sql'
const BASE = 'CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40) NOT NULL);\n'
const LATER = 'CREATE TABLE later (id INT PRIMARY KEY);\n'

/** The statements of 002, each good and broken (a missing table), with the file line it starts on. */
interface Statement {
  readonly good: string
  readonly bad: string
  readonly line: number
  /** The side-effect note it inserts (DML), if any. */
  readonly note?: string
}
const STATEMENTS: readonly Statement[] = [
  { line: 2, good: 'CREATE TABLE stock (id INT PRIMARY KEY);', bad: 'ALTER TABLE missing_1 ADD COLUMN x INT;' },
  {
    line: 3,
    note: 'second',
    good: "INSERT INTO events (note) VALUES ('second');",
    bad: "INSERT INTO missing_2 (note) VALUES ('second');",
  },
  {
    line: 5,
    good: 'ALTER TABLE stock\n  ADD COLUMN qty INT NOT NULL DEFAULT 0;',
    bad: 'ALTER TABLE missing_3\n  ADD COLUMN qty INT NOT NULL DEFAULT 0;',
  },
  {
    line: 7,
    note: 'fourth',
    good: "INSERT INTO events (note) VALUES ('fourth');",
    bad: "INSERT INTO missing_4 (note) VALUES ('fourth');",
  },
  // The last statement has no final ";".
  { line: 8, good: 'CREATE INDEX stock_qty ON stock (qty)', bad: 'CREATE INDEX stock_qty ON missing_5 (qty)' },
]
const N = STATEMENTS.length

/** The file with statement `failing` broken (0: none) and statement `edited` changed (0: none). */
function fileText(failing: number, edited = 0): string {
  const text = (i: number) => {
    const statement = STATEMENTS[i - 1] as Statement
    if (i === failing) return statement.bad
    if (i === edited)
      return statement.good.replace('(id INT PRIMARY KEY)', '(id BIGINT PRIMARY KEY)').replace("'", "'edited ")
    return statement.good
  }
  // Line 1 is a comment; statement 3 spans lines 5-6 after a blank line 4.
  return `-- Stock: DDL and DML mixed.\n${text(1)}\n${text(2)}\n\n${text(3)}\n${text(4)}\n${text(5)}`
}

const figures = { cases: 0, exactError: 0, stateExplained: 0, statusShown: 0, refusals: 0, resumed: 0, identical: 0 }

interface Workspace {
  readonly db: MysqlDatabase
  readonly skills: string
  readonly migrations: string
  run(...extra: string[]): Promise<CliResult>
  cli(...args: string[]): Promise<CliResult>
}

async function workspace(purpose: string, files: Record<string, string>): Promise<Workspace> {
  const db = await freshDatabase(purpose)
  const skills = join(tempDir('glorious-my-resume-'), 'skills')
  const folder = join(skills, SKILL)
  const migrations = join(folder, 'migrations')
  mkdirSync(migrations, { recursive: true })
  writeFileSync(join(folder, 'skill.json'), JSON.stringify({ name: SKILL }))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(migrations, name), text)
  const cli = (...args: string[]) => glorious([...args, '--url', db.url])
  return {
    db,
    skills,
    migrations,
    cli,
    run: (...extra) => cli('migrate', 'run', '--skills', skills, '--no-codegen', ...extra),
  }
}

/** What 001 and 002 made: their tables and side effects (the toolkit's tables and 003's left out). */
async function userState(db: MysqlDatabase): Promise<string> {
  const tables = await db.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_migration%' AND TABLE_NAME <> 'later' ORDER BY 1`,
  )
  const lines: string[] = []
  for (const { name } of tables) {
    const [created] = await db.query(`SHOW CREATE TABLE \`${String(name)}\``)
    lines.push(String(created?.['Create Table']).replace(/ AUTO_INCREMENT=\d+/, ''))
  }
  const events = await db.query('SELECT note FROM events ORDER BY id')
  lines.push(`events: ${events.map((row) => row.note).join(', ')}`)
  return lines.join('\n')
}

/** The state a clean run of 001 and of 002's statements 1…`through` (all good) leaves. */
const references = new Map<number, Promise<string>>()
function referenceState(through: number): Promise<string> {
  let reference = references.get(through)
  if (!reference) {
    reference = (async () => {
      const db = await freshDatabase('resume_ref')
      await db.query(BASE)
      for (const statement of STATEMENTS.slice(0, through)) await db.query(statement.good)
      const state = await userState(db)
      await db.drop()
      return state
    })()
    references.set(through, reference)
  }
  return reference
}

function errorLine(db: MysqlDatabase, k: number): string {
  const applied = k - 1
  const recorded = applied === 0 ? 'no statement' : applied === 1 ? 'statement 1' : `statements 1-${applied}`
  return (
    `error: skill "${SKILL}": migration "${FILE}" failed at statement ${k} of ${N} (line ${STATEMENTS[k - 1]?.line}): ` +
    `Table '${db.name}.missing_${k}' doesn't exist. [42S02, error 1146] ` +
    `It runs statement by statement (its statements commit implicitly), and the ledger records that ${recorded} of it ${applied > 1 ? 'are' : 'is'} applied: ` +
    `fix statement ${k} (statements before it must stay as they are) and run again; it resumes at statement ${k}.\n`
  )
}

describe('MariaDB: a migration failing mid-file resumes where it stopped (through the CLI)', () => {
  before(requireMysqlServer)
  after(() => {
    console.log(
      `mysql failure-resume: ${figures.cases} failing statements (k = 1, 2, 3, ${N} of ${N}), ${figures.exactError} exact one-line errors, ` +
        `${figures.stateExplained} states = statements 1..k-1, ${figures.statusShown} status+history "failed at statement k of n", ` +
        `${figures.refusals} edits of j<k refused with nothing changed, ${figures.resumed} resumed at k (earlier side effects once), ` +
        `${figures.identical} equal to a clean run`,
    )
  })

  for (const k of [1, 2, 3, N]) {
    it(`statement ${k} of ${N} fails; an edit of an earlier statement is refused; fixing statement ${k} resumes at ${k}`, async () => {
      const ws = await workspace(`resume_${k}`, { '001_events.sql': BASE, [FILE]: fileText(k), '003_later.sql': LATER })
      figures.cases++

      const failed = await ws.run()
      assert.equal(failed.code, 1, failed.stdout)
      assert.equal(failed.stderr, errorLine(ws.db, k))
      figures.exactError++
      assert.match(failed.stdout, /^applied +shop +001_events\.sql /m)
      assert.doesNotMatch(failed.stdout, /003_later/, 'the later file is not attempted')
      assert.equal(
        await userState(ws.db),
        await referenceState(k - 1),
        `the database holds statements 1-${k - 1} exactly`,
      )
      figures.stateExplained++
      const [row] = await ws.db.query(
        `SELECT status, statements_applied, statements_total FROM _migrations WHERE version = 2`,
      )
      assert.deepEqual(row, { status: 'failed', statements_applied: k - 1, statements_total: N })
      assert.equal(await ws.db.lockHeld(), false)

      const status = await ws.cli('migrate', 'status', '--skills', ws.skills)
      assert.match(
        status.stdout,
        new RegExp(`^shop +1 +1 +2 +failed at statement ${k} of ${N} \\(${FILE}; resumes\\)$`, 'm'),
      )
      const history = await ws.cli('migrate', 'history')
      assert.match(history.stdout, new RegExp(` ${FILE} .* failed at statement ${k} of ${N}$`, 'm'))
      figures.statusShown++

      if (k > 1) {
        // Statement 1 already ran: changing it (and fixing k) is refused, and nothing changes.
        writeFileSync(join(ws.migrations, FILE), fileText(0, 1))
        const before = [
          await userState(ws.db),
          JSON.stringify(await ws.db.query('SELECT * FROM _migrations ORDER BY version')),
        ]
        const refused = await ws.run()
        assert.equal(refused.code, 1)
        assert.equal(
          refused.stderr,
          `error: skill "${SKILL}": migration "${FILE}" stopped after statement ${k - 1} of ${N}, and statement 1 has changed since it ran: ` +
            `statements 1-${k - 1} already ran and cannot run again, so put them back as they were (only later statements may change), ` +
            `or repair the database by hand and record what it holds: "glorious migrate accept ${SKILL} 2 --as applied" (finished by hand) or "--as pending" (undone)\n`,
        )
        const afterRefusal = [
          await userState(ws.db),
          JSON.stringify(await ws.db.query('SELECT * FROM _migrations ORDER BY version')),
        ]
        assert.deepEqual(afterRefusal, before, 'the refusal changed nothing')
        figures.refusals++
      }

      writeFileSync(join(ws.migrations, FILE), fileText(0))
      const fixed = await ws.run()
      assert.equal(fixed.code, 0, fixed.stderr)
      assert.equal(fixed.stderr, '')
      assert.match(fixed.stdout, new RegExp(`^applied +shop +${FILE} +${N} statements, .*statement-by-statement$`, 'm'))
      assert.match(fixed.stdout, /^applied +shop +003_later\.sql /m)
      // Had statements 1..k-1 run again, the CREATE TABLE would have failed and the notes doubled.
      const notes = (await ws.db.query('SELECT note FROM events ORDER BY id')).map((r) => r.note)
      assert.deepEqual(notes, ['second', 'fourth'])
      figures.resumed++
      assert.equal(await userState(ws.db), await referenceState(N))
      figures.identical++
      const ledger = await ws.db.query('SELECT version, status, statements_applied FROM _migrations ORDER BY version')
      assert.deepEqual(ledger, [
        { version: 1, status: 'applied', statements_applied: 1 },
        { version: 2, status: 'applied', statements_applied: N },
        { version: 3, status: 'applied', statements_applied: 1 },
      ])
      // The tables 002 made belong to it, also those made by the statements before the failure.
      assert.deepEqual(
        await ws.db.query(
          'SELECT object_name, skill_name, version FROM _migration_objects ORDER BY version, object_name',
        ),
        [
          { object_name: 'events', skill_name: SKILL, version: 1 },
          { object_name: 'stock', skill_name: SKILL, version: 2 },
          { object_name: 'later', skill_name: SKILL, version: 3 },
        ],
      )
      const historyAfter = await ws.cli('migrate', 'history')
      assert.doesNotMatch(historyAfter.stdout, /failed at/)
      assert.equal(await ws.db.lockHeld(), false)
    })
  }

  it('a DML-only migration runs in one transaction: a failure keeps nothing of it, and the fixed file applies whole', async () => {
    const dml = (table: string) =>
      "INSERT INTO events (note) VALUES ('one');\n" +
      "UPDATE events SET note = 'one, updated' WHERE note = 'one';\n" +
      `INSERT INTO ${table} (note) VALUES ('three');\n`
    const ws = await workspace('resume_dml', { '001_events.sql': BASE, '002_seed.sql': dml('missing_3') })
    const dry = await ws.run('--dry-run')
    assert.match(dry.stdout, /^shop +002_seed\.sql +3 +transaction$/m)
    const failed = await ws.run()
    assert.equal(failed.code, 1)
    assert.equal(
      failed.stderr,
      `error: skill "${SKILL}": migration "002_seed.sql" failed at statement 3 (line 3): Table '${ws.db.name}.missing_3' doesn't exist. ` +
        '[42S02, error 1146] Nothing of this migration was applied: fix the file and run again.\n',
    )
    assert.deepEqual(await ws.db.query('SELECT note FROM events'), [])
    assert.deepEqual(await ws.db.query('SELECT version FROM _migrations ORDER BY version'), [{ version: 1 }])
    writeFileSync(join(ws.migrations, '002_seed.sql'), dml('events'))
    const fixed = await ws.run()
    assert.equal(fixed.code, 0, fixed.stderr)
    assert.deepEqual(
      (await ws.db.query('SELECT note FROM events ORDER BY id')).map((r) => r.note),
      ['one, updated', 'three'],
    )
  })

  it('accept --as pending (undone by hand): the next run starts again at statement 1', async () => {
    const ws = await workspace('resume_pending', { '001_events.sql': BASE, [FILE]: fileText(3) })
    assert.equal((await ws.run()).code, 1)
    // Undo statements 1-2 by hand, as the user would, then say so.
    await ws.db.query('DROP TABLE stock')
    await ws.db.query("DELETE FROM events WHERE note = 'second'")
    writeFileSync(join(ws.migrations, FILE), fileText(0))
    const accepted = await ws.cli('migrate', 'accept', SKILL, '2', '--as', 'pending', '--yes', '--dir', ws.migrations)
    assert.equal(accepted.code, 0, accepted.stderr)
    assert.match(accepted.stdout, /^accepted|resolved/m)
    const run = await ws.run()
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, new RegExp(`^applied +shop +${FILE} +${N} statements`, 'm'))
    assert.equal(await userState(ws.db), await referenceState(N))
    const history = await ws.cli('migrate', 'history')
    assert.match(history.stdout, /resolved: will run again/)
    console.log(`accept --as pending, real output:\n${accepted.stdout}${history.stdout}`)
  })

  it('accept --as applied (finished by hand): the migration is recorded applied and does not run again', async () => {
    const ws = await workspace('resume_applied', {
      '001_events.sql': BASE,
      [FILE]: fileText(4),
      '003_later.sql': LATER,
    })
    assert.equal((await ws.run()).code, 1)
    // Finish statements 4-5 by hand.
    for (const statement of STATEMENTS.slice(3)) await ws.db.query(statement.good)
    writeFileSync(join(ws.migrations, FILE), fileText(0))
    const accepted = await ws.cli('migrate', 'accept', SKILL, '2', '--as', 'applied', '--yes', '--dir', ws.migrations)
    assert.equal(accepted.code, 0, accepted.stderr)
    const run = await ws.run()
    assert.equal(run.code, 0, run.stderr)
    assert.doesNotMatch(run.stdout, new RegExp(FILE), 'the resolved migration does not run again')
    assert.match(run.stdout, /^applied +shop +003_later\.sql /m)
    const history = await ws.cli('migrate', 'history')
    assert.match(history.stdout, new RegExp(` ${FILE} .* resolved by hand$`, 'm'))
    assert.match(history.stdout, /resolved: recorded as applied/)
    assert.deepEqual(
      (await ws.db.query('SELECT note FROM events ORDER BY id')).map((r) => r.note),
      ['second', 'fourth'],
    )
    console.log(`accept --as applied, real output:\n${accepted.stdout}${history.stdout}`)
  })
})

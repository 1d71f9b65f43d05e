/**
 * Failure mid-file, through the real CLI: a migration whose statement fails leaves nothing of
 * itself (schema, data, ledger: the database file, its side files and a full dump as before),
 * the error is one line naming skill, file, statement number, line and SQLite's message, the
 * files after it are not attempted, and the fixed file applies on the next run.
 *
 * Variants: the third of five statements, the first, the last (no final `;`, after a trigger it
 * created), a trigger whose body only fails when fired later (not a failure of the migration
 * that creates it: the failure belongs to the statement that fires it), a trigger's RAISE, a
 * table rebuild with foreign keys off, a rebuild that leaves foreign-key violations, the first
 * migration of a new database, a `no-transaction` migration (partly applied by design, and says
 * so), and a failing skill in the middle of a multi-skill run.
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type CliResult, glorious } from '../helpers/cli.js'
import { comparableDump, snapshotDatabase } from '../helpers/snapshot.js'
import { rows } from '../helpers/sqlite.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

const SKILL = 'shop'
const BASE: Record<string, string> = {
  '001_init.sql':
    'CREATE TABLE items (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL CHECK (qty >= 0));\n' +
    "INSERT INTO items (code, qty) VALUES ('A-1', 3), ('B-2', 0);\n",
  '002_orders.sql':
    'CREATE TABLE orders (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id), amount INTEGER NOT NULL);\n' +
    'INSERT INTO orders (item_id, amount) VALUES (1, 2);\n',
}
/** Valid files after the failing one: they must not be attempted. */
const LATER: Record<string, string> = {
  '005_later.sql': 'CREATE TABLE later (id INTEGER PRIMARY KEY);\n',
  '006_more.sql': 'INSERT INTO later (id) VALUES (1);\n',
}

const figures = { failing: 0, leftNothing: 0, partialByDesign: 0, oneLineNamed: 0, laterAttempted: 0, fixedApplied: 0 }

function runner(root: string, migrations: string, db: string) {
  return (...extra: string[]): Promise<CliResult> =>
    glorious(['migrate', 'run', SKILL, '--dir', migrations, '--db', db, '--no-codegen', ...extra], { cwd: root })
}

/** A database with the base migrations (and `applied`) applied by the CLI, and `pending` added after. */
async function workspace(applied: Record<string, string>, pending: Record<string, string>) {
  const root = tempDir('glorious-mid-file-')
  const migrations = join(root, 'migrations')
  mkdirSync(migrations)
  const db = join(root, 'agent.db')
  const run = runner(root, migrations, db)
  for (const [name, text] of Object.entries({ ...BASE, ...applied })) writeFileSync(join(migrations, name), text)
  const first = await run()
  assert.equal(first.code, 0, first.stderr)
  for (const [name, text] of Object.entries(pending)) writeFileSync(join(migrations, name), text)
  return { root, migrations, db, run }
}

/** The one line the CLI prints for a statement that failed inside a transaction. */
function failedLine(skill: string, file: string, statement: number, line: number, sqlite: string): string {
  return (
    `error: skill "${skill}": migration "${file}" failed at statement ${statement} (line ${line}): ${sqlite} ` +
    'Nothing of this migration was applied: fix the file and run again.\n'
  )
}

/**
 * Runs the failing migration twice (text, then --json) and checks: exit 1, the exact one-line
 * error, the database as `expected` says, the later files not attempted. Then writes the fixed
 * file and checks that it and the later files apply.
 */
async function expectFailure(options: {
  readonly ws: Awaited<ReturnType<typeof workspace>>
  readonly failing: string
  readonly error: string
  /** 'unchanged': file bytes, side files and dump as before; otherwise a reference database to compare with. */
  readonly expected: 'unchanged' | { readonly reference: string }
  readonly notExecuted: readonly string[]
  readonly fixed: string
  readonly appliedByFix: readonly string[]
  readonly partial?: boolean
  readonly errorCode?: string
}): Promise<void> {
  const { ws } = options
  const before = snapshotDatabase(ws.db)
  const text = await ws.run()
  const state = snapshotDatabase(ws.db)
  const json = await ws.run('--json')
  const document = JSON.parse(json.stdout) as {
    ok: boolean
    skills: { skill: string; failed: string | null; notExecuted: string[]; error: { code: string } | null }[]
  }
  const skill = document.skills.find((entry) => entry.skill === SKILL)

  figures.failing++
  const unchanged =
    JSON.stringify(state) === JSON.stringify(before) &&
    JSON.stringify(snapshotDatabase(ws.db)) === JSON.stringify(before)
  const matchesReference =
    options.expected !== 'unchanged' && comparableDump(ws.db) === comparableDump(options.expected.reference)
  if (options.partial) figures.partialByDesign++
  else if (options.expected === 'unchanged' ? unchanged : matchesReference) figures.leftNothing++
  if (text.stderr === options.error) figures.oneLineNamed++
  if (skill && skill.notExecuted.join() !== options.notExecuted.join()) figures.laterAttempted++

  assert.equal(text.code, 1, text.stderr)
  assert.equal(text.stderr, options.error)
  assert.match(text.stdout, /1 skill stopped with errors/)
  if (options.expected === 'unchanged') {
    assert.deepEqual(state, before, 'the database (bytes, side files, full dump) is exactly as before the run')
  } else {
    assert.equal(comparableDump(ws.db), comparableDump(options.expected.reference), 'the database equals the reference')
  }
  assert.equal(json.code, 1)
  const errorLine = options.error.split('\n').filter((line) => line.startsWith('error: '))
  assert.equal(
    json.stderr,
    `${errorLine.join('\n')}\n`,
    'the --json run prints the same error line (warnings go in the document)',
  )
  assert.equal(document.ok, false)
  assert.equal(skill?.failed, options.failing)
  assert.deepEqual(skill?.notExecuted, options.notExecuted, 'the files after the failing one were not attempted')
  assert.equal(skill?.error?.code, options.errorCode ?? 'migration-failed')
  if (options.expected === 'unchanged')
    assert.deepEqual(snapshotDatabase(ws.db), before, 'a second failing run changes nothing either')

  writeFileSync(join(ws.migrations, options.failing), options.fixed)
  const fixed = await ws.run()
  assert.equal(fixed.code, 0, fixed.stderr)
  const warnings = options.error.split('\n').filter((line) => line.startsWith('warning: '))
  assert.equal(
    fixed.stderr,
    warnings.map((line) => `${line}\n`).join(''),
    'no error; only the warnings every run gives',
  )
  const applied = [...fixed.stdout.matchAll(/^applied +\S+ +(\S+\.sql) /gm)].map((match) => match[1])
  assert.deepEqual(applied, options.appliedByFix)
  figures.fixedApplied++
}

describe('a migration that fails mid-file', () => {
  after(() => {
    console.log(
      `failure mid-file: ${figures.failing} failing migrations, ${figures.leftNothing} left nothing behind, ` +
        `${figures.partialByDesign} partly applied by design (no-transaction), ${figures.oneLineNamed} one-line errors naming ` +
        `skill/file/statement/line/SQLite message, ${figures.laterAttempted} later files attempted, ${figures.fixedApplied} fixed files applied`,
    )
  })

  it('the third of five statements fails: nothing of the file stays; the fixed file applies', async () => {
    const failing = '003_stock_taking.sql'
    const body = (code: string) =>
      '-- Stock-taking: a column, a table, data.\n' +
      'ALTER TABLE items ADD COLUMN location TEXT;\n' +
      '\n' +
      'CREATE TABLE counts (\n' +
      '  item_id INTEGER NOT NULL REFERENCES items (id),\n' +
      '  counted INTEGER NOT NULL\n' +
      ');\n' +
      "/* a code that must be new; this one isn't */\n" +
      `INSERT INTO items (code, qty) VALUES ('${code}', 5);\n` +
      'INSERT INTO counts (item_id, counted) VALUES (1, 3);\n' +
      "UPDATE items SET location = 'shelf';\n"
    const ws = await workspace(
      {},
      { [failing]: body('A-1'), '004_prices.sql': 'ALTER TABLE items ADD COLUMN price INTEGER;\n', ...LATER },
    )
    await expectFailure({
      ws,
      failing,
      error: failedLine(SKILL, failing, 3, 9, 'UNIQUE constraint failed: items.code.'),
      expected: 'unchanged',
      notExecuted: ['004_prices.sql', '005_later.sql', '006_more.sql'],
      fixed: body('C-3'),
      appliedByFix: [failing, '004_prices.sql', '005_later.sql', '006_more.sql'],
    })
    assert.deepEqual(rows(ws.db, "SELECT code, location FROM items WHERE code = 'C-3'"), [
      { code: 'C-3', location: 'shelf' },
    ])
  })

  it('the first statement fails', async () => {
    const failing = '003_restock.sql'
    const body = (qty: number) =>
      '-- Restock.\n' +
      `UPDATE items SET qty = ${qty} WHERE code = 'A-1';\n` +
      'CREATE TABLE restocks (item_id INTEGER NOT NULL, at TEXT NOT NULL);\n' +
      "INSERT INTO restocks VALUES (1, '2024-01-01');\n"
    const ws = await workspace({}, { [failing]: body(-1), ...LATER })
    await expectFailure({
      ws,
      failing,
      error: failedLine(SKILL, failing, 1, 2, 'CHECK constraint failed: qty >= 0.'),
      expected: 'unchanged',
      notExecuted: ['005_later.sql', '006_more.sql'],
      fixed: body(10),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
    })
  })

  it('the last statement fails (no final ";"), after a trigger and an index the file created', async () => {
    const failing = '003_order_rules.sql'
    const body = (item: number) =>
      'CREATE TRIGGER orders_positive BEFORE INSERT ON orders WHEN new.amount <= 0\n' +
      "BEGIN SELECT RAISE(ABORT, 'amount must be positive; got zero or less'); END;\n" +
      'CREATE INDEX orders_item ON orders (item_id);\n' +
      'INSERT INTO orders (item_id, amount) VALUES (2, 1);\n' +
      `INSERT INTO orders (item_id, amount)\n  VALUES (${item}, 1)` // foreign keys are on: item 99 does not exist
    const ws = await workspace({}, { [failing]: body(99), ...LATER })
    await expectFailure({
      ws,
      failing,
      error: failedLine(SKILL, failing, 4, 5, 'FOREIGN KEY constraint failed.'),
      expected: 'unchanged',
      notExecuted: ['005_later.sql', '006_more.sql'],
      fixed: body(1),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
    })
    assert.deepEqual(
      rows(
        ws.db,
        "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') AND name LIKE 'orders%' ORDER BY 1",
      ),
      [{ name: 'orders_item' }, { name: 'orders_positive' }],
    )
  })

  it('a trigger whose body fails only when fired is not a failure; the statement that fires it is', async () => {
    const trigger =
      'CREATE TRIGGER orders_audit AFTER INSERT ON orders\n' +
      'BEGIN\n' +
      "  INSERT INTO order_audit (order_id, note) VALUES (new.id, 'created; audited');\n" +
      'END;\n'
    const failing = '004_bulk_orders.sql'
    const body = (createAudit: boolean) =>
      (createAudit ? 'CREATE TABLE order_audit (order_id INTEGER NOT NULL, note TEXT);\n' : '') +
      'CREATE TABLE batches (id INTEGER PRIMARY KEY);\n' +
      'INSERT INTO orders (item_id, amount) VALUES (1, 1);\n' +
      'INSERT INTO orders (item_id, amount) VALUES (2, 4);\n'
    const ws = await workspace({}, { '003_audit_trigger.sql': trigger, [failing]: body(false), ...LATER })
    // The reference: the same history up to 003 only, applied by the CLI to a new database.
    const refRoot = tempDir('glorious-mid-file-ref-')
    const refMigrations = join(refRoot, 'migrations')
    mkdirSync(refMigrations)
    for (const [name, text] of Object.entries({ ...BASE, '003_audit_trigger.sql': trigger }))
      writeFileSync(join(refMigrations, name), text)
    const reference = join(refRoot, 'agent.db')
    assert.equal((await runner(refRoot, refMigrations, reference)()).code, 0)

    await expectFailure({
      ws,
      failing,
      error: failedLine(SKILL, failing, 2, 2, 'no such table: main.order_audit.'),
      expected: { reference },
      notExecuted: ['005_later.sql', '006_more.sql'],
      fixed: body(true),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
    })
    assert.deepEqual(
      rows(ws.db, 'SELECT version FROM _migrations ORDER BY 1').map((row) => row.version),
      [1, 2, 3, 4, 5, 6],
    )
    assert.equal(rows(ws.db, 'SELECT count(*) AS n FROM order_audit')[0]?.n, 2)
  })

  it("a trigger's RAISE(ABORT, …) fired by the second statement: its message is the error", async () => {
    const failing = '003_big_orders.sql'
    const body = (amount: number) =>
      'CREATE TRIGGER orders_limit BEFORE INSERT ON orders WHEN new.amount > 100\n' +
      "BEGIN SELECT RAISE(ABORT, 'orders above 100 need approval'); END;\n" +
      `INSERT INTO orders (item_id, amount) VALUES (1, ${amount});\n`
    const ws = await workspace({}, { [failing]: body(500), ...LATER })
    await expectFailure({
      ws,
      failing,
      error: failedLine(SKILL, failing, 2, 3, 'orders above 100 need approval.'),
      expected: 'unchanged',
      notExecuted: ['005_later.sql', '006_more.sql'],
      fixed: body(50),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
    })
  })

  it('a table rebuild with PRAGMA foreign_keys = OFF fails at statement 3: nothing of it stays', async () => {
    const failing = '003_rebuild_items.sql'
    const body = (price: string) =>
      'PRAGMA foreign_keys = OFF;\n' +
      'CREATE TABLE new_items (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL, price INTEGER NOT NULL);\n' +
      `INSERT INTO new_items (id, code, qty, price) SELECT id, code, qty, ${price} FROM items;\n` +
      'DROP TABLE items;\n' +
      'ALTER TABLE new_items RENAME TO items;\n' +
      'PRAGMA foreign_keys = ON;\n'
    const ws = await workspace({}, { [failing]: body('NULL'), ...LATER })
    await expectFailure({
      ws,
      failing,
      error: failedLine(SKILL, failing, 3, 3, 'NOT NULL constraint failed: new_items.price.'),
      expected: 'unchanged',
      notExecuted: ['005_later.sql', '006_more.sql'],
      fixed: body('0'),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
    })
    assert.deepEqual(rows(ws.db, 'PRAGMA foreign_key_check'), [])
  })

  it('a rebuild with foreign keys off that leaves violations fails as a whole, naming the first one', async () => {
    const failing = '003_drop_unused_items.sql'
    const body = (where: string) =>
      'PRAGMA foreign_keys = OFF;\n' +
      'CREATE TABLE new_items (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL);\n' +
      `INSERT INTO new_items SELECT id, code, qty FROM items WHERE ${where};\n` +
      'DROP TABLE items;\n' +
      'ALTER TABLE new_items RENAME TO items;\n'
    const ws = await workspace({}, { [failing]: body('qty > 0 AND id > 1'), ...LATER })
    await expectFailure({
      ws,
      failing,
      error:
        `error: skill "shop": migration "${failing}" leaves 1 foreign key violation(s) (first: table "orders" row 1 → "items"): ` +
        'nothing was applied; fix the data or the migration and run again\n',
      expected: 'unchanged',
      notExecuted: ['005_later.sql', '006_more.sql'],
      errorCode: 'foreign-key-violation',
      fixed: body('qty > 0'),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
    })
  })

  it('the first migration of a new database fails: the file is created, but holds nothing (no ledger either)', async () => {
    const root = tempDir('glorious-mid-file-')
    const migrations = join(root, 'migrations')
    mkdirSync(migrations)
    const db = join(root, 'agent.db')
    const body = (qty: number) =>
      'CREATE TABLE items (id INTEGER PRIMARY KEY, code TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty >= 0));\n' +
      "INSERT INTO items (code, qty) VALUES ('A-1', 1);\n" +
      `INSERT INTO items (code, qty) VALUES ('B-2', ${qty});\n`
    writeFileSync(join(migrations, '001_init.sql'), body(-5))
    writeFileSync(join(migrations, '002_more.sql'), 'CREATE TABLE more (id INTEGER PRIMARY KEY);\n')
    const run = runner(root, migrations, db)
    const failed = await run()
    figures.failing++
    const snapshot = snapshotDatabase(db)
    if (snapshot.dump === '') figures.leftNothing++
    const error = failedLine(SKILL, '001_init.sql', 3, 3, 'CHECK constraint failed: qty >= 0.')
    if (failed.stderr === error) figures.oneLineNamed++
    assert.equal(failed.code, 1)
    assert.equal(failed.stderr, error)
    assert.equal(snapshot.dump, '', 'no table, no ledger')
    assert.deepEqual(snapshot.files, ['agent.db (4096 bytes)'])
    writeFileSync(join(migrations, '001_init.sql'), body(5))
    const fixed = await run()
    assert.equal(fixed.code, 0, fixed.stderr)
    assert.deepEqual(rows(db, 'SELECT version FROM _migrations ORDER BY 1'), [{ version: 1 }, { version: 2 }])
    figures.fixedApplied++
  })

  it('a no-transaction migration failing at statement 3 keeps statements 1-2 by design, and says so in one line', async () => {
    const failing = '003_archive.sql'
    const body = (source: string) =>
      '-- glorious:no-transaction\n' +
      'CREATE TABLE IF NOT EXISTS archive (id INTEGER PRIMARY KEY, code TEXT);\n' +
      'CREATE INDEX IF NOT EXISTS archive_code ON archive (code);\n' +
      `INSERT OR IGNORE INTO archive (id, code) SELECT id, code FROM ${source};\n`
    const ws = await workspace({}, { [failing]: body('old_items'), ...LATER })
    await expectFailure({
      ws,
      failing,
      // The warning comes with every run of a no-transaction file, by design; the error is one line.
      error:
        `warning: skill "shop": migration "${failing}" runs outside a transaction (-- glorious:no-transaction); ` +
        'if it fails, the statements before the failure stay applied\n' +
        `error: skill "shop": migration "${failing}" failed at statement 3 (line 4): no such table: old_items. ` +
        'It ran outside a transaction, so statements 1-2 stay applied: undo them by hand (or make the file safe to re-run), then fix the file and run again.\n',
      expected: { reference: await partialReference() },
      notExecuted: ['005_later.sql', '006_more.sql'],
      fixed: body('items'),
      appliedByFix: [failing, '005_later.sql', '006_more.sql'],
      partial: true,
    })
    assert.equal(rows(ws.db, 'SELECT count(*) AS n FROM archive')[0]?.n, 2)
  })

  it('a failing skill in the middle of a multi-skill run: the other skills still apply', async () => {
    const root = tempDir('glorious-mid-file-skills-')
    const skills = join(root, 'skills')
    const history = (name: string) => ({
      '001_init.sql': `CREATE TABLE ${name}_things (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);\n`,
      '002_seed.sql': `INSERT INTO ${name}_things (label) VALUES ('one'), ('two');\n`,
      '003_extra.sql': `CREATE TABLE ${name}_extra (id INTEGER PRIMARY KEY);\n`,
    })
    const betaSeed = (second: string) =>
      'CREATE TABLE beta_tags (id INTEGER PRIMARY KEY, tag TEXT);\n' +
      "INSERT INTO beta_things (label) VALUES ('one');\n" +
      `INSERT INTO beta_things (label) VALUES ('${second}');\n` +
      "INSERT INTO beta_tags (tag) VALUES ('x');\n"
    skillFolder(skills, 'alpha', history('alpha'))
    skillFolder(skills, 'beta', { ...history('beta'), '002_seed.sql': betaSeed('one') })
    skillFolder(skills, 'gamma', history('gamma'))
    const db = join(root, 'agent.db')
    const run = () => glorious(['migrate', 'run', '--skills', skills, '--db', db, '--no-codegen'])

    // Reference: the same skills with beta stopped after 001, applied in one run.
    const refSkills = join(root, 'reference-skills')
    skillFolder(refSkills, 'alpha', history('alpha'))
    skillFolder(refSkills, 'beta', { '001_init.sql': history('beta')['001_init.sql'] })
    skillFolder(refSkills, 'gamma', history('gamma'))
    const reference = join(root, 'reference.db')
    assert.equal((await glorious(['migrate', 'run', '--skills', refSkills, '--db', reference, '--no-codegen'])).code, 0)

    const failed = await run()
    figures.failing++
    const error = failedLine('beta', '002_seed.sql', 3, 3, 'UNIQUE constraint failed: beta_things.label.')
    const same = comparableDump(db) === comparableDump(reference)
    if (same) figures.leftNothing++
    if (failed.stderr === error) figures.oneLineNamed++
    const applied = [...failed.stdout.matchAll(/^applied +(\S+) +(\S+\.sql) /gm)].map(
      (match) => `${match[1]} ${match[2]}`,
    )
    if (applied.includes('beta 003_extra.sql')) figures.laterAttempted++
    assert.equal(failed.code, 1)
    assert.equal(failed.stderr, error)
    assert.deepEqual(applied, [
      'alpha 001_init.sql',
      'alpha 002_seed.sql',
      'alpha 003_extra.sql',
      'beta 001_init.sql',
      'gamma 001_init.sql',
      'gamma 002_seed.sql',
      'gamma 003_extra.sql',
    ])
    assert.match(failed.stdout, /^Applied 7 migrations in .*; 1 skill stopped with errors/m)
    assert.ok(same, 'the database equals the reference: alpha and gamma complete, beta after 001, nothing of beta 002')
    const status = JSON.parse(
      (await glorious(['migrate', 'status', '--json', '--skills', skills, '--db', db])).stdout,
    ) as {
      skills: { skill: string; version: number; pending: number }[]
    }
    assert.deepEqual(
      status.skills.map((s) => [s.skill, s.version, s.pending]),
      [
        ['alpha', 3, 0],
        ['beta', 1, 2],
        ['gamma', 3, 0],
      ],
    )

    writeFileSync(join(skills, 'beta', 'src', 'beta', 'migrations', '002_seed.sql'), betaSeed('two'))
    const fixed = await run()
    assert.equal(fixed.code, 0, fixed.stderr)
    assert.deepEqual(
      [...fixed.stdout.matchAll(/^applied +(\S+) +(\S+\.sql) /gm)].map((match) => `${match[1]} ${match[2]}`),
      ['beta 002_seed.sql', 'beta 003_extra.sql'],
    )
    figures.fixedApplied++
  })
})

/** A reference database for the no-transaction case: the base plus statements 1-2 of 003, applied directly. */
async function partialReference(): Promise<string> {
  const root = tempDir('glorious-mid-file-ref-')
  const migrations = join(root, 'migrations')
  mkdirSync(migrations)
  const db = join(root, 'agent.db')
  for (const [name, text] of Object.entries(BASE)) writeFileSync(join(migrations, name), text)
  assert.equal((await runner(root, migrations, db)()).code, 0)
  const { default: Database } = await import('better-sqlite3')
  const handle = new Database(db)
  handle.exec('CREATE TABLE IF NOT EXISTS archive (id INTEGER PRIMARY KEY, code TEXT);')
  handle.exec('CREATE INDEX IF NOT EXISTS archive_code ON archive (code);')
  handle.close()
  return db
}

/**
 * The PostgreSQL lint rules (read from PostgreSQL 15's own parse tree, libpg-query): each fires
 * on its risky SQL, not on the safer variant, and is silenced by `-- glorious:allow <rule-id>`
 * on the statement or at the top of the file. What the rules claim about the server is shown on
 * a real PostgreSQL in test/postgres/lint-postgres-server.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { LINT_RULES } from '../../lib/index.js'
import { type RuleCase, findingsOf, lintFiles, ruleIds } from '../helpers/lint.js'

const CASES: readonly RuleCase[] = [
  {
    rule: 'pg-lock-without-timeout',
    fires: 'ALTER TABLE users ADD COLUMN bio text;',
    safe: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;",
    options: { statementLockTimeoutMs: 0 },
  },
  {
    rule: 'pg-index-without-concurrently',
    fires: 'CREATE INDEX users_by_email ON users (email);',
    safe: 'CREATE INDEX CONCURRENTLY users_by_email ON users (email);',
  },
  {
    rule: 'pg-constraint-without-not-valid',
    fires: 'ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id);',
    safe: 'ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
  },
  {
    rule: 'pg-alter-column-type',
    fires: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
    safe: 'ALTER TABLE users ADD COLUMN id_big bigint;',
  },
  {
    rule: 'pg-set-not-null',
    fires: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    safe: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
  },
  {
    rule: 'pg-volatile-default',
    fires: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
    safe: 'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();',
  },
  {
    rule: 'pg-rename',
    fires: 'ALTER TABLE users RENAME COLUMN email TO mail;',
    safe: 'ALTER TABLE users ADD COLUMN mail text;',
  },
  { rule: 'pg-drop', fires: 'DROP TABLE sessions;', safe: 'DROP INDEX IF EXISTS sessions_by_user;' },
  {
    rule: 'pg-int-primary-key',
    fires: 'CREATE TABLE tags (id serial PRIMARY KEY, name text);',
    safe: 'CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);',
  },
  {
    rule: 'pg-timestamp-without-time-zone',
    fires: 'CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);',
    safe: 'CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL);',
  },
  {
    rule: 'pg-concurrently-in-transaction',
    fires: '-- glorious:no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY users_by_email ON users (email);\nCOMMIT;',
    safe: 'CREATE INDEX CONCURRENTLY users_by_email ON users (email);',
  },
]

describe('every PostgreSQL rule: fires, not on the safer SQL, silenced by an allow comment', () => {
  test('the cases cover every PostgreSQL rule', () => {
    const expected = LINT_RULES.filter((rule) => rule.engine === 'postgres').map((rule) => rule.id)
    assert.deepEqual(CASES.map((c) => c.rule).sort(), expected.sort())
  })
  for (const c of CASES) {
    test(c.rule, async () => {
      assert.ok((await ruleIds('postgres', c.fires, c.options)).includes(c.rule), `${c.rule} fires`)
      assert.ok(!(await ruleIds('postgres', c.safe, c.options)).includes(c.rule), `${c.rule} quiet on the safer SQL`)
      const base = `SELECT 1;\n${c.fires}`
      const hit = (await findingsOf('postgres', base, c.options)).find((f) => f.ruleId === c.rule)
      assert.ok(hit)
      const lines = base.split('\n')
      lines.splice(hit.line - 1, 0, `-- glorious:allow ${c.rule}`)
      const allowed = await findingsOf('postgres', lines.join('\n'), c.options)
      assert.deepEqual(
        allowed.filter((f) => f.ruleId === c.rule && f.statementIndex === hit.statementIndex),
        [],
      )
      assert.ok(!(await ruleIds('postgres', `/* glorious:allow ${c.rule} */\n${c.fires}`, c.options)).includes(c.rule))
    })
  }
})

describe('what the rules know about the file', () => {
  test('a table created earlier in the same file is new: no index, constraint, type or lock findings', async () => {
    const text =
      'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, body text);\n' +
      'CREATE INDEX posts_by_user ON posts (user_id);\n' +
      'ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id);\n' +
      'ALTER TABLE posts ALTER COLUMN body SET NOT NULL;\n' +
      'ALTER TABLE posts ALTER COLUMN body TYPE varchar(100);'
    assert.deepEqual(await ruleIds('postgres', text, { statementLockTimeoutMs: 0 }), [])
  })
  test("the lock rule only runs when the toolkit's statement lock timeout is off", async () => {
    const text = 'ALTER TABLE users ADD COLUMN bio text;'
    assert.deepEqual(await ruleIds('postgres', text), [])
    assert.deepEqual(await ruleIds('postgres', text, { statementLockTimeoutMs: 0 }), ['pg-lock-without-timeout'])
    assert.deepEqual(await ruleIds('postgres', `SET lock_timeout = 0;\n${text}`, { statementLockTimeoutMs: 0 }), [
      'pg-lock-without-timeout',
    ])
  })
  test('CONCURRENTLY mixed with transactional statements (the runner refuses the file) fires', async () => {
    const ids = await ruleIds('postgres', 'SELECT 1;\nCREATE INDEX CONCURRENTLY i ON users (email);')
    assert.deepEqual(ids, ['pg-concurrently-in-transaction'])
  })
  test('serial added to an existing table is a volatile default (nextval)', async () => {
    const [finding] = await findingsOf('postgres', 'ALTER TABLE users ADD COLUMN n bigserial;')
    assert.equal(finding?.ruleId, 'pg-volatile-default')
    assert.match(finding!.message, /bigserial, whose default is nextval\(\)/)
  })
  test('a composite primary key of int columns is not an overflow risk; a one-column one is', async () => {
    assert.deepEqual(await ruleIds('postgres', 'CREATE TABLE m (a int, b int, PRIMARY KEY (a, b));'), [])
    assert.deepEqual(await ruleIds('postgres', 'CREATE TABLE m (a integer, PRIMARY KEY (a));'), ['pg-int-primary-key'])
  })
  test('findings point at the table or column: line and column from the parse tree (UTF-8 before it)', async () => {
    const [finding] = await findingsOf('postgres', "SELECT 'é';\nCREATE INDEX i ON\n   users (email);")
    assert.deepEqual(
      [finding?.ruleId, finding?.line, finding?.column, finding?.statementIndex],
      ['pg-index-without-concurrently', 3, 4, 2],
    )
  })
  test('strings, dollar quotes and comments never fire a rule', async () => {
    const text =
      "SELECT 'DROP TABLE users';\nDO $$ BEGIN RAISE NOTICE 'ALTER TABLE users RENAME TO x'; END $$;\n-- DROP TABLE users;"
    assert.deepEqual(await ruleIds('postgres', text), [])
  })
  test('a statement PostgreSQL 15 cannot parse is a note, not a crash', async () => {
    const report = await lintFiles('postgres', {
      '001_a.sql':
        'SELECT 1;\nMERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DO NOTHING RETURNING *;\nDROP TABLE x;',
    })
    assert.deepEqual(
      report.findings.map((f) => f.ruleId),
      ['pg-drop'],
    )
    assert.equal(report.notes.length, 1)
    assert.match(report.notes[0]!, /001_a\.sql: statement 2 \(line 2\) not linted: PostgreSQL 15's parser says/)
  })
})

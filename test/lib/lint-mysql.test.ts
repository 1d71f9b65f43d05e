/**
 * The MySQL/MariaDB lint rules, read with the dialect's own lexer and implicit-commit list: each
 * fires on its risky SQL, not on the safer variant, and is silenced by `-- glorious:allow
 * <rule-id>` (or `# glorious:allow`) on the statement or at the top of the file.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { LINT_RULES } from '../../lib/index.js'
import { type RuleCase, findingsOf, ruleIds } from '../helpers/lint.js'

const CASES: readonly RuleCase[] = [
  {
    rule: 'mysql-alter-without-algorithm',
    fires: 'ALTER TABLE users ADD COLUMN bio TEXT, ADD INDEX users_by_email (email);',
    safe: 'ALTER TABLE users ADD COLUMN bio TEXT, ADD INDEX users_by_email (email), ALGORITHM=INPLACE, LOCK=NONE;',
  },
  {
    rule: 'mysql-dml-with-ddl',
    fires: "ALTER TABLE users ADD COLUMN bio TEXT, ALGORITHM=INSTANT;\nUPDATE users SET bio = '';",
    safe: "UPDATE users SET bio = '';\nINSERT INTO audit VALUES (1);",
  },
  {
    rule: 'mysql-implicit-commit',
    fires: 'INSERT INTO audit VALUES (1);\nLOCK TABLES users WRITE;\nUNLOCK TABLES;',
    safe: 'CREATE TABLE IF NOT EXISTS a (id INT);\nCREATE TABLE IF NOT EXISTS b (id INT);',
  },
]

describe('every MySQL rule: fires, not on the safer SQL, silenced by an allow comment', () => {
  test('the cases cover every MySQL rule', () => {
    const expected = LINT_RULES.filter((rule) => rule.engine === 'mysql').map((rule) => rule.id)
    assert.deepEqual(CASES.map((c) => c.rule).sort(), expected.sort())
  })
  for (const c of CASES) {
    test(c.rule, async () => {
      assert.ok((await ruleIds('mysql', c.fires)).includes(c.rule), `${c.rule} fires`)
      assert.ok(!(await ruleIds('mysql', c.safe)).includes(c.rule), `${c.rule} quiet on the safer SQL`)
      const base = `SELECT 1;\n${c.fires}`
      const hit = (await findingsOf('mysql', base)).find((f) => f.ruleId === c.rule)
      assert.ok(hit)
      const lines = base.split('\n')
      lines.splice(hit.line - 1, 0, `# glorious:allow ${c.rule}`)
      const allowed = await findingsOf('mysql', lines.join('\n'))
      assert.deepEqual(
        allowed.filter((f) => f.ruleId === c.rule && f.statementIndex === hit.statementIndex),
        [],
      )
      assert.ok(!(await ruleIds('mysql', `-- glorious:allow ${c.rule}\n${c.fires}`)).includes(c.rule))
    })
  }
})

describe('the algorithm each change can use', () => {
  const hint = async (sql: string): Promise<string | undefined> =>
    (await findingsOf('mysql', sql)).find((f) => f.ruleId === 'mysql-alter-without-algorithm')?.hint
  test('instant column changes ask for INSTANT; index changes and MODIFY for INPLACE, LOCK=NONE', async () => {
    assert.match((await hint('ALTER TABLE t ADD COLUMN c INT;'))!, /^add ALGORITHM=INSTANT:/)
    assert.match((await hint('ALTER TABLE t RENAME COLUMN a TO b;'))!, /^add ALGORITHM=INSTANT:/)
    assert.match((await hint('ALTER TABLE t DROP COLUMN c;'))!, /^add ALGORITHM=INSTANT:/)
    assert.match((await hint('ALTER TABLE t ALTER COLUMN c SET DEFAULT 1;'))!, /^add ALGORITHM=INSTANT:/)
    assert.match((await hint('ALTER TABLE t ADD INDEX i (c);'))!, /^add ALGORITHM=INPLACE, LOCK=NONE:/)
    assert.match((await hint('CREATE INDEX i ON t (c);'))!, /^add ALGORITHM=INPLACE, LOCK=NONE:/)
    assert.match((await hint('ALTER TABLE t MODIFY c BIGINT;'))!, /^add ALGORITHM=INPLACE, LOCK=NONE:/)
  })
  test('a table created in the same file, constraints, engine options and ALGORITHM given: nothing', async () => {
    assert.deepEqual(
      await ruleIds('mysql', 'CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN c INT;\nCREATE INDEX i ON t (c);'),
      [],
    )
    assert.deepEqual(await ruleIds('mysql', 'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);'), [])
    assert.deepEqual(await ruleIds('mysql', 'ALTER TABLE t ENGINE=InnoDB;'), [])
    assert.deepEqual(await ruleIds('mysql', 'ALTER TABLE t ALGORITHM = INSTANT, ADD COLUMN c INT;'), [])
  })
  test('never inside strings, comments or procedure bodies', async () => {
    const text =
      "SELECT 'ALTER TABLE t ADD COLUMN c INT';\n# ALTER TABLE t ADD COLUMN c INT;\nCREATE PROCEDURE p() BEGIN SELECT ';'; END;"
    assert.deepEqual(await ruleIds('mysql', text), [])
  })
  test('a CALL in a file with other statements commits implicitly (it may run DDL)', async () => {
    const findings = await findingsOf('mysql', 'INSERT INTO t VALUES (1);\nCALL migrate_things();')
    assert.deepEqual(findings.map((f) => f.ruleId).sort(), ['mysql-dml-with-ddl', 'mysql-implicit-commit'])
    const finding = findings.find((f) => f.ruleId === 'mysql-implicit-commit')
    assert.match(finding!.message, /may run DDL \(CALL\)/)
    assert.equal(finding!.line, 2)
  })
})

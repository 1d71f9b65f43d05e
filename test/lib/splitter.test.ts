/**
 * Unit tests of the SQLite statement splitter (`splitSqliteStatements`): every rule of
 * `sqlite3_complete()`, statement lines, head tokens and unaltered text. They need nothing
 * outside the repository; the agreement with SQLite's own `sqlite3_complete` (through Python's
 * sqlite3 module) on tricky texts, the corpus and saved fuzzing regressions is checked by
 * `test/corpus/splitter-oracle.test.ts` (`npm run test:corpus`).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { SplitResult } from '../../lib/dialects/dialect.js'
import { splitSqliteStatements } from '../../lib/dialects/sqlite/sqlite-splitter.js'
import { generateCase } from '../reliability/sql-fuzz-generator.js'
import { canonicalText } from '../reliability/sqlite-complete-oracle.js'

const split = (text: string): SplitResult => splitSqliteStatements(text)
const sqls = (text: string): string[] => split(text).statements.map((s) => s.sql)
const lines = (text: string): number[] => split(text).statements.map((s) => s.line)

describe('statements end at ";"', () => {
  test('splits on ";" and keeps each statement with its ";"', () => {
    assert.deepEqual(sqls('CREATE TABLE a (x);\nINSERT INTO a VALUES (1);\n'), [
      'CREATE TABLE a (x);',
      'INSERT INTO a VALUES (1);',
    ])
    assert.deepEqual(sqls('SELECT 1;SELECT 2;'), ['SELECT 1;', 'SELECT 2;'])
  })

  test('";" inside a string literal, with doubled quotes, does not end a statement', () => {
    assert.deepEqual(sqls("INSERT INTO t VALUES ('a;b', 'it''s; fine', '');\nSELECT ';';"), [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', '');",
      "SELECT ';';",
    ])
    assert.deepEqual(sqls("SELECT '-- no comment; /* nor this; */';"), ["SELECT '-- no comment; /* nor this; */';"])
    assert.deepEqual(sqls("SELECT 'a'';''b'; SELECT 2;"), ["SELECT 'a'';''b';", 'SELECT 2;'])
  })

  test('";" inside "…", […] and `…` identifiers does not end a statement', () => {
    const text = 'CREATE TABLE "a;b" ([c;d] TEXT, `e;f` TEXT, "g"";h" TEXT, `i``;j` TEXT);\nSELECT 1;'
    assert.deepEqual(sqls(text), [
      'CREATE TABLE "a;b" ([c;d] TEXT, `e;f` TEXT, "g"";h" TEXT, `i``;j` TEXT);',
      'SELECT 1;',
    ])
  })

  test('";" inside -- and /* */ comments does not end a statement', () => {
    assert.deepEqual(sqls('SELECT 1 -- not here; nor here\n, 2;\nSELECT /* ; */ 3;'), [
      'SELECT 1 -- not here; nor here\n, 2;',
      'SELECT /* ; */ 3;',
    ])
    assert.deepEqual(sqls('SELECT 1 /* \' " ` [ END; */;'), ['SELECT 1 /* \' " ` [ END; */;'])
  })

  test('a -- comment ends at a newline only (as in complete.c)', () => {
    // A lone CR does not end a -- comment: in raw text with CR line endings it runs on.
    assert.deepEqual(sqls('SELECT 1; -- c\rSELECT 2;'), ['SELECT 1;'])
    assert.deepEqual(sqls('SELECT 1; -- c\r\nSELECT 2;'), ['SELECT 1;', 'SELECT 2;'])
  })

  test('empty statements and comment-only text are dropped; indexes count real statements', () => {
    const result = split(
      ';;\nSELECT 1;; ;\n/* nothing */;\n-- nothing\n;SELECT 2;\n-- trailing; comment\n/* and; another */\n',
    )
    assert.deepEqual(
      result.statements.map((s) => [s.index, s.sql]),
      [
        [1, 'SELECT 1;'],
        [2, 'SELECT 2;'],
      ],
    )
    assert.equal(result.problem, undefined)
    assert.deepEqual(sqls(''), [])
    assert.deepEqual(sqls('  \n\t-- only a comment'), [])
    assert.deepEqual(sqls('/* only */ -- comments ;'), [])
  })

  test('a last statement without ";" is kept, without trailing comments or white space', () => {
    assert.deepEqual(sqls('SELECT 1;\nSELECT 2'), ['SELECT 1;', 'SELECT 2'])
    assert.deepEqual(sqls('SELECT 1;\nSELECT 2 -- two\n/* end */\n  '), ['SELECT 1;', 'SELECT 2'])
    assert.deepEqual(sqls("SELECT 'x' -- no newline at the end"), ["SELECT 'x'"])
    assert.equal(split('SELECT 2').problem, undefined)
  })
})

describe('CREATE TRIGGER … BEGIN …; …; END; is one statement', () => {
  const trigger = [
    'CREATE TRIGGER log_insert AFTER INSERT ON t',
    'BEGIN',
    "  INSERT INTO trigger_log (msg) VALUES ('inserted; ok');",
    '  UPDATE t SET n = n + 1;',
    'END;',
  ].join('\n')

  test('a trigger with a multi-statement body', () => {
    assert.deepEqual(sqls(`${trigger}\nSELECT 1;`), [trigger, 'SELECT 1;'])
  })

  test('TEMP and TEMPORARY triggers, any letter case, comments between the keywords', () => {
    for (const head of [
      'CREATE TEMP TRIGGER',
      'CREATE TEMPORARY TRIGGER',
      'create temp trigger',
      'Create Temporary Trigger',
      'CREATE /* c */ TEMP -- c\n TRIGGER',
      'CREATE\n\tTRIGGER',
    ]) {
      const text = `${head} tr AFTER DELETE ON t BEGIN DELETE FROM u; DELETE FROM v; END;\nSELECT 1;`
      assert.deepEqual(sqls(text), [text.slice(0, text.indexOf('\nSELECT')), 'SELECT 1;'], head)
    }
  })

  test('nested CASE … END in the body, END right after white space and comments', () => {
    const body = [
      'CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW WHEN CASE NEW.a WHEN 1 THEN 1 END BEGIN',
      "  UPDATE t SET b = CASE WHEN NEW.a > 0 THEN CASE NEW.c WHEN 'x;' THEN 1 ELSE 2 END ELSE 3 /* ; */ END;",
      "  SELECT CASE WHEN NEW.a IS NULL THEN RAISE(ABORT, 'a; END;')",
      '  -- END;',
      '  END;',
      '  -- the end; of the body',
      '  /* END; */',
      'end;',
    ].join('\n')
    assert.deepEqual(sqls(`${body}\nSELECT 2;`), [body, 'SELECT 2;'])
    assert.deepEqual(sqls('CREATE TRIGGER t2 AFTER INSERT ON t BEGIN SELECT 1;END;SELECT 3;'), [
      'CREATE TRIGGER t2 AFTER INSERT ON t BEGIN SELECT 1;END;',
      'SELECT 3;',
    ])
  })

  test('END as a quoted identifier or inside a longer word does not close the trigger', () => {
    const text =
      'CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; "end"; END_x; [end]; `end`; SELECT 2; END;\nSELECT 3;'
    assert.deepEqual(sqls(text), [text.slice(0, text.indexOf('\nSELECT 3')), 'SELECT 3;'])
  })

  test('words that only look like the keywords do not start a trigger', () => {
    assert.deepEqual(sqls('CREATE TABLE trigger_log (create_at TEXT, "end" TEXT);\nSELECT 1;'), [
      'CREATE TABLE trigger_log (create_at TEXT, "end" TEXT);',
      'SELECT 1;',
    ])
    assert.deepEqual(sqls('CREATE TEMP TABLE x (a);\nCREATE TEMP VIEW v AS SELECT 1;'), [
      'CREATE TEMP TABLE x (a);',
      'CREATE TEMP VIEW v AS SELECT 1;',
    ])
    assert.deepEqual(sqls('CREATE "TRIGGER" x; SELECT 1;'), ['CREATE "TRIGGER" x;', 'SELECT 1;'])
    assert.deepEqual(sqls('SELECT 1 FROM t WHERE CREATE TRIGGER; SELECT 2;'), [
      'SELECT 1 FROM t WHERE CREATE TRIGGER;',
      'SELECT 2;',
    ])
    assert.deepEqual(sqls('END; BEGIN; END TRANSACTION;'), ['END;', 'BEGIN;', 'END TRANSACTION;'])
  })

  test('EXPLAIN [QUERY PLAN] CREATE TRIGGER is one statement too', () => {
    for (const head of ['EXPLAIN', 'explain query plan']) {
      const text = `${head} CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\nEXPLAIN SELECT 3;`
      assert.deepEqual(sqls(text), [text.slice(0, text.indexOf('\nEXPLAIN SELECT')), 'EXPLAIN SELECT 3;'], head)
    }
  })

  test('only ASCII letters make keywords: "trıgger" (dotless ı) is no TRIGGER to SQLite (regression)', () => {
    // sqlite3_complete compares bytes, ASCII case-insensitively; JavaScript's toUpperCase() turns
    // U+0131 (ı) into "I", so the splitter took "trıgger" and "explaın" for keywords.
    assert.deepEqual(sqls('CREATE TRıGGER x; SELECT 1;'), ['CREATE TRıGGER x;', 'SELECT 1;'])
    assert.deepEqual(sqls('explaın CREATE TRIGGER x; SELECT 1;'), ['explaın CREATE TRIGGER x;', 'SELECT 1;'])
  })

  test('a trigger closed by END but without the final ";" is kept as the last statement (regression)', () => {
    // sqlite3_complete(text + ";") is true and SQLite prepares "CREATE TRIGGER … END" as it is:
    // like any last statement, the trigger may omit its ";".
    const text = 'SELECT 1;\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 2;\nEND -- no semicolon\n'
    const result = split(text)
    assert.equal(result.problem, undefined)
    assert.deepEqual(
      result.statements.map((s) => s.sql),
      ['SELECT 1;', 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 2;\nEND'],
    )
  })
})

describe('unterminated text is a problem', () => {
  const cases: [string, RegExp, number][] = [
    ["SELECT 1;\nINSERT INTO t VALUES ('never;\nclosed);\n", /string/, 2],
    ['SELECT 1;\n\nSELECT "never closed;', /quoted identifier/, 3],
    ['SELECT [never closed;', /quoted identifier/, 1],
    ['SELECT `never closed;', /quoted identifier/, 1],
    ['SELECT 1;\n/* never\nclosed; * / ;', /comment/, 2],
    ['SELECT 1; /* trailing comment, never closed', /comment/, 1],
    ['SELECT 1;\n\nCREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n  SELECT 2;\n', /TRIGGER/, 3],
    ['CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 2', /TRIGGER/, 1],
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; -- END;\n', /TRIGGER/, 1],
  ]
  for (const [text, reason, line] of cases) {
    test(JSON.stringify(text), () => {
      const result = split(text)
      assert.ok(result.problem, 'a problem is reported')
      assert.match(result.problem.reason, reason)
      assert.equal(result.problem.line, line)
    })
  }

  test('statements before the problem are still returned', () => {
    const result = split("SELECT 1;\nSELECT 'x")
    assert.deepEqual(
      result.statements.map((s) => s.sql),
      ['SELECT 1;'],
    )
    assert.ok(result.problem)
  })
})

describe('statement lines', () => {
  test('1-based line of the first token', () => {
    assert.deepEqual(lines('SELECT 1;\nSELECT 2;\n\n\n  SELECT 3;'), [1, 2, 5])
    assert.deepEqual(lines('\n\n\tSELECT 1; SELECT 2;\nSELECT\n3;'), [3, 3, 4])
  })

  test('after CRLF line endings', () => {
    assert.deepEqual(lines('SELECT 1;\r\n\r\nSELECT 2;\r\nSELECT\r\n3;\r\n  SELECT 4'), [1, 3, 4, 6])
  })

  test('after multi-line comments, strings and triggers', () => {
    const text = [
      '/* a',
      ' * b',
      ' */ SELECT 1;',
      '-- x;',
      '-- y;',
      '',
      'SELECT',
      "'multi",
      "line'; SELECT 2;",
      'CREATE TRIGGER t AFTER INSERT ON x BEGIN',
      'SELECT 1;',
      'END; /* c',
      '*/',
      'SELECT 3;',
    ].join('\n')
    assert.deepEqual(lines(text), [3, 7, 9, 10, 14])
    assert.deepEqual(lines(text.replaceAll('\n', '\r\n')), [3, 7, 9, 10, 14])
  })

  test('the line of the first token, not of white space or comments before it', () => {
    assert.deepEqual(lines('SELECT 1; -- comment\n/* two\nlines */\n\n   INSERT INTO t VALUES (1);'), [1, 5])
  })
})

describe('head tokens', () => {
  const head = (text: string): readonly string[] => split(text).statements[0]!.head
  /** `head` is the first tokens as written: a prefix of `tokens`, at least six long (or all of them). */
  const assertHead = (text: string, tokens: readonly string[]): void => {
    const actual = head(text)
    assert.ok(actual.length >= Math.min(6, tokens.length), `${JSON.stringify(actual)} has the first tokens`)
    assert.deepEqual(actual, tokens.slice(0, actual.length))
  }

  test('the first tokens as written, without comments', () => {
    assertHead('PRAGMA foreign_keys = OFF;', ['PRAGMA', 'foreign_keys', '=', 'OFF'])
    assertHead('  /* c */ pragma /* x */ Foreign_Keys=off -- y\n;', ['pragma', 'Foreign_Keys', '=', 'off'])
    assertHead('SELECT 1', ['SELECT', '1'])
  })

  test('quoted tokens are kept whole, with their quotes', () => {
    assertHead(`INSERT INTO "a;b" VALUES ('it''s', [c d], \`e\`);`, [
      'INSERT',
      'INTO',
      '"a;b"',
      'VALUES',
      '(',
      "'it''s'",
      ',',
      '[c d]',
      ',',
      '`e`',
      ')',
    ])
  })

  test('only the first few tokens, across a trigger body', () => {
    const tokens = ['CREATE', 'TEMP', 'TRIGGER', 't', 'AFTER', 'INSERT', 'ON', 'x', 'BEGIN', 'SELECT', '1', 'END']
    assertHead('CREATE /* c */ TEMP -- c\n TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;', tokens)
    assert.ok(head('SELECT ' + 'a, '.repeat(100) + 'b;').length < 50, 'head is short')
  })
})

describe('statement text is unaltered', () => {
  test('slices of the input, byte for byte (CRLF, tabs, non-ASCII, comments inside)', () => {
    const text = "\t-- lead\r\nINSERT INTO \"名前\"\t(a)\r\nVALUES ('é😀;\r\n' /* c; */);\r\n\r\nSELECT\t'x'\r\n;\r\n"
    const statements = split(text).statements
    assert.deepEqual(
      statements.map((s) => s.sql),
      ['INSERT INTO "名前"\t(a)\r\nVALUES (\'é😀;\r\n\' /* c; */);', "SELECT\t'x'\r\n;"],
    )
    let from = 0
    for (const s of statements) {
      const at = text.indexOf(s.sql, from)
      assert.ok(at >= from, `${JSON.stringify(s.sql)} is a slice of the input`)
      from = at + s.sql.length
    }
  })

  test('every statement of 2,000 generated migrations is a slice of its text, in order', () => {
    for (let index = 0; index < 2000; index++) {
      const text = canonicalText(generateCase(7, index).text)
      let from = 0
      for (const s of split(text).statements) {
        const at = text.indexOf(s.sql, from)
        assert.ok(at >= from && s.sql.length > 0, `case ${index}: ${JSON.stringify(s.sql)}`)
        from = at + s.sql.length
      }
    }
  })

  test('raw CRLF text splits like its canonical (LF) form: same statements, lines and problems', () => {
    for (let index = 0; index < 2000; index++) {
      const lf = canonicalText(generateCase(11, index).text)
      const crlf = lf.replaceAll('\n', '\r\n')
      const a = split(lf)
      const b = split(crlf)
      assert.deepEqual(
        b.statements.map((s) => [s.index, s.line, s.sql.replaceAll('\r\n', '\n')]),
        a.statements.map((s) => [s.index, s.line, s.sql]),
        `case ${index}`,
      )
      assert.deepEqual(b.problem, a.problem, `case ${index}`)
    }
  })
})

/**
 * Unit tests of the PostgreSQL statement splitter (`splitPostgresStatements`): every rule that
 * decides where psql ends a statement, the literals as the PostgreSQL 15 server reads them, psql
 * features that are not SQL, unterminated text, lines, columns and offsets, and agreement with
 * PostgreSQL's own parser (libpg-query) on hand-picked texts, the corpus of real histories and
 * every saved fuzzing regression. Pure: no server needed.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CORPUS } from '../helpers/corpus.js'
import {
  lineAndColumn,
  splitPostgresStatements,
  statementPositionInFile,
  type PostgresSplitResult,
} from '../../lib/dialects/postgres/postgres-splitter.js'
import { generatePgCase } from '../reliability/pg-fuzz-generator.js'
import {
  canonicalText,
  compareWithPgQuery,
  loadPgQuery,
  pgQuery,
  splitWithoutBom,
} from '../reliability/pg-query-oracle.js'

const split = (text: string): PostgresSplitResult => splitPostgresStatements(text)
const sqls = (text: string): string[] => {
  const result = split(text)
  assert.equal(result.problem, undefined, `no problem in ${JSON.stringify(text)}`)
  return result.statements.map((s) => s.sql)
}
const problemOf = (text: string): { line: number; column: number; reason: string } => {
  const problem = split(text).problem
  assert.ok(problem, `a problem in ${JSON.stringify(text)}`)
  return problem
}

const CORPUS_HISTORIES = ['atuin-postgres', 'authelia-postgres', 'cratesio-postgres', 'harbor-postgres']
// build/test/lib → test/fixtures/pg-splitter-regressions (the source tree).
const REGRESSIONS = fileURLToPath(new URL('../../../test/fixtures/pg-splitter-regressions/', import.meta.url))

before(() => loadPgQuery())

/** Checks each text against libpg-query; fails with every disagreement. */
function assertAgreesWithPostgres(
  texts: readonly string[],
  names: readonly string[] = texts.map((t) => JSON.stringify(t)),
): void {
  const failures: string[] = []
  texts.forEach((text, i) => {
    const { body, split: result } = splitWithoutBom(text, splitPostgresStatements)
    const mismatches = compareWithPgQuery(body, result, pgQuery(body))
    if (mismatches.length) failures.push(`${names[i]}:\n    ${mismatches.join('\n    ')}`)
  })
  assert.deepEqual(failures, [], `${failures.length} of ${texts.length} texts disagree with libpg-query`)
}

describe('statements end at ";"', () => {
  test('splits on ";" and keeps each statement with its ";"', () => {
    assert.deepEqual(sqls('CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n'), [
      'CREATE TABLE a (x int);',
      'INSERT INTO a VALUES (1);',
    ])
    assert.deepEqual(sqls('SELECT 1;SELECT 2;'), ['SELECT 1;', 'SELECT 2;'])
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
    assert.deepEqual(sqls(''), [])
    assert.deepEqual(sqls('  \n\t-- only a comment'), [])
    assert.deepEqual(sqls('/* only */ -- comments ;'), [])
  })

  test('a last statement without ";" is kept, without trailing comments or white space', () => {
    assert.deepEqual(sqls('SELECT 1;\nSELECT 2'), ['SELECT 1;', 'SELECT 2'])
    assert.deepEqual(sqls('SELECT 1;\nSELECT 2 -- two\n/* end */\n  '), ['SELECT 1;', 'SELECT 2'])
    assert.deepEqual(sqls("SELECT 'x' -- no newline at the end"), ["SELECT 'x'"])
  })

  test('";" inside parentheses does not end a statement (psql counts them)', () => {
    assert.deepEqual(sqls('SELECT (1; 2); SELECT 3;'), ['SELECT (1; 2);', 'SELECT 3;'])
    // psql never lets the depth go below zero: a stray ")" does not swallow the next ";".
    assert.deepEqual(sqls('SELECT 1); SELECT 2;'), ['SELECT 1);', 'SELECT 2;'])
  })
})

describe('string literals, as the PostgreSQL 15 server reads them', () => {
  test("';' inside '…', with '' for a quote", () => {
    assert.deepEqual(sqls("INSERT INTO t VALUES ('a;b', 'it''s; fine', '');\nSELECT ';';"), [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', '');",
      "SELECT ';';",
    ])
    assert.deepEqual(sqls("SELECT '-- no comment; /* nor this; */ $$';"), [
      "SELECT '-- no comment; /* nor this; */ $$';",
    ])
  })

  test("a backslash is an ordinary character in '…' (standard_conforming_strings is on)", () => {
    assert.deepEqual(sqls("SELECT 'a\\'; SELECT 2;"), ["SELECT 'a\\';", 'SELECT 2;'])
    assert.deepEqual(sqls("SELECT '\\\\'; SELECT 2;"), ["SELECT '\\\\';", 'SELECT 2;'])
  })

  test("E'…' has backslash escapes: \\' does not end it, \\\\ is one backslash", () => {
    assert.deepEqual(sqls("SELECT E'it\\'s; fine'; SELECT 2;"), ["SELECT E'it\\'s; fine';", 'SELECT 2;'])
    assert.deepEqual(sqls("SELECT e'\\\\'; SELECT 2;"), ["SELECT e'\\\\';", 'SELECT 2;'])
    assert.deepEqual(sqls("SELECT E'\\\\\\';'; SELECT 2;"), ["SELECT E'\\\\\\';';", 'SELECT 2;'])
    assert.deepEqual(sqls("SELECT E'a''b;\\n\\x41\\u00e9'; SELECT 2;"), [
      "SELECT E'a''b;\\n\\x41\\u00e9';",
      'SELECT 2;',
    ])
  })

  test('the E, B, X and U& prefixes count only at the start of a token', () => {
    // "te" is a word, so '\' is a plain literal that the backslash does not keep open.
    assert.deepEqual(sqls("SELECT 1 AS te'\\'; SELECT 2;"), ["SELECT 1 AS te'\\';", 'SELECT 2;'])
    // After a number, letters belong to the number (PostgreSQL ≥ 15: "trailing junk"), so no E'…'.
    assert.deepEqual(sqls("SELECT 1e'\\'; SELECT 2;"), ["SELECT 1e'\\';", 'SELECT 2;'])
    assert.deepEqual(sqls("SELECT $1e'\\'; SELECT 2;"), ["SELECT $1e'\\';", 'SELECT 2;'])
    // After "." or "(", E'…' is a literal with escapes again.
    assert.deepEqual(sqls("SELECT (E'\\';'); SELECT 2;"), ["SELECT (E'\\';');", 'SELECT 2;'])
  })

  test("U&'…' (with UESCAPE), B'…', X'…' and N'…' are plain literals", () => {
    assert.deepEqual(sqls("SELECT U&'d\\0061t\\+000061;', u&'x!0061;' UESCAPE '!'; SELECT 2;"), [
      "SELECT U&'d\\0061t\\+000061;', u&'x!0061;' UESCAPE '!';",
      'SELECT 2;',
    ])
    assert.deepEqual(sqls("SELECT B'01', X'1F', N'na;tional', U&'\\'; SELECT 2;"), [
      "SELECT B'01', X'1F', N'na;tional', U&'\\';",
      'SELECT 2;',
    ])
  })

  test("'a'<newline>'b' is one literal, and after E'…' the next segments keep the escapes", () => {
    // The server joins the segments; psql reads a file line by line and does not, but psql then
    // sends the whole rest of the file at once, which the server splits as here.
    assert.deepEqual(sqls("SELECT E'a'\n'\\'; still the literal'; SELECT 2;"), [
      "SELECT E'a'\n'\\'; still the literal';",
      'SELECT 2;',
    ])
    assert.deepEqual(sqls("SELECT E'a' \n\t \n'\\''; SELECT 2;"), ["SELECT E'a' \n\t \n'\\'';", 'SELECT 2;'])
    // Across -- comments too, as the 15.20 server does (libpg-query 15 does not).
    assert.deepEqual(sqls("SELECT E'a' -- c\n-- d\n'\\';'; SELECT 2;"), [
      "SELECT E'a' -- c\n-- d\n'\\';';",
      'SELECT 2;',
    ])
    // No newline, or a block comment in between: two literals, and the second one has no escapes.
    assert.deepEqual(sqls("SELECT E'a' '\\'; SELECT 2;"), ["SELECT E'a' '\\';", 'SELECT 2;'])
    assert.deepEqual(sqls("SELECT E'a'\n/* c */ '\\'; SELECT 2;"), ["SELECT E'a'\n/* c */ '\\';", 'SELECT 2;'])
  })
})

describe('dollar quotes', () => {
  test('$$…$$ and $tag$…$tag$ hide ";", quotes and comment starts', () => {
    const fn = 'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; -- \' " /* $$ LANGUAGE plpgsql;'
    assert.deepEqual(sqls(`${fn}\nSELECT 1;`), [fn, 'SELECT 1;'])
    assert.deepEqual(sqls("DO $body$ BEGIN EXECUTE 'x;'; END $body$; SELECT 1;"), [
      "DO $body$ BEGIN EXECUTE 'x;'; END $body$;",
      'SELECT 1;',
    ])
  })

  test('other tags nested inside, and $$ inside $tag$', () => {
    const text = 'SELECT $a$ x $b$ ; $b$ $$ ; $$ $a$; SELECT 2;'
    assert.deepEqual(sqls(text), ['SELECT $a$ x $b$ ; $b$ $$ ; $$ $a$;', 'SELECT 2;'])
    assert.deepEqual(sqls('SELECT $fn$ $fnx$; $fn$; SELECT 2;'), ['SELECT $fn$ $fnx$; $fn$;', 'SELECT 2;'])
  })

  test('tags: identifier characters without "$", no digit first, case-sensitive', () => {
    assert.deepEqual(sqls('SELECT $_1$;$_1$, $é$;$é$; SELECT 2;'), ['SELECT $_1$;$_1$, $é$;$é$;', 'SELECT 2;'])
    assert.match(problemOf('SELECT $A$ ; $a$; SELECT 2;').reason, /dollar-quoted string \$A\$ is not closed/)
  })

  test('$1 is a parameter, not a tag; "$" inside a word is part of the word', () => {
    assert.deepEqual(sqls('SELECT $1; SELECT $2; SELECT $1$$;$$;'), ['SELECT $1;', 'SELECT $2;', 'SELECT $1$$;$$;'])
    assert.deepEqual(sqls('SELECT x$$ FROM t; SELECT price$usd; SELECT 2;'), [
      'SELECT x$$ FROM t;',
      'SELECT price$usd;',
      'SELECT 2;',
    ])
    // "$abc" without a closing "$" is "$" and a word.
    assert.deepEqual(sqls('SELECT $abc; SELECT 2;'), ['SELECT $abc;', 'SELECT 2;'])
  })
})

describe('quoted identifiers and comments', () => {
  test('";" inside "…" (with "" for a quote) and U&"…"', () => {
    assert.deepEqual(sqls('CREATE TABLE "a;b" ("x"";y" int, U&"\\0061;" int); SELECT 1;'), [
      'CREATE TABLE "a;b" ("x"";y" int, U&"\\0061;" int);',
      'SELECT 1;',
    ])
  })

  test('";" inside -- and /* */ comments', () => {
    assert.deepEqual(sqls('SELECT 1 -- not here; nor here\n, 2;\nSELECT /* ; */ 3;'), [
      'SELECT 1 -- not here; nor here\n, 2;',
      'SELECT /* ; */ 3;',
    ])
  })

  test('block comments nest: /* /* */ ; */ is one comment', () => {
    assert.deepEqual(sqls('SELECT 1 /* a /* b; */ c; */ ; SELECT 2;'), ['SELECT 1 /* a /* b; */ c; */ ;', 'SELECT 2;'])
    assert.deepEqual(sqls('SELECT 1 /* a /* b */ */; SELECT 2 /**/;'), ['SELECT 1 /* a /* b */ */;', 'SELECT 2 /**/;'])
  })

  test('comment starts inside operators: 1--2 and +/* are comments', () => {
    assert.deepEqual(sqls('SELECT 1--2;\n;SELECT 2 +/* ; */ 3;'), ['SELECT 1--2;\n;', 'SELECT 2 +/* ; */ 3;'])
  })

  test('a -- comment ends at \\n or \\r', () => {
    assert.deepEqual(sqls('SELECT 1; -- c\rSELECT 2;'), ['SELECT 1;', 'SELECT 2;'])
  })
})

describe('CREATE FUNCTION|PROCEDURE … BEGIN ATOMIC … END (psql counts BEGIN, CASE and END)', () => {
  const body = [
    'CREATE FUNCTION f(a int DEFAULT CASE WHEN true THEN 1 END) RETURNS int LANGUAGE sql',
    'BEGIN ATOMIC',
    "  SELECT CASE WHEN a > 0 THEN 'x;' ELSE CASE a WHEN 0 THEN 'y' END END;",
    '  SELECT (CASE WHEN true THEN 1 END);',
    '  INSERT INTO t VALUES (1);',
    '  RETURN 1;',
    'END;',
  ].join('\n')

  test('one statement, with CASE … END inside and in parentheses', () => {
    assert.deepEqual(sqls(`${body}\nSELECT 2;`), [body, 'SELECT 2;'])
  })

  test('CREATE OR REPLACE, PROCEDURE, any letter case, comments between the words', () => {
    for (const head of [
      'CREATE OR REPLACE FUNCTION',
      'create procedure',
      'Create Or Replace Procedure',
      'CREATE /* ; */ OR -- c;\n REPLACE\n FUNCTION',
    ]) {
      const text = `${head} p() LANGUAGE sql begin atomic DELETE FROM u; DELETE FROM v; end;\nSELECT 1;`
      assert.deepEqual(sqls(text), [text.slice(0, text.indexOf('\nSELECT 1;')), 'SELECT 1;'], head)
    }
  })

  test('an empty body, and a last statement without ";"', () => {
    assert.deepEqual(sqls('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC END; SELECT 1'), [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC END;',
      'SELECT 1',
    ])
    assert.deepEqual(sqls('CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; END'), [
      'CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; END',
    ])
  })

  test('RETURN CASE … END has no block to close', () => {
    assert.deepEqual(sqls('CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END; SELECT 2;'), [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END;',
      'SELECT 2;',
    ])
  })

  test('outside CREATE FUNCTION|PROCEDURE, BEGIN, CASE and END are ordinary words', () => {
    assert.deepEqual(
      sqls('BEGIN; SELECT CASE WHEN true THEN 1 END; END; CREATE TABLE begin (case_ int); SELECT 1 AS begin;'),
      ['BEGIN;', 'SELECT CASE WHEN true THEN 1 END;', 'END;', 'CREATE TABLE begin (case_ int);', 'SELECT 1 AS begin;'],
    )
    assert.deepEqual(sqls('CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION begin(); SELECT 1;'), [
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION begin();',
      'SELECT 1;',
    ])
  })

  test('quoted "begin", "end", words containing them, and literals do not count', () => {
    const text =
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS "end", end_date, \'end\', $$begin$$; END;'
    assert.deepEqual(sqls(`${text} SELECT 2;`), [text, 'SELECT 2;'])
  })

  test("a body that is never closed is a problem naming psql's rule", () => {
    const problem = problemOf('SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1;\n')
    assert.equal(problem.line, 2)
    assert.match(problem.reason, /BEGIN … END body .* not closed/)
    // As psql: a bare name "begin" inside the function opens a block no END closes.
    assert.match(
      problemOf('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS begin; END;').reason,
      /quote any name/,
    )
  })
})

describe('psql features are problems, not SQL', () => {
  const cases: [string, RegExp, number, number][] = [
    [
      'SELECT 1;\n\\set x 1\nSELECT :x;',
      /psql meta-command \\set is not SQL: remove it; migrations run without psql/,
      2,
      1,
    ],
    ['\\i other.sql', /meta-command \\i /, 1, 1],
    ['  \\connect db', /meta-command \\connect /, 1, 3],
    ['\\c db\nSELECT 1;', /meta-command \\c /, 1, 1],
    [
      "SELECT format('CREATE TABLE t%s (a int)', g) FROM generate_series(1, 3) g \\gexec",
      /meta-command \\gexec /,
      1,
      75,
    ],
    ['SELECT 1 \\; SELECT 2;', /meta-command \\; /, 1, 10],
    ['\\.', /meta-command \\\. /, 1, 1],
  ]
  for (const [text, reason, line, column] of cases) {
    test(JSON.stringify(text), () => {
      const problem = problemOf(text)
      assert.match(problem.reason, reason)
      assert.deepEqual([problem.line, problem.column], [line, column])
    })
  }

  test('a backslash inside literals, identifiers and comments is no meta-command', () => {
    assert.deepEqual(sqls("SELECT '\\set', E'\\\\', $$\\i$$, \"\\c\" -- \\gexec\n/* \\. */;"), [
      "SELECT '\\set', E'\\\\', $$\\i$$, \"\\c\" -- \\gexec\n/* \\. */;",
    ])
  })

  test('COPY … FROM stdin: its data follows in the file, which only psql sends', () => {
    for (const text of [
      'COPY t FROM stdin;\n1\t2\n\\.\n',
      'copy t (a, b) from STDIN with (format csv);\n1,2\n',
      "COPY public.t FROM stdin;\n1\t'unclosed\n\\.\n",
    ]) {
      const problem = problemOf(text)
      assert.match(problem.reason, /COPY … FROM stdin needs psql to send the data .* use INSERT statements/i, text)
      assert.equal(problem.line, 1)
    }
    assert.deepEqual(sqls("COPY t FROM '/tmp/x.csv'; COPY (SELECT 'from stdin') TO '/tmp/y'; SELECT 1;"), [
      "COPY t FROM '/tmp/x.csv';",
      "COPY (SELECT 'from stdin') TO '/tmp/y';",
      'SELECT 1;',
    ])
  })
})

describe('unterminated text is a problem, at the line and column where it starts', () => {
  const cases: [string, RegExp, number, number][] = [
    ["SELECT 1;\nINSERT INTO t VALUES ('never;\nclosed);\n", /string literal '…' is not closed/, 2, 23],
    ["SELECT E'ends in a backslash\\'", /string literal E'…' is not closed/, 1, 8],
    ["SELECT E'a'\n'\\'", /string literal E'…'/, 1, 8],
    ["SELECT U&'x", /string literal U&'…'/, 1, 8],
    // N'…' is the keyword NCHAR and a plain literal: the literal starts at the quote (fuzzing regression).
    ["SELECT N'x", /string literal '…'/, 1, 9],
    ['SELECT 1;\n\nSELECT "never closed;', /quoted identifier is not closed/, 3, 8],
    ['SELECT 1;\n/* never\nclosed; */ /* ;', /comment "\/\*" is not closed/, 3, 12],
    ['SELECT 1; /* a /* b */ still open;', /comment/, 1, 11],
    ['SELECT $fn$ body; $fn; SELECT 1;', /dollar-quoted string \$fn\$ is not closed by \$fn\$/, 1, 8],
    ['SELECT (1,\n2;\nSELECT 3', /parenthesis "\(" is not closed/, 1, 8],
  ]
  for (const [text, reason, line, column] of cases) {
    test(JSON.stringify(text), () => {
      const problem = problemOf(text)
      assert.match(problem.reason, reason)
      assert.deepEqual([problem.line, problem.column], [line, column])
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

describe('lines, columns and offsets', () => {
  const where = (text: string): [number, number, number][] =>
    split(text).statements.map((s) => [s.line, s.column, s.offset])

  test('the first token, not the white space or comments before it', () => {
    assert.deepEqual(where('SELECT 1; -- c\n/* two\nlines */\n\n   INSERT INTO t VALUES (1);'), [
      [1, 1, 0],
      [5, 4, 35],
    ])
    assert.deepEqual(where('\n\n\tSELECT 1; SELECT 2;\nSELECT\n3;'), [
      [3, 2, 3],
      [3, 12, 13],
      [4, 1, 23],
    ])
  })

  test('columns count characters, as PostgreSQL does: an emoji is one', () => {
    const text = "SELECT '😀'; SELECT 2;"
    assert.deepEqual(where(text), [
      [1, 1, 0],
      [1, 13, 13],
    ])
    assert.equal(text.slice(13), 'SELECT 2;')
  })

  test('after CRLF line endings', () => {
    assert.deepEqual(
      where('SELECT 1;\r\n\r\nSELECT 2;\r\nSELECT\r\n3;\r\n  SELECT 4').map(([line, column]) => [line, column]),
      [
        [1, 1],
        [3, 1],
        [4, 1],
        [6, 3],
      ],
    )
  })

  test('a byte order mark at the start is no token', () => {
    const result = split('\uFEFFSELECT 1;\nSELECT 2;')
    assert.deepEqual(
      result.statements.map((s) => [s.sql, s.line, s.offset]),
      [
        ['SELECT 1;', 1, 1],
        ['SELECT 2;', 2, 11],
      ],
    )
  })

  test("PostgreSQL's error position maps back to the file's line and column", () => {
    const text = "SELECT 1;\n\nINSERT INTO t\nVALUES ('😀', nope);"
    const statement = split(text).statements[1]!
    // PostgreSQL counts characters from 1 in the statement sent: "nope" is character 28.
    assert.equal(Array.from(statement.sql).indexOf('n', 20) + 1, 28)
    assert.deepEqual(statementPositionInFile(text, statement, 28), { line: 4, column: 14 })
    assert.deepEqual(statementPositionInFile(text, statement, 1), { line: 3, column: 1 })
    assert.deepEqual(lineAndColumn(text, text.indexOf('nope')), { line: 4, column: 14 })
  })
})

describe('head tokens and unaltered text', () => {
  test('the first tokens as written, without comments', () => {
    const head = split('  /* c */ create /* x */ Unique -- y\n INDEX CONCURRENTLY "i;x" ON t (a);').statements[0]!.head
    assert.deepEqual(head.slice(0, 6), ['create', 'Unique', 'INDEX', 'CONCURRENTLY', '"i;x"', 'ON'])
    assert.ok(split('SELECT ' + 'a, '.repeat(100) + 'b;').statements[0]!.head.length < 20, 'head is short')
  })

  test('every statement of 2,000 generated migrations is the slice of the text at its offset', () => {
    for (let index = 0; index < 2000; index++) {
      const text = canonicalText(generatePgCase(7, index).text)
      let from = 0
      for (const s of split(text).statements) {
        assert.ok(s.offset >= from && s.sql.length > 0, `case ${index}: ${JSON.stringify(s.sql)}`)
        assert.equal(text.slice(s.offset, s.offset + s.sql.length), s.sql, `case ${index}`)
        assert.deepEqual(lineAndColumn(text, s.offset), { line: s.line, column: s.column }, `case ${index}`)
        from = s.offset + s.sql.length
      }
    }
  })

  test('raw CRLF text splits like its canonical (LF) form: same statements, lines and problems', () => {
    for (let index = 0; index < 2000; index++) {
      const lf = canonicalText(generatePgCase(11, index).text)
      const a = split(lf)
      const b = split(lf.replaceAll('\n', '\r\n'))
      assert.deepEqual(
        b.statements.map((s) => [s.index, s.line, s.column, s.sql.replaceAll('\r\n', '\n')]),
        a.statements.map((s) => [s.index, s.line, s.column, s.sql]),
        `case ${index}`,
      )
      assert.equal(b.problem?.line, a.problem?.line, `case ${index}`)
      assert.equal(b.problem?.reason, a.problem?.reason, `case ${index}`)
    }
  })
})

describe("agreement with PostgreSQL's parser (libpg-query)", () => {
  test('hand-picked tricky texts', () => {
    assertAgreesWithPostgres([
      "SELECT 'a;b'; SELECT \"c;d\"; SELECT $$e;f$$; SELECT $t$g;h$t$; SELECT E'\\';'",
      "SELECT 'it''s'';'; SELECT 1",
      "SELECT 'a\\'; SELECT E'\\\\'; SELECT e'\\';\\\\'",
      "SELECT E'a'\n'\\';'; SELECT 2",
      "SELECT U&'\\0041;' UESCAPE '\\', U&\"\\0061;\"; SELECT 2",
      "SELECT B'01', X'1F', N'x;'; SELECT 2",
      'SELECT 1; -- c;\nSELECT 2 -- c;',
      'SELECT 1; /* c; /* nested; */ still; */ ;; ;',
      'SELECT 1--2\n;SELECT 2 +/* ; */ 3',
      'SELECT $a$ $b$ ; $b$ $$ ; $$ $a$; SELECT $_1$;$_1$, $é$;$é$',
      'SELECT $1; SELECT x$$ FROM t; SELECT $abc',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN CASE 1 WHEN 1 THEN 2 END END; SELECT (CASE WHEN true THEN 1 END); END; SELECT 3',
      'CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END; SELECT 3',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END; SELECT 2',
      'BEGIN; SELECT CASE WHEN true THEN 1 END; END; SELECT 1 AS begin',
      'SELECT 1;\f',
      '\uFEFFSELECT 1;',
      'SELECT \'😀;\'; SELECT 名前; SELECT "名前;"',
      "SELECT 1; 'unterminated",
      'SELECT 1; /* unterminated /* */',
      "SELECT E'unterminated\\'",
      "SELECT N'unterminated",
      'SELECT $x$ unterminated $X$',
      'SELECT "unterminated',
      'SELECT 1; -- just a comment',
    ])
  })

  test('the corpus of real histories (atuin, authelia, crates.io, harbor), raw and canonical', (t) => {
    const texts: string[] = []
    const names: string[] = []
    for (const history of CORPUS_HISTORIES) {
      const folder = join(CORPUS, history, 'migrations')
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.sql'))
        .sort()) {
        const raw = readFileSync(join(folder, file), 'utf8')
        const canonical = canonicalText(raw)
        texts.push(canonical)
        names.push(`${history}/${file}`)
        if (raw !== canonical) {
          texts.push(raw)
          names.push(`${history}/${file} (raw)`)
        }
      }
    }
    assert.ok(texts.length >= 340, `the corpus has ${texts.length} files`)
    assertAgreesWithPostgres(texts, names)
    const statements = texts.reduce((n, text) => n + split(text).statements.length, 0)
    assert.ok(statements >= 1000, `${statements} statements`)
    t.diagnostic(`${texts.length} corpus texts, ${statements} statements`)
  })

  const regressions = existsSync(REGRESSIONS)
    ? readdirSync(REGRESSIONS)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : []
  for (const file of regressions) {
    test(`fuzzing regression ${file}`, () => {
      const saved = JSON.parse(readFileSync(join(REGRESSIONS, file), 'utf8')) as { text: string; minimal?: string }
      const texts = saved.minimal !== undefined ? [saved.minimal, saved.text] : [saved.text]
      assertAgreesWithPostgres(texts, saved.minimal !== undefined ? ['minimal', 'text'] : ['text'])
    })
  }
})

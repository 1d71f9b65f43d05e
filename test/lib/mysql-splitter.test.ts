/**
 * Unit tests of the MySQL/MariaDB statement splitter (`splitMysqlStatements`), pure (no server):
 * strings and escapes, identifiers, every kind of comment, executable comments, compound
 * statements without DELIMITER, DELIMITER as the mysql client reads it, positions, problems, the
 * authelia-mysql corpus, and the replay of every saved fuzzing regression (whose expected split
 * was decided by the server; see test/reliability/mysql-splitter-fuzz.test.ts).
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CORPUS } from '../helpers/corpus.js'
import {
  splitMysqlStatements,
  type MysqlSplitOptions,
  type MysqlSplitResult,
} from '../../lib/dialects/mysql/mysql-splitter.js'

const split = (text: string, options?: MysqlSplitOptions): MysqlSplitResult => splitMysqlStatements(text, options)
const sqls = (text: string, options?: MysqlSplitOptions): string[] => {
  const result = split(text, options)
  assert.equal(result.problem, undefined, `unexpected problem: ${JSON.stringify(result.problem)}`)
  return result.statements.map((s) => s.sql)
}
const problem = (text: string): { line: number; reason: string } | undefined => split(text).problem

// build/test/lib → test/fixtures/mysql-splitter-regressions (the source tree).
const REGRESSIONS = fileURLToPath(new URL('../../../test/fixtures/mysql-splitter-regressions/', import.meta.url))

describe('statements end at ";"', () => {
  test('splits on ";" and keeps the ";" in each statement', () => {
    assert.deepEqual(sqls('CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);\n'), [
      'CREATE TABLE a (x INT);',
      'INSERT INTO a VALUES (1);',
    ])
    assert.deepEqual(sqls('SELECT 1;SELECT 2;'), ['SELECT 1;', 'SELECT 2;'])
  })

  test('empty statements are dropped, and the last statement may omit its ";"', () => {
    assert.deepEqual(sqls(';;SELECT 1;;; ;\nSELECT 2'), ['SELECT 1;', 'SELECT 2'])
    assert.deepEqual(sqls(''), [])
    assert.deepEqual(sqls('  \n-- nothing\n/* at all */ # really\n'), [])
  })

  test('trailing comments and whitespace are not part of the last statement', () => {
    assert.deepEqual(sqls('SELECT 1 -- done\n/* end */\n'), ['SELECT 1'])
    assert.deepEqual(sqls('SELECT 1; -- done'), ['SELECT 1;'])
  })

  test('comments between statements belong to neither; comments inside stay unaltered', () => {
    assert.deepEqual(sqls('-- a\nSELECT /* in */ 1 # in too\n, 2;\n/* b */ SELECT 3;'), [
      'SELECT /* in */ 1 # in too\n, 2;',
      'SELECT 3;',
    ])
  })
})

describe('strings and identifiers', () => {
  test('";" inside single- and double-quoted strings, with doubled quotes and backslash escapes', () => {
    assert.deepEqual(
      sqls("INSERT INTO t VALUES ('a;b', 'it''s; ok', 'x\\'; y', \"q\\\";\", \"d\"\";\");\nSELECT ';';"),
      ["INSERT INTO t VALUES ('a;b', 'it''s; ok', 'x\\'; y', \"q\\\";\", \"d\"\";\");", "SELECT ';';"],
    )
  })

  test("an escaped backslash ends before the quote: 'a\\\\' is complete", () => {
    assert.deepEqual(sqls("SELECT 'a\\\\'; SELECT 2"), ["SELECT 'a\\\\';", 'SELECT 2'])
  })

  test('NO_BACKSLASH_ESCAPES: a backslash is an ordinary character', () => {
    assert.deepEqual(sqls("SELECT 'a\\'; SELECT 2", { noBackslashEscapes: true }), ["SELECT 'a\\';", 'SELECT 2'])
    // Without the option the same text is one unterminated string.
    assert.match(problem("SELECT 'a\\'; SELECT 2")!.reason, /string literal is not closed/)
  })

  test('comment markers inside strings are text', () => {
    assert.deepEqual(sqls('SELECT \'-- no; /* nor; */ # this;\', "/*! ; */"; SELECT 2'), [
      'SELECT \'-- no; /* nor; */ # this;\', "/*! ; */";',
      'SELECT 2',
    ])
  })

  test('backtick identifiers with doubled backticks; a backslash does not escape in them', () => {
    assert.deepEqual(sqls('CREATE TABLE `a;b` (`c``;d` INT, `e\\` INT); SELECT 1'), [
      'CREATE TABLE `a;b` (`c``;d` INT, `e\\` INT);',
      'SELECT 1',
    ])
  })

  test('ANSI_QUOTES: a double-quoted identifier has no backslash escapes', () => {
    assert.deepEqual(sqls('SELECT "a\\"; SELECT 2', { ansiQuotes: true }), ['SELECT "a\\";', 'SELECT 2'])
  })

  test('prefixed strings: _utf8mb4, N, X and B literals', () => {
    assert.deepEqual(sqls("SELECT _utf8mb4'x;y', N'a;', X'3B', B'1'; SELECT 2"), [
      "SELECT _utf8mb4'x;y', N'a;', X'3B', B'1';",
      'SELECT 2',
    ])
  })
})

describe('comments', () => {
  test('"#" comments run to the end of the line', () => {
    assert.deepEqual(sqls('SELECT 1 # a; b\n, 2; SELECT 3'), ['SELECT 1 # a; b\n, 2;', 'SELECT 3'])
  })

  test('"--" is a comment only before whitespace, a control character or the end', () => {
    assert.deepEqual(sqls('SELECT 1 -- a; b\n, 2;'), ['SELECT 1 -- a; b\n, 2;'])
    assert.deepEqual(sqls('SELECT 1 --\ta; b\n;'), ['SELECT 1 --\ta; b\n;'])
    assert.deepEqual(sqls('SELECT 1 --\u0001a; b\n;'), ['SELECT 1 --\u0001a; b\n;'])
    assert.deepEqual(sqls('SELECT 1 --'), ['SELECT 1']) // a comment at the very end
    // `--x` and `1--1` are operators: the ";" after them ends the statement.
    assert.deepEqual(sqls('SELECT 1 --x; SELECT 2'), ['SELECT 1 --x;', 'SELECT 2'])
    assert.deepEqual(sqls('SELECT 1--1; SELECT 2'), ['SELECT 1--1;', 'SELECT 2'])
    // The mysql client drops a line starting with `--x`; the server does not, and neither do we.
    assert.deepEqual(sqls('--x\nSELECT 1;'), ['--x\nSELECT 1;'])
  })

  test('"/* */" comments are not nested: the first "*/" closes them', () => {
    assert.deepEqual(sqls('SELECT 1 /* a; /* b; */ + 1; SELECT 2'), ['SELECT 1 /* a; /* b; */ + 1;', 'SELECT 2'])
  })

  test('an unterminated comment is a problem on the line where it starts', () => {
    assert.deepEqual(problem('SELECT 1;\nSELECT /* open;\nSELECT 2;'), {
      line: 2,
      reason: 'comment "/*" is not closed by "*/"',
    })
  })
})

describe('executable comments', () => {
  test('their content is code: tokens, strings and comments inside are read', () => {
    assert.deepEqual(sqls("/*!40101 SET @saved = @@sql_mode */;\nSELECT 1 /*! + LENGTH('*/;') */; SELECT 2"), [
      '/*!40101 SET @saved = @@sql_mode */;',
      "SELECT 1 /*! + LENGTH('*/;') */;",
      'SELECT 2',
    ])
    assert.deepEqual(sqls('SELECT 1 /*M!100100 + /* inner; */ 1 */; SELECT 2'), [
      'SELECT 1 /*M!100100 + /* inner; */ 1 */;',
      'SELECT 2',
    ])
  })

  test('the markers are not in the head: it shows what the statement says', () => {
    assert.deepEqual(split('/*!40101 SET NAMES utf8 */;').statements[0]!.head, ['SET', 'NAMES', 'utf8'])
  })

  test('a ";" inside an executable comment ends the statement there, as on the server: a problem', () => {
    const found = problem('SELECT 1;\nSELECT 1 /*! ; SELECT 2 */;')
    assert.equal(found?.line, 2)
    assert.match(found!.reason, /inside an executable comment/)
  })

  test('mysqldump triggers: a compound statement inside executable comments, DELIMITER ;;', () => {
    const text =
      'DELIMITER ;;\n' +
      '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN\n' +
      '  SET NEW.a = 1;\n  SET NEW.b = 2;\nEND */;;\nDELIMITER ;\nSELECT 1;'
    assert.deepEqual(sqls(text), [
      '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN\n  SET NEW.a = 1;\n  SET NEW.b = 2;\nEND */',
      'SELECT 1;',
    ])
  })

  test('an unclosed executable comment is a problem', () => {
    assert.match(problem('SELECT 1 /*!50001 + 1')!.reason, /executable comment/)
  })
})

describe('compound statements without DELIMITER', () => {
  test('CREATE PROCEDURE … BEGIN … END with ";" inside, and nested blocks', () => {
    const procedure =
      "CREATE PROCEDURE p(IN t VARCHAR(64))\nBEGIN\n  IF EXISTS(SELECT 1) THEN\n    SET @q = CONCAT('ALTER TABLE ', t, ';');\n" +
      "    PREPARE s FROM @q;\n    EXECUTE s;\n  ELSEIF t = 'x' THEN\n    BEGIN\n      SELECT 1;\n    END;\n  ELSE\n    SELECT 2;\n  END IF;\nEND;"
    assert.deepEqual(sqls(`${procedure}\nCALL p('a');`), [procedure, "CALL p('a');"])
  })

  test('CREATE OR REPLACE DEFINER=… PROCEDURE / FUNCTION / AGGREGATE FUNCTION / TRIGGER / EVENT', () => {
    const bodies = [
      'CREATE OR REPLACE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; END;',
      "CREATE DEFINER='root'@'localhost' PROCEDURE p() BEGIN SELECT 1; END;",
      'CREATE DEFINER=CURRENT_USER() PROCEDURE p() BEGIN SELECT 1; END;',
      'CREATE DEFINER = root@localhost FUNCTION f(a INT) RETURNS DECIMAL(10,2) DETERMINISTIC BEGIN RETURN a; END;',
      "CREATE FUNCTION f() RETURNS VARCHAR(10) CHARACTER SET utf8mb4 COMMENT 'c;' BEGIN RETURN 'a;'; END;",
      "CREATE FUNCTION f() RETURNS SET('a','b') BEGIN RETURN 'a'; END;",
      'CREATE AGGREGATE FUNCTION f(x INT) RETURNS INT BEGIN DECLARE CONTINUE HANDLER FOR NOT FOUND RETURN 0; LOOP FETCH GROUP NEXT ROW; END LOOP; END;',
      'CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF NEW.a IS NULL THEN SET NEW.a = 1; END IF; END;',
      'CREATE TRIGGER t AFTER UPDATE ON x FOR EACH ROW FOLLOWS other BEGIN SELECT 1 INTO @a; END;',
      'CREATE EVENT IF NOT EXISTS e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM x; DELETE FROM y; END;',
      'ALTER EVENT e DO BEGIN DELETE FROM x; DELETE FROM y; END;',
      'CREATE PROCEDURE IF NOT EXISTS p() BEGIN END;',
    ]
    for (const body of bodies) assert.deepEqual(sqls(`${body}\nSELECT 9;`), [body, 'SELECT 9;'], body)
  })

  test('IF, CASE, LOOP, WHILE, REPEAT, labels and handlers nest', () => {
    const body =
      'CREATE PROCEDURE p() outer_block: BEGIN\n' +
      '  DECLARE x INT DEFAULT 0;\n' +
      "  DECLARE EXIT HANDLER FOR SQLSTATE VALUE '42S02', SQLEXCEPTION, 1062, my_condition BEGIN SELECT 'h;'; END;\n" +
      '  DECLARE CONTINUE HANDLER FOR NOT FOUND SET x = 1;\n' +
      '  l1: LOOP SET x = x + 1; IF x > 2 THEN LEAVE l1; END IF; END LOOP l1;\n' +
      '  w: WHILE x > 0 DO SET x = x - 1; END WHILE w;\n' +
      '  REPEAT SET x = x + 1; UNTIL x > 3 END REPEAT;\n' +
      "  CASE x WHEN 1 THEN SELECT CASE WHEN x THEN 'a;' ELSE 'b' END; WHEN 2 THEN BEGIN END; ELSE SELECT 3; END CASE;\n" +
      "  SET x = IF(x > 1, REPEAT('a', 2), 0);\n" +
      '  DROP TABLE IF EXISTS t;\n' +
      'END outer_block;'
    assert.deepEqual(sqls(`${body}\nSELECT 9`), [body, 'SELECT 9'])
  })

  test('a body of one statement, without BEGIN, ends at its ";"', () => {
    assert.deepEqual(sqls('CREATE PROCEDURE p() SELECT 1; CALL p();'), ['CREATE PROCEDURE p() SELECT 1;', 'CALL p();'])
    assert.deepEqual(sqls('CREATE FUNCTION f() RETURNS INT RETURN IF(1, 2, 3); SELECT f();'), [
      'CREATE FUNCTION f() RETURNS INT RETURN IF(1, 2, 3);',
      'SELECT f();',
    ])
    assert.deepEqual(
      sqls('CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = CASE WHEN 1 THEN 2 END; SELECT 1'),
      ['CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = CASE WHEN 1 THEN 2 END;', 'SELECT 1'],
    )
  })

  test('a body that is one IF, CASE or loop without BEGIN is one statement', () => {
    assert.deepEqual(sqls('CREATE PROCEDURE p() IF 1 THEN SELECT 1; SELECT 2; END IF; CALL p()'), [
      'CREATE PROCEDURE p() IF 1 THEN SELECT 1; SELECT 2; END IF;',
      'CALL p()',
    ])
    assert.deepEqual(sqls('CREATE PROCEDURE p() l: LOOP LEAVE l; END LOOP; CALL p()'), [
      'CREATE PROCEDURE p() l: LOOP LEAVE l; END LOOP;',
      'CALL p()',
    ])
  })

  test('MariaDB anonymous blocks and compound statements outside stored programs', () => {
    assert.deepEqual(sqls('BEGIN NOT ATOMIC DECLARE x INT; SET x = 1; SELECT x; END; SELECT 2'), [
      'BEGIN NOT ATOMIC DECLARE x INT; SET x = 1; SELECT x; END;',
      'SELECT 2',
    ])
    assert.deepEqual(sqls("IF 1 = 1 THEN SELECT 'a;b'; SELECT 2; END IF; SELECT 3"), [
      "IF 1 = 1 THEN SELECT 'a;b'; SELECT 2; END IF;",
      'SELECT 3',
    ])
    assert.deepEqual(sqls('CASE WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE; SELECT 3'), [
      'CASE WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE;',
      'SELECT 3',
    ])
  })

  test('BEGIN; and BEGIN WORK at top level are transaction statements, not blocks', () => {
    assert.deepEqual(sqls('BEGIN; SELECT 1; COMMIT;'), ['BEGIN;', 'SELECT 1;', 'COMMIT;'])
    assert.deepEqual(sqls('BEGIN WORK; ROLLBACK'), ['BEGIN WORK;', 'ROLLBACK'])
  })

  test('names such as end, begin, event and function do not open or close blocks', () => {
    assert.deepEqual(sqls('SELECT 1 AS end, 2 AS begin; CREATE TABLE event (a INT); CREATE TABLE function (a INT);'), [
      'SELECT 1 AS end, 2 AS begin;',
      'CREATE TABLE event (a INT);',
      'CREATE TABLE function (a INT);',
    ])
    assert.deepEqual(sqls('BEGIN NOT ATOMIC SELECT end FROM (SELECT 1 AS end) t; END; SELECT 2'), [
      'BEGIN NOT ATOMIC SELECT end FROM (SELECT 1 AS end) t; END;',
      'SELECT 2',
    ])
  })

  test('a block that is never closed is a problem on the line of its opening', () => {
    assert.deepEqual(problem('SELECT 1;\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n'), {
      line: 3,
      reason: 'BEGIN is not closed by "END" at the end of the file',
    })
    assert.match(problem('IF 1 THEN SELECT 1;')!.reason, /IF is not closed by "END IF"/)
  })
})

describe('DELIMITER, as the mysql client reads it', () => {
  test('statements end at the new delimiter, which is left out of their text; ";" restores', () => {
    const text = 'DELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND$$\nDELIMITER ;\nCALL p();\n'
    const result = split(text)
    assert.deepEqual(
      result.statements.map((s) => [s.sql, s.line, s.terminator]),
      [
        ['CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND', 2, 'delimiter'],
        ['CALL p();', 7, ';'],
      ],
    )
  })

  test('inside a delimiter section a top-level ";" still ends a statement (the client sends both)', () => {
    assert.deepEqual(sqls('DELIMITER //\nSELECT 1; SELECT 2 //\nSELECT 3//'), ['SELECT 1;', 'SELECT 2', 'SELECT 3'])
  })

  test('the command is case-insensitive, may be indented, takes the first word, and ignores the rest', () => {
    assert.deepEqual(sqls('  delimiter ;;  trailing words\nSELECT 1;;\nDeLiMiTeR ;\nSELECT 2;'), [
      'SELECT 1',
      'SELECT 2;',
    ])
    assert.deepEqual(sqls("DELIMITER '$$'\nSELECT 1$$"), ['SELECT 1'])
    assert.deepEqual(sqls('DELIMITER $$\r\nSELECT 1$$\r\nDELIMITER ;\r\nSELECT 2;\r\n'), ['SELECT 1', 'SELECT 2;'])
  })

  test('DELIMITER is a command only as the first word of a line with no statement pending', () => {
    assert.deepEqual(sqls('SELECT 1; DELIMITER $$\nSELECT 2;'), ['SELECT 1;', 'DELIMITER $$\nSELECT 2;'])
    assert.deepEqual(sqls('SELECT 1\nDELIMITER $$\n;'), ['SELECT 1\nDELIMITER $$\n;'])
    assert.deepEqual(sqls('/* c */ DELIMITER $$\n;'), ['DELIMITER $$\n;'])
    // Comments before it leave no statement pending.
    assert.deepEqual(sqls('-- c\n/* d */\nDELIMITER $$\nSELECT 1$$'), ['SELECT 1'])
  })

  test('the delimiter is found outside strings and comments, even inside a word', () => {
    assert.deepEqual(sqls("DELIMITER $$\nSELECT '$$' -- $$\n, `$$` /* $$ */ $$"), ["SELECT '$$' -- $$\n, `$$`"])
    assert.deepEqual(sqls('DELIMITER GO\nSELECT 1 AS GOOD'), ['SELECT 1 AS', 'OD'])
  })

  test('a delimiter right after the "*/" of an executable comment takes its "/", as the client does', () => {
    // `*///` with DELIMITER //: mariadb sends `/*!50003 SELECT 1 *` and the server rejects it.
    const found = problem('DELIMITER //\n/*!50003 SELECT 1 *///\nDELIMITER ;\n')
    assert.equal(found?.line, 2)
    assert.match(found!.reason, /^the delimiter "\/\/" on line 2 takes the "\/" of the "\*\/" .* space between/)
    assert.notEqual(problem('DELIMITER //\n/*M! SELECT 3 *///\n'), undefined)
    // A space between them, a plain comment, or another delimiter: the comment closes.
    assert.deepEqual(sqls('DELIMITER //\n/*!50003 SELECT 1 */ //\nSELECT 2 /* c *///\n'), [
      '/*!50003 SELECT 1 */',
      'SELECT 2',
    ])
    assert.deepEqual(sqls('DELIMITER $$\n/*!50003 SELECT 1 */$$\n'), ['/*!50003 SELECT 1 */'])
  })

  test('a block still open at the delimiter, and a DELIMITER without one, are problems', () => {
    assert.match(
      problem('DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; $$')!.reason,
      /BEGIN is not closed by "END" before the delimiter "\$\$" on line 2/,
    )
    assert.deepEqual(problem('SELECT 1;\nDELIMITER\nSELECT 2;'), {
      line: 2,
      reason: 'DELIMITER must be followed by a delimiter (such as $$ or ;)',
    })
    assert.match(problem('DELIMITER \\\\\n')!.reason, /backslash/)
  })

  test('strings written for NO_BACKSLASH_ESCAPES: one statement without it, an unclosed string without it', () => {
    // Fuzz seed 1836667729, case 28 (shortened): `'''#"--\'''` is one string when a backslash is
    // a plain character, and an unclosed one when it escapes. The mariadb client agrees both ways:
    // with the mode set it runs this file (printing 1 and a'#"--\\'); without, it sends line 3 to
    // the end as one statement, which the server rejects ("ERROR 1064 (42000) at line 3").
    const text =
      "SELECT 1;\ndelimiter ;;\nCREATE FUNCTION f() RETURNS TEXT DETERMINISTIC RETURN CONCAT('a',\n" +
      "CASE WHEN 1 THEN '''#\"--\\''' ELSE 2 END)\n;;\nSELECT f()\n;;\nDELIMITER ;\n"
    assert.deepEqual(sqls(text, { noBackslashEscapes: true }), [
      'SELECT 1;',
      "CREATE FUNCTION f() RETURNS TEXT DETERMINISTIC RETURN CONCAT('a',\nCASE WHEN 1 THEN '''#\"--\\''' ELSE 2 END)",
      'SELECT f()',
    ])
    assert.deepEqual(split(text).problem, { line: 4, reason: 'string literal is not closed' })
  })
})

describe('positions and heads', () => {
  test('line, column and offset of each first token; CRLF counts as one line', () => {
    const text = 'SELECT 1;\r\n  -- x\r\n    SELECT 2; SELECT\r\n3;'
    assert.deepEqual(
      split(text).statements.map((s) => [s.line, s.column, s.offset, text.slice(s.offset, s.offset + 6)]),
      [
        [1, 1, 0, 'SELECT'],
        [3, 5, 23, 'SELECT'],
        [3, 15, 33, 'SELECT'],
      ],
    )
  })

  test('the head holds the first tokens as written', () => {
    assert.deepEqual(split("CREATE DEFINER='a'@'%' PROCEDURE `p`() BEGIN END").statements[0]!.head.slice(0, 9), [
      'CREATE',
      'DEFINER',
      '=',
      "'a'",
      '@',
      "'%'",
      'PROCEDURE',
      '`p`',
      '(',
    ])
  })

  test('unterminated strings and identifiers name their line', () => {
    assert.deepEqual(problem("SELECT 1;\n\nSELECT 'abc;\n"), { line: 3, reason: 'string literal is not closed' })
    assert.deepEqual(problem('SELECT `a;'), { line: 1, reason: 'quoted identifier starting with ` is not closed' })
    assert.deepEqual(problem('SELECT "a;'), { line: 1, reason: 'double-quoted string is not closed' })
  })

  test('statements are frozen', () => {
    const statement = split('SELECT 1').statements[0]!
    assert.ok(Object.isFrozen(statement))
    assert.ok(Object.isFrozen(statement.head))
  })
})

describe('the authelia-mysql corpus', () => {
  const dir = join(CORPUS, 'authelia-mysql', 'migrations')
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()

  test('every file splits without a problem, each statement starting with a known first word', () => {
    assert.equal(files.length, 26)
    for (const file of files) {
      const result = split(readFileSync(join(dir, file), 'utf8'))
      assert.equal(result.problem, undefined, file)
      for (const statement of result.statements)
        assert.match(
          statement.head[0] ?? '',
          /^(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE|CALL|RENAME)$/i,
          `${file}: ${statement.sql}`,
        )
    }
  })

  test('007: the two procedures stay whole, with their ";" and the literal \';\' inside', () => {
    const text = readFileSync(join(dir, '007_consistency_fixes.sql'), 'utf8')
    const statements = split(text).statements
    const procedures = statements.filter((s) => /^CREATE PROCEDURE/.test(s.sql))
    assert.equal(procedures.length, 2)
    for (const procedure of procedures) {
      assert.match(
        procedure.sql,
        /^CREATE PROCEDURE PROC_DROP_\w+\(IN tableName VARCHAR\(64\), IN \w+ VARCHAR\(64\)\)\nBEGIN\n/,
      )
      assert.ok(procedure.sql.endsWith('    END IF;\nEND;'))
      assert.ok(procedure.sql.includes("';');\n        PREPARE stmt FROM @query;\n        EXECUTE stmt;"))
    }
    assert.equal(statements.filter((s) => s.head[0] === 'CALL').length, 23)
    // Every statement text is the file's own text, in order.
    let at = 0
    for (const statement of statements) {
      const found = text.indexOf(statement.sql, at)
      assert.equal(found, statement.offset)
      at = found + statement.sql.length
    }
  })

  test('empty files give no statements', () => {
    const empty = files.filter((file) => readFileSync(join(dir, file), 'utf8').trim() === '')
    assert.equal(empty.length, 3)
    for (const file of empty) assert.deepEqual(split(readFileSync(join(dir, file), 'utf8')).statements, [])
  })
})

interface Regression {
  readonly seed: number
  readonly index: number
  readonly kind: 'server' | 'client' | 'broken' | 'client-broken'
  readonly text: string
  readonly noBackslashEscapes?: boolean
  /** Our split that the server (or the mysql client) disagreed with; `null` for a wrong problem. */
  readonly rejectedSplit: readonly string[] | null
  /** The server (or the client) rejected the text, which the splitter took for valid. */
  readonly oracleRejected?: boolean
}

describe('fuzzing regressions (decided by the server)', () => {
  const files = existsSync(REGRESSIONS)
    ? readdirSync(REGRESSIONS)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : []
  test('the regressions folder is there (it may be empty)', () => {
    assert.ok(existsSync(REGRESSIONS), REGRESSIONS)
  })
  for (const file of files) {
    test(`regression ${file}`, () => {
      const regression = JSON.parse(readFileSync(join(REGRESSIONS, file), 'utf8')) as Regression
      const result = split(regression.text, { noBackslashEscapes: regression.noBackslashEscapes ?? false })
      if (regression.kind === 'broken' || regression.kind === 'client-broken' || regression.oracleRejected) {
        assert.notEqual(result.problem, undefined)
      } else {
        assert.equal(result.problem, undefined)
        assert.notDeepEqual(
          result.statements.map((s) => s.sql),
          regression.rejectedSplit,
        )
      }
    })
  }
})

describe("a SET of the session's sql_mode changes how the statements after it are read", () => {
  const sqls = (text: string) => splitMysqlStatements(text).statements.map((statement) => statement.sql)
  test("SET sql_mode = 'NO_BACKSLASH_ESCAPES', as mysqldump's header and trailer write it", () => {
    assert.deepEqual(
      sqls(
        "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_BACKSLASH_ESCAPES' */;\n" +
          "INSERT INTO p VALUES ('C:\\'); INSERT INTO p VALUES ('x;y');\n" +
          '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n' +
          "INSERT INTO p VALUES ('a\\'b;c');",
      ),
      [
        "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_BACKSLASH_ESCAPES' */;",
        "INSERT INTO p VALUES ('C:\\');",
        "INSERT INTO p VALUES ('x;y');",
        '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
        "INSERT INTO p VALUES ('a\\'b;c');",
      ],
    )
  })
  test('CONCAT(@@sql_mode, …) adds, REPLACE(@@sql_mode, …) and DEFAULT remove; GLOBAL and SET STATEMENT change nothing', () => {
    // After the SETs: one statement when backslashes escape ('a\'; SELECT 1; -- ' is one string),
    // two when they do not.
    const after = (...sets: string[]) => sqls(`${sets.join(';\n')};\nSELECT 'a\\'; SELECT 1; -- '`).length - sets.length
    assert.equal(after('SELECT 0'), 1)
    assert.equal(after("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"), 2)
    assert.equal(after("SET @@session.sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES'"), 2)
    assert.equal(
      after("SET sql_mode = 'NO_BACKSLASH_ESCAPES'", "SET sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')"),
      1,
    )
    assert.equal(after("SET sql_mode = 'NO_BACKSLASH_ESCAPES'", 'SET sql_mode = DEFAULT'), 1)
    assert.equal(after("SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES'"), 1)
    assert.equal(after("SET STATEMENT sql_mode = 'NO_BACKSLASH_ESCAPES' FOR SELECT 1"), 1)
    assert.equal(after("SET @m = 'NO_BACKSLASH_ESCAPES'"), 1)
  })
  test('the statements after it carry the lexing they were read under', () => {
    const [set, insert] = splitMysqlStatements('SET sql_mode = \'ANSI_QUOTES\';\nSELECT "a\\" FROM t;').statements
    assert.equal(set?.lexer, undefined)
    assert.deepEqual(insert?.lexer, { noBackslashEscapes: false, ansiQuotes: true })
  })
})

describe("the mysql client's own commands are refused by line, not sent to the server", () => {
  test('long forms as the first word of a line with no statement pending, backslash commands anywhere outside strings', () => {
    for (const [text, line, command] of [
      ['CREATE TABLE a (x INT);\nsource other.sql\nCREATE TABLE b (x INT);', 2, 'source'],
      ['SELECT 1;\n  charset latin1\nSELECT 2;', 2, 'charset'],
      ['SELECT 1;\nego', 2, 'ego'],
      ['CREATE TABLE a (x INT)\\g\nSELECT 2;', 1, '\\g'],
      ['SELECT 1;\nSELECT 2\n\\G', 3, '\\G'],
      ['SELECT 1\n\\c\nSELECT 2;', 2, '\\c'],
      ['\\. other.sql\nSELECT 1;', 1, '\\.'],
    ] as const) {
      const found = problem(text)
      assert.equal(found?.line, line, text)
      assert.match(
        found?.reason ?? '',
        new RegExp(`^"${command.replace(/[\\.]/g, '\\$&')}" is a command of the mysql client`),
        text,
      )
    }
  })
  test('the same words as names, in strings and comments, \\N, and HELP are SQL', () => {
    assert.deepEqual(sqls('CREATE TABLE s (id INT,\nstatus INT,\nsource TEXT);\nSELECT \\N;'), [
      'CREATE TABLE s (id INT,\nstatus INT,\nsource TEXT);',
      'SELECT \\N;',
    ])
    assert.deepEqual(sqls("SELECT 'a\\G', `b\\c`; -- \\G\n# source x\n/* \\c */ SELECT 2;\nhelp 'contents';"), [
      "SELECT 'a\\G', `b\\c`;",
      'SELECT 2;',
      "help 'contents';",
    ])
  })
})

/**
 * Seeded generator of MySQL/MariaDB migration texts for fuzzing the statement splitter against
 * the server. Every generated statement is cheap and shows what the server made of it: SELECTs of
 * literals (strings of every kind, with escapes, `;`, comment markers and delimiters inside),
 * `DO`, `SET @v`, MariaDB compound statements (`BEGIN NOT ATOMIC`, top-level `IF`/`CASE`/loops)
 * with nested blocks, labels and handlers, and stored procedures and functions that are created,
 * called and dropped. Comments of every kind sit between tokens; whitespace mixes LF, CRLF and
 * tabs; the last terminator may be missing.
 *
 * Three kinds of case: `server` texts (no DELIMITER: the server, sent the whole text with
 * multi-statements on, is the oracle), `client` texts (DELIMITER sections, written for the mysql
 * client: the client is the oracle) and `broken` texts (an unterminated string, comment or block
 * at the end: the splitter must report a problem and the server must reject the text).
 * Deterministic per `(seed, index)`.
 */
import { Rng, caseSeed } from './sql-fuzz-generator.js'

export interface MysqlFuzzCase {
  readonly kind: 'server' | 'client' | 'broken'
  readonly text: string
  /** Run with sql_mode NO_BACKSLASH_ESCAPES (and split with the option). */
  readonly noBackslashEscapes: boolean
  readonly features: readonly string[]
}

class Writer {
  readonly rng: Rng
  readonly features = new Set<string>()
  readonly nbe: boolean
  #names = 0
  readonly #tag: string

  constructor(rng: Rng, nbe: boolean, tag: string) {
    this.rng = rng
    this.nbe = nbe
    this.#tag = tag
  }

  name(prefix: string): string {
    return `${prefix}_${this.#tag}_${this.#names++}`
  }

  /** Whitespace or a comment between tokens; `newline` when a line break is required. */
  gap(): string {
    const r = this.rng
    const roll = r.int(100)
    if (roll < 55) return ' '
    if (roll < 65) return r.pick(['\n', '\r\n', '\t', '  \n  '])
    if (roll < 72) {
      this.features.add('block-comment')
      return ` /* ${this.commentText()} */ `
    }
    if (roll < 78) {
      this.features.add('dash-comment')
      return ` --${r.pick([' ', '\t', '\u0001'])}${r.pick(['', this.commentText()])}${r.pick(['\n', '\r\n'])}`
    }
    if (roll < 83) {
      this.features.add('hash-comment')
      return ` #${this.commentText()}${r.pick(['\n', '\r\n'])}`
    }
    if (roll < 86) {
      this.features.add('executable-comment')
      return ` ${r.pick(['/*!', '/*!50001', '/*M!', '/*M!100100', '/*!99999'])} ${r.pick(['', '/* x */'])} */ `
    }
    return ' '
  }

  commentText(): string {
    return this.rng.pick(['x', ';', 'a; b;', "it's", '"q', '`', '-- ;', '# ;', 'END;', 'BEGIN', '$$', '//', 'END IF;'])
  }

  /** A string literal of any kind, with its value unchanged by how the server reads it. */
  string(): string {
    const r = this.rng
    const quote = r.chance(0.7) ? "'" : '"'
    const pieces = ['a', ';', ' ', '--', '-- ', '#', '/*', '*/', '/*!', '`', '$$', '//', 'END', 'BEGIN', 'é', '\t']
    let body = ''
    for (let i = r.int(6); i >= 0; i--) {
      const roll = r.int(10)
      if (roll < 6) body += r.pick(pieces)
      else if (roll < 7) {
        body += quote + quote
        this.features.add('doubled-quote')
      } else if (roll < 8) {
        body += quote === "'" ? '"' : "'"
      } else if (!this.nbe) {
        this.features.add('backslash-escape')
        body += r.pick(['\\\\', `\\${quote}`, '\\n', '\\;', '\\%'])
      } else {
        this.features.add('no-backslash-escapes')
        body += '\\'
      }
    }
    if (r.chance(0.05)) body += '\n'
    return `${quote}${body}${quote}`
  }

  expression(depth = 0): string {
    const r = this.rng
    switch (r.int(depth > 1 ? 4 : 7)) {
      case 0:
      case 1:
        return this.string()
      case 2:
        return String(r.int(1000))
      case 3:
        this.features.add('minus-minus')
        return r.pick(['1--1', '2 - -1', '3--2'])
      case 4:
        this.features.add('case-expression')
        return `CASE${this.gap()}WHEN ${this.condition()} THEN ${this.expression(depth + 1)} ELSE ${this.expression(depth + 1)}${this.gap()}END`
      case 5:
        return `IF(${this.condition()}, ${this.expression(depth + 1)}, ${this.expression(depth + 1)})`
      default:
        return `CONCAT(${this.expression(depth + 1)},${this.gap()}${this.expression(depth + 1)})`
    }
  }

  /** A condition that never mixes types or collations (strict mode would reject those). */
  condition(): string {
    return `LENGTH(${this.string()}) > ${this.rng.int(4)}`
  }

  /** A SELECT, DO or SET: fine at top level and inside blocks. */
  simple(): string {
    const r = this.rng
    const roll = r.int(10)
    if (roll < 6) {
      const columns = Array.from({ length: r.range(1, 3) }, () => {
        const alias = r.chance(0.2) ? ` AS ${r.pick(['`a;b`', '`c``;d`', 'end', 'begin', 'x'])}` : ''
        return this.expression() + alias
      })
      return `SELECT${this.gap()}${columns.join(`,${this.gap()}`)}`
    }
    if (roll < 8) return `DO${this.gap()}${this.expression()}`
    return `SET @${this.name('v')}${this.gap()}=${this.gap()}${this.expression()}`
  }

  /** Statements inside a block, each ended by ";". */
  statements(depth: number): string {
    let out = ''
    for (let i = this.rng.range(1, 3); i > 0; i--) out += `${this.gap()}${this.blockStatement(depth)};`
    return out
  }

  blockStatement(depth: number, topLevel = false): string {
    const r = this.rng
    if (!topLevel && (depth >= 3 || r.chance(0.55))) return this.simple()
    // Outside stored programs MariaDB takes IF, CASE and REPEAT, without labels.
    const label = !topLevel && r.chance(0.3) ? this.name('l') : undefined
    const prefix = label ? `${label}:${this.gap()}` : ''
    const suffix = label ? ` ${label}` : ''
    if (label) this.features.add('label')
    switch (topLevel ? r.pick([1, 2, 5]) : r.int(7)) {
      case 0:
        this.features.add('nested-begin')
        return `${prefix}BEGIN${this.statements(depth + 1)}${this.gap()}END${suffix}`
      case 1:
        this.features.add('if')
        return (
          `IF ${this.condition()} THEN${this.statements(depth + 1)}` +
          (r.chance(0.4) ? `${this.gap()}ELSEIF ${this.condition()} THEN${this.statements(depth + 1)}` : '') +
          (r.chance(0.5) ? `${this.gap()}ELSE${this.statements(depth + 1)}` : '') +
          `${this.gap()}END IF`
        )
      case 2:
        this.features.add('case-statement')
        return (
          `CASE${r.chance(0.5) ? ` ${this.rng.int(3)}` : ''}${this.gap()}WHEN ${r.chance(0.5) ? this.rng.int(3) : this.condition()} THEN${this.statements(depth + 1)}` +
          `${this.gap()}ELSE${this.statements(depth + 1)}${this.gap()}END CASE`
        )
      case 3: {
        this.features.add('loop')
        const name = label ?? this.name('l')
        return `${name}: LOOP${this.statements(depth + 1)} LEAVE ${name};${this.gap()}END LOOP ${name}`
      }
      case 4: {
        this.features.add('while')
        const counter = `@${this.name('w')}`
        return `SET ${counter} = 0; ${prefix}WHILE ${counter} < 1 DO SET ${counter} = ${counter} + 1;${this.statements(depth + 1)}${this.gap()}END WHILE${suffix}`
      }
      case 5:
        this.features.add('repeat')
        return `${prefix}REPEAT${this.statements(depth + 1)}${this.gap()}UNTIL 1 END REPEAT${suffix}`
      default:
        this.features.add('handler')
        return `BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE '42S02', NOT FOUND${this.gap()}${r.pick(['SET @h = 1', "BEGIN SELECT 'h;'; END"])};${this.statements(depth + 1)} END`
    }
  }

  /** A compound statement (or a routine plus its use): a list of top-level statements. */
  compound(): string[] {
    const r = this.rng
    switch (r.int(16)) {
      case 0:
      case 1:
      case 2:
      case 6:
      case 7:
      case 8:
      case 9:
      case 10:
      case 11: {
        this.features.add('begin-not-atomic')
        const declare = r.chance(0.4) ? ` DECLARE ${this.name('d')} INT DEFAULT 0;` : ''
        return [`BEGIN NOT ATOMIC${declare}${this.statements(1)}${this.gap()}END`]
      }
      case 3:
      case 12:
      case 13:
        this.features.add('top-level-compound')
        return [this.blockStatement(1, true)]
      case 4: {
        this.features.add('procedure')
        const name = this.name('p')
        const body = r.pick([
          () => `BEGIN${this.statements(1)}${this.gap()}END`,
          () => `${this.name('l')}: BEGIN${this.statements(1)} END`,
          () => this.simple(),
          () => `IF 1 THEN${this.statements(1)} END IF`,
        ])()
        const head = r.pick([
          'CREATE PROCEDURE',
          'CREATE OR REPLACE PROCEDURE',
          'CREATE DEFINER=CURRENT_USER PROCEDURE',
          "CREATE DEFINER='root'@'localhost' PROCEDURE",
        ])
        const traits = r.pick(['', " COMMENT 'c;'", ' NOT DETERMINISTIC', ' SQL SECURITY INVOKER', ' CONTAINS SQL'])
        return [`${head} ${name}()${traits}${this.gap()}${body}`, `CALL ${name}()`, `DROP PROCEDURE ${name}`]
      }
      default: {
        this.features.add('function')
        const name = this.name('f')
        const returns = r.pick(['VARCHAR(200)', 'VARCHAR(200) CHARACTER SET utf8mb4', 'TEXT', "SET('a','b')"])
        const body = returns.startsWith('SET')
          ? `RETURN 'a'`
          : r.pick([
              () => `RETURN ${this.expression()}`,
              () =>
                `BEGIN DECLARE r TEXT DEFAULT ${this.string()};${this.statements(1)
                  .replace(/SELECT/g, 'DO')
                  .replace(/ AS (`a;b`|`c``;d`|end|begin|x)/g, '')} RETURN r; END`,
            ])()
        return [
          `CREATE FUNCTION ${name}() RETURNS ${returns} DETERMINISTIC${this.gap()}${body}`,
          `SELECT ${name}()`,
          `DROP FUNCTION ${name}`,
        ]
      }
    }
  }

  /** Top-level statements of a server case (no SELECT INTO, no empty statements). */
  topLevel(): string[] {
    const out: string[] = []
    for (let i = this.rng.range(1, 5); i > 0; i--) {
      if (this.rng.chance(0.3)) out.push(...this.compound())
      else out.push(this.simple())
    }
    return out
  }
}

function crlf(text: string, rng: Rng, features: Set<string>): string {
  if (!rng.chance(0.15)) return text
  features.add('crlf')
  return text.replace(/\r?\n/g, '\r\n')
}

export function generateMysqlCase(seed: number, index: number): MysqlFuzzCase {
  const rng = new Rng(caseSeed(seed, index))
  const roll = rng.int(100)
  const nbe = rng.chance(0.1)
  const w = new Writer(rng, nbe, index.toString(36))
  if (roll < 8) return clientCase(w)
  let text = ''
  const statements = w.topLevel()
  statements.forEach((statement, i) => {
    text += rng.chance(0.2) ? w.gap() : ''
    text += statement
    const last = i === statements.length - 1
    if (last && rng.chance(0.3)) {
      w.features.add('no-final-terminator')
    } else {
      text += `${rng.chance(0.2) ? w.gap() : ''};`
    }
    text += rng.pick(['\n', '\n\n', ' ', '\r\n', ''])
  })
  if (rng.chance(0.15)) text += rng.pick(['-- trailing ;\n', '/* end; */', '# done;'])
  if (roll < 13) {
    w.features.add('broken')
    text += `\n;\n${rng.pick(["SELECT 'open;", 'SELECT "open;', 'SELECT `open;', 'SELECT 1 /* open;', 'BEGIN NOT ATOMIC SELECT 1;', 'IF 1 THEN SELECT 1;', 'SELECT 1 /*! + 1'])}`
    return { kind: 'broken', text: crlf(text, rng, w.features), noBackslashEscapes: nbe, features: [...w.features] }
  }
  return { kind: 'server', text: crlf(text, rng, w.features), noBackslashEscapes: nbe, features: [...w.features] }
}

/** A file written for the mysql client: DELIMITER sections around compound statements. */
function clientCase(w: Writer): MysqlFuzzCase {
  const rng = w.rng
  w.features.add('delimiter')
  let text = ''
  let delimiter = ';'
  for (let i = rng.range(2, 6); i > 0; i--) {
    if (rng.chance(0.4)) {
      const next = rng.pick(['$$', '//', ';;', '$', '@@'])
      text += `${rng.pick(['', '  '])}${rng.pick(['DELIMITER', 'delimiter'])} ${next}${rng.pick(['', ' '])}${rng.pick(['\n', '\r\n'])}`
      delimiter = next
    }
    if (delimiter === ';') {
      text += `${w.simple()};\n`
    } else {
      // Inside a section: compound statements, and sometimes two statements in one chunk.
      const statements = rng.chance(0.6) ? w.compound() : [w.simple()]
      for (const statement of statements) {
        const pair = rng.chance(0.2) ? `${w.simple()};${w.gap()}` : ''
        const semicolon = delimiter !== ';;' && rng.chance(0.3) ? ';' : ''
        text += `${pair}${statement}${semicolon}${rng.pick(['', ' ', '\n'])}${delimiter}\n`
      }
    }
  }
  if (delimiter !== ';') text += 'DELIMITER ;\n'
  return { kind: 'client', text: crlf(text, rng, w.features), noBackslashEscapes: false, features: [...w.features] }
}

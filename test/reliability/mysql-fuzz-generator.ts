/**
 * Seeded generator of MySQL/MariaDB migration texts for fuzzing the statement splitter against
 * the server. Every generated statement is cheap and shows what the server made of it: SELECTs of
 * literals (strings of every kind, with escapes, `;`, comment markers and delimiters inside),
 * `DO`, `SET @v`, MariaDB compound statements (`BEGIN NOT ATOMIC`, top-level `IF`/`CASE`/`REPEAT`)
 * with nested blocks, labels, loops and handlers, and stored procedures, functions, triggers and
 * events: most parsed only (`CREATE … IF NOT EXISTS` of one that exists), a few — as their DDL
 * costs the server an fsync each — created, used, shown (`SHOW CREATE`, or the body the server
 * stored) and sometimes dropped. Comments of every kind sit between tokens, and executable ones
 * hold code too (columns, statements, mysqldump-style `/*!50003 CREATE*\/ …`); whitespace mixes
 * LF, CRLF and tabs; the last terminator may be missing. Client texts leave out what the mysql
 * client reads differently from the server without changing any boundary (see `client`).
 *
 * Four kinds of case:
 * - `server`: no DELIMITER; the server, sent the whole text with multi-statements on, is the oracle;
 * - `client`: DELIMITER sections, written for the mysql client, which is the oracle;
 * - `broken`: a server text ending in an unterminated string, comment or block: the splitter must
 *   report a problem, and the server must run the statements before it and reject the rest;
 * - `client-broken`: a client text ending the same way (or with a block still open at a
 *   delimiter): the splitter must report a problem, and the client must fail there.
 *
 * Texts assume the objects of {@link FUZZ_SETUP} exist. Deterministic per `(seed, index)`.
 */
import { Rng, caseSeed } from './sql-fuzz-generator.js'

export type MysqlFuzzKind = 'server' | 'client' | 'broken' | 'client-broken'

export interface MysqlFuzzCase {
  readonly kind: MysqlFuzzKind
  readonly text: string
  /** Run with sql_mode NO_BACKSLASH_ESCAPES (and split with the option). */
  readonly noBackslashEscapes: boolean
  /**
   * Whether the last statement ends with its terminator. When it does not, a batch that puts
   * another statement after the text adds a `;` first (a second `;` would be an empty statement,
   * which the server rejects).
   */
  readonly terminated: boolean
  readonly features: readonly string[]
}

/** The table triggers are created on. */
export const FUZZ_TABLE = 'gm_fuzz_t'
const SETUP_NAMES = { procedure: 'gm_fuzz_p', function: 'gm_fuzz_f', event: 'gm_fuzz_e' } as const

/**
 * What the oracle creates in every scratch database before any case runs there: the table
 * triggers fire on, and the programs that `CREATE … IF NOT EXISTS` cases name.
 */
export const FUZZ_SETUP: readonly string[] = [
  `CREATE TABLE ${FUZZ_TABLE} (a INT) ENGINE=MEMORY`,
  `CREATE PROCEDURE ${SETUP_NAMES.procedure}() DO 0`,
  `CREATE FUNCTION ${SETUP_NAMES.function}() RETURNS INT DETERMINISTIC RETURN 0`,
  `CREATE EVENT ${SETUP_NAMES.event} ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 DAY DISABLE DO DO 0`,
]

/**
 * How often a compound statement is a stored program rather than `BEGIN NOT ATOMIC` or a top-level
 * `IF`/`CASE`/`REPEAT`: rarer in server texts than in client texts, where `DELIMITER` sections
 * exist for stored programs.
 */
const STORED_PROGRAM_CHANCE = { server: 0.04, client: 0.15 } as const
/**
 * How often a stored program is real rather than parsed only: creating or dropping one costs the
 * server ~16 ms of fsync, against ~0.05 ms for anything else a case does.
 */
const REAL_PROGRAM_CHANCE = 0.12

class Writer {
  readonly rng: Rng
  readonly features = new Set<string>()
  readonly nbe: boolean
  readonly storedProgramChance: number
  /**
   * Writing a file for the mysql client, which reads a few things otherwise than the server, and
   * then sends different text (see where it is read): `--` before a control character is no
   * comment to it, it drops the CR of CRLF (inside strings too), and a `/* *\/` comment inside
   * a `/*!` one leaves it in a comment until the next `*\/`.
   */
  readonly client: boolean
  /** Inside a function or trigger, where a statement may not return a result set. */
  #noResultSets = false
  /** Inside an executable comment, where another one may not open. */
  #inExecutable = false
  #names = 0
  readonly #tag: string

  constructor(rng: Rng, nbe: boolean, tag: string, client: boolean) {
    this.rng = rng
    this.nbe = nbe
    this.#tag = tag
    this.client = client
    this.storedProgramChance = client ? STORED_PROGRAM_CHANCE.client : STORED_PROGRAM_CHANCE.server
  }

  name(prefix: string): string {
    return `${prefix}_${this.#tag}_${this.#names++}`
  }

  /** Whitespace or a comment between tokens. */
  gap(): string {
    const r = this.rng
    const roll = r.int(100)
    if (roll < 55) return ' '
    if (roll < 65) return r.pick(['\n', '\r\n', '\t', '  \n  '])
    // The mysql client loses track of a "/* */" comment inside a "/*!" one (it stays in a comment
    // until the next "*/", reading quotes there as text): not in client texts.
    if (roll < 72 && !(this.client && this.#inExecutable)) {
      this.features.add('block-comment')
      return ` /* ${this.commentText()} */ `
    }
    if (roll < 78) {
      this.features.add('dash-comment')
      // The server also ends `--` at a control character; the mysql client does not (it reads
      // `--\u0001it's` as code with a string in it), so client texts keep to space and tab.
      const after = this.client ? r.pick([' ', '\t']) : r.pick([' ', '\t', '\u0001'])
      return ` --${after}${r.pick(['', this.commentText()])}${r.pick(['\n', '\r\n'])}`
    }
    if (roll < 83) {
      this.features.add('hash-comment')
      return ` #${this.commentText()}${r.pick(['\n', '\r\n'])}`
    }
    if (roll < 86 && !this.#inExecutable) {
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
    // A line break inside a string, but not in client texts: the client drops the CR of a CRLF
    // before sending, which would change the string's value (not where statements end).
    if (!this.client && r.chance(0.05)) body += '\n'
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

  /**
   * Code in an executable comment, as mysqldump writes it: the server runs it (every version
   * here is at most 10.11's), and reads the strings and comments inside as code.
   */
  executable(build: () => string, version?: string): string {
    this.features.add('executable-code')
    const outer = this.#inExecutable
    this.#inExecutable = true
    try {
      const opener = version ?? this.rng.pick(['/*!', '/*!40101', '/*!50003', '/*M!', '/*M!100100'])
      return `${opener} ${build()} */`
    } finally {
      this.#inExecutable = outer
    }
  }

  /** A SELECT, DO or SET: fine at top level and inside blocks. */
  simple(): string {
    const r = this.rng
    const roll = r.int(10)
    if (roll < 6 && !this.#noResultSets) {
      const columns = Array.from({ length: r.range(1, 3) }, () => {
        const alias = r.chance(0.2) ? ` AS ${r.pick(['`a;b`', '`c``;d`', 'end', 'begin', 'x'])}` : ''
        return this.expression() + alias
      })
      // A first column in an executable comment; or one for a version above the server's, which
      // the server skips as a comment (a plain number: the splitter reads it as code all the same).
      let first = ''
      if (!this.#inExecutable && r.chance(0.1))
        first = r.chance(0.7) ? `${this.executable(() => `${this.expression()},`)} ` : '/*!99999 42, */ '
      return `SELECT${this.gap()}${first}${columns.join(`,${this.gap()}`)}`
    }
    if (roll < 8) return `DO${this.gap()}${this.expression()}`
    const set = (): string => `SET @${this.name('v')}${this.gap()}=${this.gap()}${this.expression()}`
    return !this.#inExecutable && r.chance(0.2) ? this.executable(set) : set()
  }

  /** Statements inside a block, each ended by ";" (which may sit inside an executable comment). */
  statements(depth: number): string {
    let out = ''
    for (let i = this.rng.range(1, 3); i > 0; i--) {
      if (!this.#inExecutable && this.rng.chance(0.04))
        out += `${this.gap()}${this.executable(() => `${this.simple()};`)}`
      else out += `${this.gap()}${this.blockStatement(depth)};`
    }
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
      default: {
        this.features.add('handler')
        const handler = this.#noResultSets ? "BEGIN DO 'h;'; END" : "BEGIN SELECT 'h;'; END"
        return `BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE '42S02', NOT FOUND${this.gap()}${r.pick(['SET @h = 1', handler])};${this.statements(depth + 1)} END`
      }
    }
  }

  /** A compound statement (or a stored program plus its use): a list of top-level statements. */
  compound(): string[] {
    const r = this.rng
    if (r.chance(this.storedProgramChance)) return this.storedProgram()
    if (r.chance(0.75)) {
      this.features.add('begin-not-atomic')
      const declare = r.chance(0.4) ? ` DECLARE ${this.name('d')} INT DEFAULT 0;` : ''
      return [`BEGIN NOT ATOMIC${declare}${this.statements(1)}${this.gap()}END`]
    }
    this.features.add('top-level-compound')
    return [this.blockStatement(1, true)]
  }

  /**
   * A stored program. Most are checked for their parse only: `CREATE … IF NOT EXISTS` of a program
   * that {@link FUZZ_SETUP} made, which the server parses in full (a syntax error in the body is
   * reported) and then skips with a note, at no cost; the others are real (a new name, created,
   * used, shown and maybe dropped), at the price of the server's fsyncs. Triggers are always real
   * (skipping one costs as much as creating it) and rare.
   */
  storedProgram(): string[] {
    const r = this.rng
    const kind = r.weighted([
      [3, 'procedure'],
      [3, 'function'],
      [2, 'event'],
      [1, 'trigger'],
    ] as const)
    if (kind === 'trigger') return this.trigger()
    const real = r.chance(REAL_PROGRAM_CHANCE)
    this.features.add(real ? kind : `${kind}-parse`)
    if (kind === 'procedure') return this.procedure(real)
    if (kind === 'function') return this.function(real)
    return this.event(real)
  }

  /**
   * The body of a stored program: a block (maybe labelled), `IF`, or one simple statement;
   * `first` (a statement with its `;`) opens it, or is the body alone.
   */
  routineBody(first = ''): string {
    const r = this.rng
    return r.pick([
      () => `BEGIN${first}${this.statements(1)}${this.gap()}END`,
      () => {
        this.features.add('label')
        const label = this.name('l')
        return `${label}: BEGIN${first}${this.statements(1)} END${r.chance(0.5) ? ` ${label}` : ''}`
      },
      () => (first ? first.trim().slice(0, -1) : this.simple()),
      () => `IF 1 THEN${first}${this.statements(1)} END IF`,
    ])()
  }

  /** Runs `build` where statements may not return result sets (functions, triggers). */
  withoutResultSets<T>(build: () => T): T {
    const outer = this.#noResultSets
    this.#noResultSets = true
    try {
      return build()
    } finally {
      this.#noResultSets = outer
    }
  }

  /**
   * `CREATE[ definer] rest`, or — sometimes, as mysqldump writes routines, triggers and events —
   * the same in executable comments: `/*!50003 CREATE*\/ /*!50020 DEFINER=…*\/ /*!50003 rest *\/`.
   */
  create(definer: string, rest: () => string): string {
    if (this.#inExecutable || !this.rng.chance(0.15)) return `CREATE${definer} ${rest()}`
    this.features.add('dump-style')
    const [create, definerVersion, restVersion] = this.rng.pick([
      ['/*!50003', '/*!50020', '/*!50003'],
      ['/*!50003', '/*!50017', '/*!50003'],
      ['/*!50106', '/*!50117', '/*!50106'],
    ])
    const head = `${create} CREATE*/ ${definer ? `${definerVersion} ${definer.trim()}*/ ` : ''}`
    return head + this.executable(rest, restVersion)
  }

  /** What may come between CREATE and the kind of program (OR REPLACE only for a real one). */
  definer(real: boolean): string {
    return this.rng.pick(['', '', real ? ' OR REPLACE' : '', ' DEFINER=CURRENT_USER', " DEFINER='root'@'localhost'"])
  }

  /** The name of a real program, or `IF NOT EXISTS` and the name of the one FUZZ_SETUP made. */
  programName(real: boolean, prefix: string, setupName: string): string {
    return real ? this.name(prefix) : `IF NOT EXISTS ${setupName}`
  }

  /** `DROP` in a quarter of the cases; the others are dropped with their scratch database. */
  maybeDrop(kind: string, name: string): string[] {
    return this.rng.chance(0.25) ? [`DROP ${kind} ${name}`] : []
  }

  procedure(real: boolean): string[] {
    const r = this.rng
    const name = this.programName(real, 'p', SETUP_NAMES.procedure)
    const traits = r.pick(['', " COMMENT 'c;'", ' NOT DETERMINISTIC', ' SQL SECURITY INVOKER', ' CONTAINS SQL'])
    const create = this.create(
      this.definer(real),
      () => `PROCEDURE ${name}()${traits}${this.gap()}${this.routineBody()}`,
    )
    if (!real) return [create]
    return [
      create,
      `CALL ${name}()`,
      ...(r.chance(0.5) ? [`SHOW CREATE PROCEDURE ${name}`] : []),
      ...this.maybeDrop('PROCEDURE', name),
    ]
  }

  function(real: boolean): string[] {
    const r = this.rng
    const name = this.programName(real, 'f', SETUP_NAMES.function)
    const returns = r.pick(['VARCHAR(200)', 'VARCHAR(200) CHARACTER SET utf8mb4', 'TEXT', "SET('a','b')"])
    const body = (): string =>
      this.withoutResultSets(() =>
        returns.startsWith('SET')
          ? `RETURN 'a'`
          : r.pick([
              () => `RETURN ${this.expression()}`,
              () => `BEGIN DECLARE r TEXT DEFAULT ${this.string()};${this.statements(1)} RETURN r; END`,
            ])(),
      )
    const create = this.create(
      this.definer(real),
      () => `FUNCTION ${name}() RETURNS ${returns} DETERMINISTIC${this.gap()}${body()}`,
    )
    if (!real) return [create]
    return [
      create,
      `SELECT ${name}()`,
      ...(r.chance(0.5) ? [`SHOW CREATE FUNCTION ${name}`] : []),
      ...this.maybeDrop('FUNCTION', name),
    ]
  }

  /** One or two triggers on the fuzz table (the second FOLLOWS or PRECEDES the first), fired once. */
  trigger(): string[] {
    const r = this.rng
    this.features.add('trigger')
    const timing = r.pick(['BEFORE', 'AFTER'])
    const names = [this.name('t')]
    if (r.chance(0.3)) {
      this.features.add('trigger-order')
      names.push(this.name('t'))
    }
    const out = names.map((name, i) => {
      const order = i === 0 ? '' : ` ${r.pick(['FOLLOWS', 'PRECEDES'])} ${names[0]}`
      const body = (): string => this.withoutResultSets(() => this.routineBody(` SET @${name} = ${this.expression()};`))
      return this.create(
        this.definer(true),
        () => `TRIGGER ${name} ${timing} INSERT ON ${FUZZ_TABLE} FOR EACH ROW${order}${this.gap()}${body()}`,
      )
    })
    out.push(`INSERT INTO ${FUZZ_TABLE} VALUES (${r.int(100)})`)
    out.push(`SELECT ${names.map((name) => `@${name}`).join(', ')}`)
    out.push(
      `SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = '${names[0]}'`,
    )
    // Always dropped: every trigger left on the table would fire on each later INSERT.
    for (const name of names) out.push(`DROP TRIGGER ${name}`)
    return out
  }

  /** A disabled event (it never runs); a real one maybe altered, and the body the server stored. */
  event(real: boolean): string[] {
    const r = this.rng
    const name = this.programName(real, 'e', SETUP_NAMES.event)
    const schedule = r.pick([
      'AT CURRENT_TIMESTAMP + INTERVAL 1 DAY',
      'EVERY 1 DAY STARTS CURRENT_TIMESTAMP + INTERVAL 1 DAY',
    ])
    const completion = r.pick(['', ' ON COMPLETION PRESERVE', ' ON COMPLETION NOT PRESERVE'])
    const comment = r.pick(['', " COMMENT 'e; DO BEGIN'"])
    const create = this.create(
      this.definer(real),
      () => `EVENT ${name} ON SCHEDULE ${schedule}${completion} DISABLE${comment} DO${this.gap()}${this.routineBody()}`,
    )
    if (!real) return [create]
    const out = [create]
    if (r.chance(0.3)) {
      this.features.add('alter-event')
      out.push(`ALTER EVENT ${name} DO${this.gap()}${this.routineBody()}`)
    }
    out.push(
      `SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() AND EVENT_NAME = '${name}'`,
    )
    return [...out, ...this.maybeDrop('EVENT', name)]
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

/** Unterminated endings of a broken text; each starts a new statement. */
const BROKEN_TAILS = [
  "SELECT 'open;",
  'SELECT "open;',
  'SELECT `open;',
  'SELECT 1 /* open;',
  'BEGIN NOT ATOMIC SELECT 1;',
  'IF 1 THEN SELECT 1;',
  'SELECT 1 /*! + 1',
  'CREATE PROCEDURE gm_open() BEGIN SELECT 1;',
  // The server does not end a statement at a ";" in an executable comment: it rejects it.
  'SELECT 1 /*!50001 ; SELECT 2 */',
]

export function generateMysqlCase(seed: number, index: number): MysqlFuzzCase {
  const rng = new Rng(caseSeed(seed, index))
  const roll = rng.int(100)
  const nbe = rng.chance(0.1)
  const tag = index.toString(36)
  if (roll < 6) return clientCase(new Writer(rng, nbe, tag, true))
  const w = new Writer(rng, nbe, tag, false)
  let text = ''
  let terminated = true
  const statements = w.topLevel()
  statements.forEach((statement, i) => {
    text += rng.chance(0.2) ? w.gap() : ''
    text += statement
    const last = i === statements.length - 1
    if (last && rng.chance(0.3)) {
      w.features.add('no-final-terminator')
      terminated = false
    } else {
      text += `${rng.chance(0.2) ? w.gap() : ''};`
    }
    text += rng.pick(['\n', '\n\n', ' ', '\r\n', ''])
  })
  if (rng.chance(0.15)) text += rng.pick(['-- trailing ;\n', '/* end; */', '# done;'])
  if (roll < 10) {
    w.features.add('broken')
    // A terminator only where one is missing: `;;` would be an empty statement the server rejects
    // before it ever reaches the unterminated tail.
    text += `\n${terminated ? '' : ';\n'}${rng.pick(BROKEN_TAILS)}`
    return {
      kind: 'broken',
      text: crlf(text, rng, w.features),
      noBackslashEscapes: nbe,
      terminated: false,
      features: [...w.features],
    }
  }
  return {
    kind: 'server',
    text: crlf(text, rng, w.features),
    noBackslashEscapes: nbe,
    terminated,
    features: [...w.features],
  }
}

/** A file written for the mysql client: DELIMITER sections around compound statements. */
function clientCase(w: Writer): MysqlFuzzCase {
  const rng = w.rng
  w.features.add('delimiter')
  if (w.nbe) w.features.add('client-no-backslash-escapes')
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
  if (rng.chance(0.02)) {
    // Broken: an unterminated string or comment runs to the end of the file, or a block is still
    // open at the delimiter (the client sends it as it is; the server rejects it).
    w.features.add('client-broken')
    const tail =
      delimiter !== ';' && rng.chance(0.5)
        ? `${rng.pick(['BEGIN NOT ATOMIC SELECT 1;', 'IF 1 THEN SELECT 1;', 'CREATE PROCEDURE gm_open() BEGIN SELECT 1;'])} ${delimiter}\n`
        : rng.pick(["SELECT 'open;\n", 'SELECT "open;\n', 'SELECT 1 /* open;\n'])
    text += tail
    return {
      kind: 'client-broken',
      text: crlf(text, rng, w.features),
      noBackslashEscapes: w.nbe,
      terminated: false,
      features: [...w.features],
    }
  }
  if (delimiter !== ';') text += 'DELIMITER ;\n'
  return {
    kind: 'client',
    text: crlf(text, rng, w.features),
    noBackslashEscapes: w.nbe,
    terminated: true,
    features: [...w.features],
  }
}

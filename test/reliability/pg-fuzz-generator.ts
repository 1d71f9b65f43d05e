/**
 * Seeded generator of random PostgreSQL migration text for fuzzing the statement splitter
 * against PostgreSQL's own parser (libpg-query). The texts are valid SQL (so the parser has
 * statement boundaries to compare) made of everything that decides where a statement ends:
 * string literals of every kind (`'…'`, `E'…'` with backslash escapes, `U&'…'` with `UESCAPE`,
 * `B'…'`, `X'…'`, `N'…'`, continuation across newlines), dollar quotes with tags and other tags
 * nested inside, quoted and Unicode identifiers, `$` inside identifiers, nested `/* *\/`
 * comments, `--` comments, `;` inside all of them and inside parentheses, `CREATE FUNCTION …
 * BEGIN ATOMIC … END` bodies with `CASE … END`, missing final `;`, CRLF, CR and a BOM. A share
 * of the cases ends inside a literal, identifier or comment (cut at a random point, or with an
 * unterminated tail).
 *
 * Deterministic per `(seed, index)`: {@link generatePgCase} always returns the same text for the
 * same pair, so a disagreement can be replayed from its seed and case index alone.
 *
 * Left out on purpose, where PostgreSQL's pieces disagree among themselves and the splitter
 * follows the real server and psql (see the unit tests): a string continued across a `--`
 * comment line (the 15.20 server joins the literals, libpg-query 15 does not), the words begin,
 * case and end used as plain names inside CREATE FUNCTION (psql counts them), and a comment
 * before UESCAPE (the server accepts it, libpg-query 15 does not; no effect on splitting).
 */
import { Rng, caseSeed, truncateAtCodePoint } from './sql-fuzz-generator.js'

export type PgCaseKind = 'migration' | 'unterminated'

export interface PgGeneratedCase {
  /** The raw text, as a file could hold it (may have a BOM, CRLF or lone CR line endings). */
  readonly text: string
  /** `migration`: valid SQL; `unterminated`: ends inside a literal, identifier or comment, or is cut anywhere. */
  readonly kind: PgCaseKind
  /** Features of this case, for coverage reporting. */
  readonly features: readonly string[]
}

/** Generates case `index` of the run seeded with `seed`. */
export function generatePgCase(seed: number, index: number): PgGeneratedCase {
  const rng = new Rng(caseSeed(seed, index))
  const features = new Set<string>()
  const writer = new PgMigrationWriter(rng, features)
  let text = writer.write()
  let kind: PgCaseKind = 'migration'
  if (rng.chance(0.1)) {
    kind = 'unterminated'
    if (rng.chance(0.5)) {
      features.add('truncated')
      text = truncateAtCodePoint(text, rng.int(text.length + 1))
    } else {
      features.add('unterminated-tail')
      text += writer.statementGap() + writer.unterminatedTail()
    }
  }
  text = applyLineEndings(rng, text, features)
  if (rng.chance(0.05)) {
    text = '\uFEFF' + text
    features.add('bom')
  }
  return { text, kind, features: [...features] }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/** Bases of names that are valid unquoted once suffixed with `_N`, including keyword look-alikes. */
const BARE_BASES = [
  'users',
  'items',
  'begin_at',
  'end_date',
  'casework',
  'create_fn',
  'function_log',
  'procedure_x',
  'or_replace',
  'copy_from',
  'stdin_x',
  'atomic',
  'café',
  'größe',
  '名前',
  'kayıt',
  'price$usd',
  'x$$y',
  'e',
  'b',
  'x',
  'n',
  'u',
  'E',
  'U',
  'Ab$',
]

/** Contents of quoted identifiers (`"` is doubled when written). */
const QUOTED_NAMES = [
  'a;b',
  ';',
  'x"y',
  '-- no comment',
  '/* no comment',
  '*/',
  '$$',
  '$fn$',
  "'",
  "it's",
  'BEGIN',
  'begin',
  'end',
  'END;',
  'case',
  'Mixed Case',
  '😀;',
  '\\',
  "E'",
  'sp ace',
  'tab\tname',
  'new\nline',
  'U&',
  '$1',
]

/** Characters and runs that make up literal contents. */
const LITERAL_UNITS = [
  'a',
  'abc',
  'hello world',
  ' ',
  ';',
  ' ; ',
  ';;',
  '--',
  '-- not a comment',
  '/*',
  '*/',
  '/* nor; this */',
  '"',
  '$',
  '$$',
  '$fn$',
  '$1',
  '\\',
  '\\\\',
  'E',
  'U&',
  '\n',
  '\t',
  'é',
  '😀',
  '名前',
  'BEGIN',
  'END;',
  'CASE',
  '(',
  ')',
  'COPY t FROM stdin;',
  '\\set x',
  '%',
  '0',
]

const COMMENT_UNITS = [
  'TODO',
  ';',
  'END;',
  "'",
  "it's",
  '"',
  '$$',
  '$fn$',
  'BEGIN',
  'begin atomic',
  'CASE',
  '(',
  ')',
  '\\set x 1',
  '\\i file.sql',
  'COPY t FROM stdin;',
  '--',
  'é',
  '😀',
  "E'\\'",
  'drop table users;',
]

const TYPES = [
  'int',
  'integer',
  'bigint',
  'text',
  'varchar(20)',
  'numeric(10, 2)',
  'boolean',
  'timestamptz',
  'jsonb',
  'text[]',
  'uuid',
  'double precision',
  '"char"',
]

// ---------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------

class PgMigrationWriter {
  #counter = 0
  /** Probability that a separator between two tokens carries a comment. */
  readonly #commentRate: number
  /** Inside CREATE FUNCTION: psql counts bare BEGIN/CASE/END words there, so names must avoid them. */
  #inRoutine = false

  constructor(
    private readonly rng: Rng,
    private readonly features: Set<string>,
  ) {
    this.#commentRate = rng.pick([0, 0.03, 0.1, 0.25])
  }

  write(): string {
    const rng = this.rng
    let out = ''
    if (rng.chance(0.3)) out += this.lineComment() + '\n'
    if (rng.chance(0.15)) out += this.blockComment(0) + '\n'
    const count = rng.choose<number>([
      [1, () => 0],
      [4, () => 1],
      [10, () => rng.range(2, 6)],
      [4, () => rng.range(7, 14)],
    ])
    for (let i = 0; i < count; i++) {
      const last = i === count - 1
      out += this.statement()
      if (last && rng.chance(0.2)) {
        this.features.add('no-final-semicolon')
        out += rng.pick(['', '\n', '  \n\n', ' -- trailing; comment', ' -- trailing\n', '\n/* end; */', '\t'])
        break
      }
      const terminator = rng.weighted<string>([
        [20, ';'],
        [2, ' ;'],
        [1, '\n;'],
        [1, ' /* before ; */;'],
        [2, ';;'],
        [1, '; ;'],
        [1, '; /* empty */ ;'],
        [1, '; -- empty\n;'],
      ])
      if (terminator.indexOf(';') !== terminator.lastIndexOf(';')) this.features.add('empty-statement')
      out += terminator + (last ? this.fileEnd() : this.statementGap())
    }
    return out
  }

  fileEnd(): string {
    return this.rng.pick(['\n', '', '\n\n', ' -- the end;', "\n-- the end; '\n", '\n/* the end; */', '\n\f\n'])
  }

  statementGap(): string {
    return this.rng.choose<string>([
      [20, () => '\n'],
      [8, () => '\n\n'],
      [3, () => ' '],
      [3, () => ''],
      [2, () => '\t'],
      [3, () => ' -- ' + this.commentText() + '\n'],
      [3, () => '\n' + this.lineComment() + '\n'],
      [2, () => '\n' + this.blockComment(0) + '\n'],
      [1, () => this.blockComment(0)],
    ])
  }

  /** A statement that never ends: its last token is an unclosed literal, identifier or comment. */
  unterminatedTail(): string {
    const rng = this.rng
    return rng.pick<() => string>([
      () => `SELECT 'not closed;\nSELECT 1;`,
      () => `SELECT 'it''s not closed`,
      () => `SELECT E'backslash quote \\'; SELECT 1;`,
      () => `SELECT E'a'\n'\\'; SELECT 1;`,
      () => `SELECT U&'not closed`,
      () => `SELECT B'0101`,
      () => `SELECT X'1f`,
      () => `CREATE TABLE "no;end (a int);`,
      () => `SELECT 1 AS U&"no end`,
      () => `/* a /* nested */ still open; SELECT 1;`,
      () => `SELECT 1 /* never closed`,
      () => `SELECT $fn$ body; $other$ $fn; SELECT 1;`,
      () => `DO $$ BEGIN PERFORM 1; END $ $;`,
      () => `SELECT $a$ $A$ ;`,
      () => `SELECT ${this.stringLiteral()}, '`,
      () => `SELECT 1 AS ${this.name()}, $x$`,
    ])()
  }

  // --- statements -----------------------------------------------------------------------------

  private statement(): string {
    const rng = this.rng
    return rng.choose<string>([
      [10, () => this.createTable()],
      [8, () => this.insert()],
      [4, () => this.update()],
      [3, () => this.delete()],
      [10, () => this.select()],
      [4, () => this.createIndex()],
      [4, () => this.alterTable()],
      [3, () => this.drop()],
      [3, () => this.createView()],
      [2, () => this.createEnum()],
      [3, () => this.comment()],
      [6, () => this.plpgsqlFunction()],
      [6, () => this.atomicFunction()],
      [2, () => this.returnFunction()],
      [3, () => this.doBlock()],
      [2, () => this.createTrigger()],
      [2, () => this.transactionControl()],
      [2, () => this.setting()],
      [2, () => this.withQuery()],
      [1, () => this.k('CREATE SCHEMA IF NOT EXISTS') + ' ' + this.name()],
      [1, () => this.k('GRANT SELECT ON') + ' ' + this.qualifiedName() + ' ' + this.k('TO PUBLIC')],
      [1, () => this.k(rng.pick(['VACUUM', 'ANALYZE'])) + ' ' + this.qualifiedName()],
      [
        1,
        () => this.k('COPY') + ' ' + this.qualifiedName() + ' ' + this.k(rng.pick(['TO', 'FROM'])) + " '/tmp/x;y.csv'",
      ],
      [1, () => this.k('ALTER TYPE') + ' ' + this.qualifiedName() + ' ' + this.k('ADD VALUE') + ' ' + this.sconst()],
      [1, () => this.k('CREATE EXTENSION IF NOT EXISTS') + ' ' + this.name()],
    ])
  }

  private createTable(): string {
    const rng = this.rng
    const columns: string[] = []
    const n = rng.range(1, 5)
    for (let i = 0; i < n; i++) {
      let column = this.name() + ' ' + rng.pick(TYPES)
      if (rng.chance(0.4)) column += this.sp() + this.k('DEFAULT') + this.sp() + this.expression(1)
      if (rng.chance(0.15)) column += this.sp() + this.k('NOT NULL')
      if (rng.chance(0.2))
        column += this.sp() + this.k('CHECK') + ' (' + this.name() + ' <> ' + this.stringLiteral() + ')'
      columns.push(column)
    }
    if (rng.chance(0.2)) columns.push(this.k('PRIMARY KEY') + ' (' + this.name() + ')')
    const head = this.k(rng.pick(['CREATE TABLE', 'CREATE TABLE IF NOT EXISTS', 'CREATE UNLOGGED TABLE']))
    if (rng.chance(0.1)) return head + ' ' + this.qualifiedName() + ' ' + this.k('AS') + ' ' + this.select()
    return head + this.sp() + this.qualifiedName() + this.sp() + '(' + this.list(columns) + ')'
  }

  private insert(): string {
    const rng = this.rng
    const rows: string[] = []
    const width = rng.range(1, 3)
    for (let r = rng.range(1, 3); r > 0; r--) {
      const values: string[] = []
      for (let i = 0; i < width; i++) values.push(this.expression(1))
      rows.push('(' + this.list(values) + ')')
    }
    const columns: string[] = []
    for (let i = 0; i < width; i++) columns.push(this.name())
    let sql = this.k('INSERT INTO') + this.sp() + this.qualifiedName() + ' (' + this.list(columns) + ')' + this.sp()
    sql += this.k('VALUES') + this.sp() + rows.join(',' + this.sp())
    if (rng.chance(0.2)) sql += this.sp() + this.k('RETURNING') + ' *'
    return sql
  }

  private update(): string {
    return (
      this.k('UPDATE') +
      this.sp() +
      this.qualifiedName() +
      this.sp() +
      this.k('SET') +
      ' ' +
      this.name() +
      ' = ' +
      this.expression(1) +
      (this.rng.chance(0.6) ? this.sp() + this.k('WHERE') + ' ' + this.condition() : '')
    )
  }

  private delete(): string {
    return (
      this.k('DELETE FROM') + this.sp() + this.qualifiedName() + this.sp() + this.k('WHERE') + ' ' + this.condition()
    )
  }

  private select(): string {
    const rng = this.rng
    const items: string[] = []
    for (let i = rng.range(1, 4); i > 0; i--) {
      let item = this.expression(2)
      if (rng.chance(0.3)) item += this.sp() + this.k('AS') + ' ' + this.name()
      items.push(item)
    }
    let sql = this.k('SELECT') + this.sp() + this.list(items)
    if (rng.chance(0.1)) sql += this.sp() + this.k('INTO') + ' ' + this.qualifiedName()
    if (rng.chance(0.5)) {
      sql += this.sp() + this.k('FROM') + this.sp() + this.qualifiedName()
      if (rng.chance(0.5)) sql += this.sp() + this.k('WHERE') + this.sp() + this.condition()
    }
    return sql
  }

  private withQuery(): string {
    return (
      this.k('WITH') + ' ' + this.name() + ' ' + this.k('AS') + ' (' + this.select() + ')' + this.sp() + this.select()
    )
  }

  private createIndex(): string {
    const rng = this.rng
    let sql = this.k(rng.pick(['CREATE INDEX', 'CREATE UNIQUE INDEX']))
    if (rng.chance(0.3)) sql += ' ' + this.k('CONCURRENTLY')
    if (rng.chance(0.3)) sql += ' ' + this.k('IF NOT EXISTS')
    sql += ' ' + this.name() + this.sp() + this.k('ON') + ' ' + this.qualifiedName() + ' ('
    sql += rng.chance(0.3) ? 'lower(' + this.name() + ')' : this.name()
    sql += ')'
    if (rng.chance(0.3)) sql += this.sp() + this.k('WHERE') + ' ' + this.condition()
    return sql
  }

  private alterTable(): string {
    const rng = this.rng
    const head = this.k('ALTER TABLE') + this.sp() + this.qualifiedName() + this.sp()
    return (
      head +
      rng.choose<string>([
        [
          3,
          () =>
            this.k('ADD COLUMN') +
            ' ' +
            this.name() +
            ' ' +
            rng.pick(TYPES) +
            (rng.chance(0.5) ? ' ' + this.k('DEFAULT') + ' ' + this.expression(1) : ''),
        ],
        [1, () => this.k('RENAME TO') + ' ' + this.name()],
        [1, () => this.k('RENAME COLUMN') + ' ' + this.name() + ' ' + this.k('TO') + ' ' + this.name()],
        [1, () => this.k('DROP COLUMN IF EXISTS') + ' ' + this.name()],
        [1, () => this.k('SET SCHEMA') + ' ' + this.name()],
      ])
    )
  }

  private drop(): string {
    const rng = this.rng
    const names = [this.qualifiedName()]
    if (rng.chance(0.3)) names.push(this.qualifiedName())
    return (
      this.k(rng.pick(['DROP TABLE', 'DROP VIEW', 'DROP MATERIALIZED VIEW', 'DROP INDEX', 'DROP TYPE'])) +
      (rng.chance(0.5) ? ' ' + this.k('IF EXISTS') : '') +
      this.sp() +
      this.list(names) +
      (rng.chance(0.3) ? ' ' + this.k(rng.pick(['CASCADE', 'RESTRICT'])) : '')
    )
  }

  private createView(): string {
    const rng = this.rng
    const head = rng.pick(['CREATE VIEW', 'CREATE OR REPLACE VIEW', 'CREATE MATERIALIZED VIEW', 'CREATE TEMP VIEW'])
    return this.k(head) + this.sp() + this.qualifiedName() + this.sp() + this.k('AS') + this.sp() + this.select()
  }

  private createEnum(): string {
    const labels: string[] = []
    for (let i = this.rng.range(1, 4); i > 0; i--) labels.push(this.sconst())
    return this.k('CREATE TYPE') + ' ' + this.qualifiedName() + ' ' + this.k('AS ENUM') + ' (' + this.list(labels) + ')'
  }

  private comment(): string {
    const rng = this.rng
    const target = rng.chance(0.5)
      ? this.k('TABLE') + ' ' + this.qualifiedName()
      : this.k('COLUMN') + ' ' + this.name() + '.' + this.name()
    return this.k('COMMENT ON') + ' ' + target + this.sp() + this.k('IS') + this.sp() + this.sconst()
  }

  private routineHead(kind: 'FUNCTION' | 'PROCEDURE'): string {
    const rng = this.rng
    const params: string[] = []
    for (let i = rng.range(0, 2); i > 0; i--) {
      let param = this.name() + ' ' + rng.pick(['int', 'text', 'boolean'])
      if (rng.chance(0.3)) param += ' ' + this.k('DEFAULT') + ' ' + this.expression(1)
      params.push(param)
    }
    const create = rng.pick([
      'CREATE',
      'CREATE OR REPLACE',
      'CREATE /* c; */ OR REPLACE',
      'CREATE\n  OR -- c;\n  REPLACE',
    ])
    return this.k(create) + this.sp() + this.k(kind) + this.sp() + this.qualifiedName() + '(' + this.list(params) + ')'
  }

  private plpgsqlFunction(): string {
    this.features.add('dollar-function')
    this.#inRoutine = true
    const rng = this.rng
    const kind = rng.chance(0.8) ? 'FUNCTION' : 'PROCEDURE'
    let sql = this.routineHead(kind)
    if (kind === 'FUNCTION')
      sql += this.sp() + this.k('RETURNS') + ' ' + this.k(rng.pick(['int', 'trigger', 'void', 'text']))
    const body = rng.chance(0.7) ? this.dollarQuoted(this.plpgsqlBody()) : this.sconst()
    const language = this.k('LANGUAGE') + ' ' + this.k(rng.pick(['plpgsql', 'sql']))
    sql += rng.chance(0.5)
      ? this.sp() + this.k('AS') + this.sp() + body + this.sp() + language
      : this.sp() + language + this.sp() + this.k('AS') + this.sp() + body
    this.#inRoutine = false
    return sql
  }

  /** A plpgsql-like body, with nested dollar quotes of other tags, strings and comments. */
  private plpgsqlBody(): string {
    const rng = this.rng
    const lines: string[] = []
    if (rng.chance(0.5)) lines.push('DECLARE', `  v text := ${this.stringLiteral()};`)
    lines.push('BEGIN')
    for (let i = rng.range(1, 4); i > 0; i--) {
      lines.push(
        '  ' +
          rng.pick<() => string>([
            () => `PERFORM ${this.expression(1)};`,
            () => `EXECUTE ${this.dollarQuoted('SELECT ' + this.literalContent() + ';')};`,
            () => `IF v = ${this.stringLiteral()} THEN RAISE NOTICE '%', v; END IF;`,
            () => `-- ${this.commentText()}`,
            () => this.blockComment(0),
            () => `v := CASE WHEN true THEN 'a;' ELSE $q$b$q$ END;`,
            () => 'RETURN NEW;',
            () => this.literalContent(),
          ])(),
      )
    }
    lines.push('END;')
    return lines.join(rng.pick(['\n', '\n  ', ' ']))
  }

  /** `CREATE FUNCTION|PROCEDURE … BEGIN ATOMIC …; …; END`, whose `;` psql must not split at. */
  private atomicFunction(): string {
    this.features.add('begin-atomic')
    this.#inRoutine = true
    const rng = this.rng
    const kind = rng.chance(0.75) ? 'FUNCTION' : 'PROCEDURE'
    let sql = this.routineHead(kind)
    if (kind === 'FUNCTION') sql += this.sp() + this.k('RETURNS int')
    sql += this.sp() + this.k('LANGUAGE sql')
    if (rng.chance(0.3)) sql += this.sp() + this.k(rng.pick(['IMMUTABLE', 'STABLE', 'SECURITY DEFINER']))
    sql += this.sp() + this.k(rng.pick(['BEGIN ATOMIC', 'begin atomic', 'Begin Atomic', 'BEGIN\n  ATOMIC']))
    const body: string[] = []
    for (let i = rng.range(0, 4); i > 0; i--) {
      body.push(
        rng.choose<string>([
          [3, () => this.k('SELECT') + ' ' + this.caseExpression()],
          [2, () => this.k('SELECT') + ' (' + this.caseExpression() + ')'],
          [2, () => this.k('SELECT') + ' ' + this.expression(2)],
          [2, () => this.insert()],
          [1, () => this.update()],
          [1, () => this.delete()],
          [1, () => this.k('RETURN') + ' ' + this.expression(2)],
          [1, () => this.k('SELECT 1 AS') + ' "end"'],
        ]) + rng.pick([';', ';', ' ;', ';\n', '; -- c;\n']),
      )
    }
    sql += this.sp() + body.join(this.sp()) + this.sp() + this.k(rng.pick(['END', 'end', 'End']))
    this.#inRoutine = false
    return sql
  }

  /** A SQL function whose body is one RETURN: a CASE … END there is no block for psql. */
  private returnFunction(): string {
    this.#inRoutine = true
    const sql =
      this.routineHead('FUNCTION') +
      this.sp() +
      this.k('RETURNS int LANGUAGE sql') +
      this.sp() +
      this.k('RETURN') +
      ' ' +
      this.caseExpression()
    this.#inRoutine = false
    return sql
  }

  private caseExpression(): string {
    const rng = this.rng
    let sql = this.k('CASE')
    for (let i = rng.range(1, 2); i > 0; i--)
      sql += this.sp() + this.k('WHEN') + ' ' + this.condition() + ' ' + this.k('THEN') + ' ' + this.expression(1)
    if (rng.chance(0.5))
      sql += ' ' + this.k('ELSE') + ' ' + (rng.chance(0.3) ? this.caseExpression() : this.expression(1))
    return sql + this.sp() + this.k('END')
  }

  private doBlock(): string {
    this.features.add('do-block')
    const language = this.rng.chance(0.3) ? this.k('LANGUAGE plpgsql') + ' ' : ''
    return this.k('DO') + this.sp() + language + this.dollarQuoted(this.plpgsqlBody())
  }

  private createTrigger(): string {
    return (
      this.k('CREATE TRIGGER') +
      ' ' +
      this.name() +
      this.sp() +
      this.k(this.rng.pick(['BEFORE INSERT', 'AFTER UPDATE', 'BEFORE DELETE'])) +
      ' ' +
      this.k('ON') +
      ' ' +
      this.qualifiedName() +
      this.sp() +
      this.k('FOR EACH ROW EXECUTE FUNCTION') +
      ' ' +
      this.qualifiedName() +
      '()'
    )
  }

  private transactionControl(): string {
    return this.k(
      this.rng.pick([
        'BEGIN',
        'START TRANSACTION',
        'COMMIT',
        'END',
        'ROLLBACK',
        'SAVEPOINT s1',
        'RELEASE SAVEPOINT s1',
      ]),
    )
  }

  private setting(): string {
    const rng = this.rng
    return rng.pick<() => string>([
      () => this.k('SET search_path TO') + ' ' + this.name() + ', ' + this.name(),
      () => this.k('SET LOCAL lock_timeout =') + ' ' + this.sconst(),
      () => this.k('RESET ALL'),
      () => this.k('SELECT set_config') + "('app.x', " + this.stringLiteral() + ', false)',
    ])()
  }

  // --- expressions ----------------------------------------------------------------------------

  private condition(): string {
    const rng = this.rng
    return rng.pick<() => string>([
      () => this.name() + ' = ' + this.expression(1),
      () => this.name() + ' ' + this.k('IN') + ' (' + this.list([this.expression(1), this.expression(1)]) + ')',
      () => this.name() + ' ' + this.k('IS NOT NULL'),
      () => '(' + this.name() + ' > 1 ' + this.k('AND') + ' ' + this.name() + ' < 10)',
      () => this.name() + ' ' + this.k('LIKE') + ' ' + this.stringLiteral(),
    ])()
  }

  private expression(depth: number): string {
    const rng = this.rng
    if (depth <= 0) return this.atom()
    return rng.choose<string>([
      [8, () => this.atom()],
      [2, () => this.expression(depth - 1) + rng.pick([' + ', ' - ', '*', ' || ', '/', ' - -']) + this.atom()],
      [1, () => '(' + this.expression(depth - 1) + ')'],
      [1, () => this.caseExpression()],
      [1, () => 'coalesce(' + this.list([this.expression(depth - 1), this.atom()]) + ')'],
      [1, () => this.atom() + '::' + this.k(rng.pick(['text', 'int', 'jsonb']))],
      [1, () => this.k('ARRAY') + '[' + this.list([this.atom(), this.atom()]) + ']'],
      [1, () => this.name() + '[1:2]'],
      [1, () => '(' + this.atom() + ' ' + rng.pick(['->>', '@>', '<>', '>=', '~*', '!=']) + ' ' + this.atom() + ')'],
      [1, () => '(' + this.select() + ')'],
    ])
  }

  private atom(): string {
    const rng = this.rng
    return rng.choose<string>([
      [6, () => this.stringLiteral()],
      [3, () => this.number()],
      [3, () => this.name()],
      [1, () => this.name() + '.' + this.name()],
      [1, () => '$' + rng.range(1, 12)],
      [1, () => this.k(rng.pick(['NULL', 'true', 'false', 'now()', 'CURRENT_TIMESTAMP']))],
    ])
  }

  private number(): string {
    return this.rng.pick(['1', '0', '42', '1.5', '.5', '1.', '1e3', '1.5E-3', '2e+2', '1000000', '007'])
  }

  // --- literals ---------------------------------------------------------------------------------

  /** Random literal content: anything but what would end the literal (each kind escapes it). */
  private literalContent(): string {
    const rng = this.rng
    let text = ''
    for (let n = rng.range(0, 5); n > 0; n--) text += rng.pick(LITERAL_UNITS)
    return text
  }

  /** A string constant of any kind, for expressions. */
  stringLiteral(): string {
    const rng = this.rng
    if (rng.chance(0.05)) {
      this.features.add('bit-hex-national-string')
      return rng.pick(["B'0101'", "b''", "X'1F'", "x'ab'", "N'national; text'", "n''"])
    }
    return this.sconst()
  }

  /** A string constant where the grammar wants a plain string (`Sconst`): no B'…', X'…' or N'…'. */
  private sconst(): string {
    return this.rng.choose<string>([
      [8, () => this.standardString()],
      [5, () => this.escapeString()],
      [2, () => this.unicodeString()],
      [4, () => this.dollarQuoted(this.literalContent())],
      [2, () => this.continuedString()],
    ])
  }

  private standardString(): string {
    this.features.add('string')
    return "'" + this.literalContent().replaceAll("'", "''") + "'"
  }

  /** `E'…'`: backslash escapes, including `\'`, which does not end the literal. */
  private escapeString(): string {
    this.features.add('e-string')
    return this.rng.pick(['E', 'e']) + "'" + this.escapeContent() + "'"
  }

  private escapeContent(): string {
    const rng = this.rng
    let text = ''
    for (let n = rng.range(0, 6); n > 0; n--) {
      text += rng.choose<string>([
        [4, () => this.literalContent().replaceAll('\\', '\\\\').replaceAll("'", "''")],
        [3, () => "\\'"],
        [2, () => '\\\\'],
        [1, () => "''"],
        [
          2,
          () =>
            rng.pick([
              '\\n',
              '\\t',
              '\\r',
              '\\b',
              '\\f',
              '\\x41',
              '\\101',
              '\\u00e9',
              '\\U0001F600',
              '\\;',
              '\\"',
              '\\$',
            ]),
        ],
        [1, () => "\\\\'" + "'"], // \\ then '' : a backslash and a quote
      ])
    }
    return text
  }

  /** `U&'…'` with `\XXXX` escapes, or with another escape character given by UESCAPE. */
  private unicodeString(): string {
    this.features.add('unicode-string')
    const rng = this.rng
    const plain = this.literalContent().replaceAll("'", "''")
    if (rng.chance(0.5)) {
      const content = plain.replaceAll('\\', '\\\\') + rng.pick(['\\0041', '\\+01F600', '', 'd\\0061t\\+000061'])
      return rng.pick(['U&', 'u&']) + "'" + content + "'"
    }
    const content = plain.replaceAll('!', '!!') + rng.pick(['!0041', '!+01F600', ''])
    return (
      rng.pick(['U&', 'u&']) +
      "'" +
      content +
      "'" +
      this.rng.pick([' ', '\n', '\t ', '\f']) +
      this.k('UESCAPE') +
      " '!'"
    )
  }

  /** `'a'<newline>'b'` is one literal; after `E'…'` the later segments keep backslash escapes. */
  private continuedString(): string {
    this.features.add('string-continuation')
    const rng = this.rng
    const escapes = rng.chance(0.5)
    let text = escapes ? 'E' + "'" + this.escapeContent() + "'" : this.standardString()
    for (let n = rng.range(1, 2); n > 0; n--) {
      // Only white space between the segments: libpg-query 15 does not continue across comments.
      text += rng.pick(['\n', ' \n', '\n  ', '\t\n\n', '\r\n']) + "'"
      text += escapes ? this.escapeContent() : this.literalContent().replaceAll("'", "''")
      text += "'"
    }
    if (escapes) this.features.add('e-string-continuation')
    return text
  }

  /** `$tag$…$tag$` around `content`, with a tag that does not occur in it. */
  private dollarQuoted(content: string): string {
    this.features.add('dollar-quote')
    const rng = this.rng
    for (;;) {
      const tag = rng.pick(['', '', 'fn', 'body', '_x1', 'é', 'A', 'tag_2', 'q'])
      const delimiter = '$' + tag + '$'
      // The body ends at the delimiter's first occurrence, also one that starts inside the body.
      if ((content + delimiter).indexOf(delimiter) === content.length) {
        if (tag !== '' && content.includes('$$')) this.features.add('nested-dollar-tags')
        return delimiter + content + delimiter
      }
      content = content.replaceAll('$', '')
    }
  }

  // --- names ------------------------------------------------------------------------------------

  /** A name: bare (suffixed, so never a keyword), quoted, or Unicode-escaped. */
  name(): string {
    const rng = this.rng
    return rng.choose<string>([
      [10, () => rng.pick(BARE_BASES) + '_' + this.#counter++],
      [1, () => this.k(rng.pick(['atomic', 'copy_x', 'stdin_y'])) + '_' + this.#counter++],
      [3, () => '"' + rng.pick(QUOTED_NAMES).replaceAll('"', '""') + '"'],
      [1, () => rng.pick(['U&"d\\0061t\\+000061"', 'u&"\\+01F600;"', 'U&"a;\\0062"'])],
      [1, () => 'U&"x!0061"' + this.rng.pick([' ', '\n', '\t ', '\f']) + this.k('UESCAPE') + " '!'"],
      [1, () => rng.pick(['"end"', '"case"', 'begin_x', 'case_y', 'END_Z'])],
      // psql counts bare BEGIN/CASE/END only inside CREATE FUNCTION|PROCEDURE: elsewhere they are names.
      [this.#inRoutine ? 0 : 1, () => this.k('begin')],
    ])
  }

  private qualifiedName(): string {
    return this.rng.chance(0.25) ? this.name() + '.' + this.name() : this.name()
  }

  // --- separators, comments and keywords ------------------------------------------------------

  /** Keywords in a random letter case (one case per phrase). */
  private k(phrase: string): string {
    return this.rng.weighted<(s: string) => string>([
      [6, (s) => s.toUpperCase()],
      [3, (s) => s.toLowerCase()],
      [1, (s) => s.replace(/\w+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())],
    ])(phrase)
  }

  private list(items: readonly string[]): string {
    return items.join(',' + this.sp())
  }

  /** White space between two tokens, sometimes with a comment. */
  private sp(): string {
    const rng = this.rng
    if (rng.chance(this.#commentRate)) {
      this.features.add('inline-comment')
      return rng.pick<() => string>([
        () => ' ' + this.blockComment(0) + ' ',
        () => this.blockComment(0),
        () => ' -- ' + this.commentText() + '\n',
        () => '\n' + this.lineComment() + '\n\t',
      ])()
    }
    return rng.weighted<string>([
      [30, ' '],
      [3, '\n  '],
      [2, '\n\t'],
      [1, '\t'],
      [1, '\f'],
      [1, '\n'],
    ])
  }

  private commentText(): string {
    const rng = this.rng
    let text = ''
    for (let n = rng.range(0, 4); n > 0; n--) text += (text ? rng.pick([' ', '', '\t']) : '') + rng.pick(COMMENT_UNITS)
    return text
  }

  lineComment(): string {
    return this.rng.pick(['--', '-- ', '--\t', '---']) + this.commentText()
  }

  /** `/* … *\/`, sometimes with comments nested inside (PostgreSQL's comments nest). */
  blockComment(depth: number): string {
    const rng = this.rng
    const parts: string[] = []
    for (let n = rng.range(1, 3); n > 0; n--) {
      if (depth < 3 && rng.chance(0.2)) {
        this.features.add('nested-comment')
        parts.push(this.blockComment(depth + 1))
      } else {
        parts.push(this.commentText())
      }
    }
    // The parts are kept apart by spaces or newlines, so no "/*" or "*/" forms where two meet.
    return (
      '/*' + rng.pick([' ', '\n', ' * ']) + parts.join(rng.pick([' ', '\n', '\n * '])) + rng.pick([' ', '\n']) + '*/'
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Line endings
// ---------------------------------------------------------------------------------------------

function applyLineEndings(rng: Rng, text: string, features: Set<string>): string {
  const mode = rng.weighted<string>([
    [60, 'lf'],
    [25, 'crlf'],
    [7, 'cr'],
    [8, 'mixed'],
  ])
  if (mode === 'lf' || !text.includes('\n')) return text
  features.add(mode)
  if (mode === 'crlf') return text.replaceAll('\n', '\r\n')
  if (mode === 'cr') return text.replaceAll('\n', '\r')
  return text.replace(/\n/g, () => rng.pick(['\n', '\r\n', '\r']))
}

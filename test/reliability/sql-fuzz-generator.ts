/**
 * Seeded generator of random but realistic SQLite migration text, for fuzzing the statement
 * splitter against SQLite's own completeness rule (`sqlite3_complete`).
 *
 * Everything is deterministic per `(seed, index)`: {@link generateCase} with the same pair always
 * returns the same text, so a disagreement found by the fuzz test can be replayed from its seed and
 * case index alone. No dependency: the PRNG is mulberry32.
 */

/** mulberry32: a tiny, fast 32-bit PRNG with a full 2^32 period; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 32-bit integer hash (lowbias32), used to derive independent per-case seeds. */
function hash32(x: number): number {
  x = x >>> 0
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  x = Math.imul(x, 0x846ca68b)
  x ^= x >>> 16
  return x >>> 0
}

/** The seed of case `index` of a run seeded with `seed`: each case can be regenerated on its own. */
export function caseSeed(seed: number, index: number): number {
  return hash32((seed >>> 0) ^ hash32(index + 0x9e3779b9))
}

export class Rng {
  private readonly next: () => number

  constructor(seed: number) {
    this.next = mulberry32(seed)
  }

  float(): number {
    return this.next()
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(items.length)] as T
  }

  /** Like {@link weighted}, but only the chosen alternative is built. */
  choose<T>(entries: readonly (readonly [number, () => T])[]): T {
    return this.weighted(entries)()
  }

  /** Picks by weight: `[[3, 'a'], [1, 'b']]` returns `'a'` three times as often as `'b'`. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let total = 0
    for (const [weight] of entries) total += weight
    let r = this.next() * total
    for (const [weight, value] of entries) {
      r -= weight
      if (r < 0) return value
    }
    return (entries[entries.length - 1] as readonly [number, T])[1]
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/** Bases of names that are safe unquoted once suffixed with `_N` (including keyword look-alikes). */
const BARE_BASES = [
  'users',
  'items',
  'trigger_log',
  'create_at',
  'created_at',
  'end_date',
  'temp_value',
  'temporary_id',
  'explain_text',
  'begin_at',
  'casework',
  'endpoint',
  'triggered',
  'notes',
  'audit',
  'kayıt', // Turkish dotless ı
  'café',
  'größe',
  '名前',
  'price$usd',
  'x',
]

/** Column names SQLite accepts unquoted although they are keywords (parse.y `%fallback ID`). */
const BARE_KEYWORD_COLUMNS = ['end', 'temp', 'trigger', 'explain', 'begin', 'view', 'End', 'TEMP']

/** Bases of names that must be quoted: they contain `;`, comment starters, quotes, spaces, … */
const QUOTED_BASES = [
  'end',
  'END;',
  'trigger',
  'create',
  'temp',
  'explain',
  'a;b',
  'semi;colon',
  ';',
  'dash--dash',
  'slash/*star',
  'star*/slash',
  "quote'single",
  'dq"inside',
  'bt`inside',
  'sp ace',
  'tab\tname',
  'ümlaut;',
  '😀;',
  'x]y',
  'x[y',
  'BEGIN END',
  '-- not a comment',
]

/** Pieces of string literals; `''` is an escaped quote. */
const STRING_PIECES = [
  'abc',
  'hello world',
  ';',
  ' ; ',
  ';;',
  '--',
  '-- not a comment',
  '/*',
  '*/',
  '/* nor this; */',
  "''",
  "it''s",
  'END;',
  'end',
  '; END;',
  'BEGIN',
  'CREATE TRIGGER x BEGIN',
  'CREATE TEMP TRIGGER',
  'EXPLAIN',
  '"',
  '`',
  '[',
  ']',
  ' ',
  '\n',
  '\t',
  'é',
  'naïve',
  '名前',
  '😀',
  'ı',
  'Ω',
  '\\',
  '%',
  '_',
  '0',
  'CASE WHEN 1 THEN 2 END',
  '\u00a0',
]

/** Contents of comments (no newline, no `*\/`). */
const COMMENT_PIECES = [
  'TODO',
  ';',
  'END;',
  'end;',
  "'",
  "it's",
  '"',
  '`',
  '[',
  'CREATE TRIGGER',
  'BEGIN',
  '; END; END;',
  '--',
  '/*',
  '*',
  'é',
  'ı',
  '😀',
  'CASE WHEN x THEN y END;',
  'explain;',
  '\t',
  'drop table users;',
]

const TYPES = ['INTEGER', 'TEXT', 'REAL', 'BLOB', 'NUMERIC', 'VARCHAR(255)', 'DATETIME', 'BOOLEAN', '']

interface Table {
  name: string
  columns: string[]
}

export type CaseKind = 'migration' | 'chaos'

export interface GeneratedCase {
  /** The raw text, as a file could hold it (may have a BOM, CRLF or lone CR line endings). */
  readonly text: string
  /** `migration`: realistic (mostly valid) SQL; `chaos`: a soup of tokens the completeness rule cares about. */
  readonly kind: CaseKind
  /** Features of this case, for coverage reporting. */
  readonly features: readonly string[]
}

/** Generates case `index` of the run seeded with `seed`. */
export function generateCase(seed: number, index: number): GeneratedCase {
  const rng = new Rng(caseSeed(seed, index))
  const features = new Set<string>()
  const kind: CaseKind = rng.chance(0.12) ? 'chaos' : 'migration'
  let text = kind === 'chaos' ? chaos(rng, features) : new MigrationWriter(rng, features).write()
  text = applyLineEndings(rng, text, features)
  if (rng.chance(0.1)) {
    text = '\uFEFF' + text
    features.add('bom')
  }
  return { text, kind, features: [...features] }
}

// ---------------------------------------------------------------------------------------------
// Realistic migrations
// ---------------------------------------------------------------------------------------------

class MigrationWriter {
  private readonly tables: Table[] = []
  private counter = 0
  /** Probability that a token separator carries a comment. */
  private readonly commentRate: number

  constructor(
    private readonly rng: Rng,
    private readonly features: Set<string>,
  ) {
    this.commentRate = rng.pick([0, 0.02, 0.05, 0.15])
  }

  write(): string {
    const rng = this.rng
    let out = ''
    if (rng.chance(0.3)) out += this.lineComment() + '\n'
    if (rng.chance(0.15)) out += this.blockComment() + '\n'
    const count = rng.choose<number>([
      [1, () => 0],
      [4, () => 1],
      [10, () => rng.range(2, 6)],
      [5, () => rng.range(7, 16)],
    ])
    const statements: string[] = []
    for (let i = 0; i < count; i++) {
      statements.push(this.tables.length === 0 ? this.createTable(false) : this.statement())
    }
    for (let i = 0; i < statements.length; i++) {
      const last = i === statements.length - 1
      out += statements[i]
      if (last && rng.chance(0.15)) {
        // A last statement without ";", possibly followed by a comment or white space.
        this.features.add('no-final-semicolon')
        out += rng.pick([
          '',
          '\n',
          '  \n\n',
          ' -- trailing; comment',
          ' -- trailing\n',
          '\n/* end; */',
          '\n/* end */\n',
          '\t',
        ])
        break
      }
      const terminator = rng.weighted<string>([
        [20, ';'],
        [2, ' ;'],
        [1, '\n;'],
        [1, ' /* before ; */;'],
        [2, ';;'],
        [1, '; ;'],
        [1, ';\n;'],
        [1, '; /* empty */ ;'],
        [1, '; -- empty\n;'],
      ])
      if (terminator.indexOf(';') !== terminator.lastIndexOf(';')) this.features.add('empty-statement')
      out += terminator
      out += last ? this.fileEnd() : this.statementGap()
    }
    if (rng.chance(0.05)) out = this.unterminated(out)
    if (rng.chance(0.03)) {
      this.features.add('truncated')
      out = truncateAtCodePoint(out, rng.int(out.length + 1))
    }
    return out
  }

  private fileEnd(): string {
    return this.rng.weighted<string>([
      [10, '\n'],
      [5, ''],
      [2, '\n\n'],
      [2, ' -- the end;'],
      [1, "\n-- the end; '\n"],
      [1, '\n/* the end; */'],
      [1, '\n\t \n'],
    ])
  }

  private statementGap(): string {
    return this.rng.choose<string>([
      [20, () => '\n'],
      [8, () => '\n\n'],
      [3, () => ' '],
      [3, () => ''],
      [2, () => '\t'],
      [3, () => ' -- ' + this.commentText() + '\n'],
      [3, () => '\n' + this.lineComment() + '\n'],
      [2, () => '\n' + this.blockComment() + '\n'],
      [1, () => this.blockComment()],
      [1, () => '\n\n' + this.lineComment() + '\n' + this.lineComment() + '\n\n'],
    ])
  }

  private unterminated(text: string): string {
    this.features.add('unterminated')
    return (
      text +
      this.rng.pick([
        "\nINSERT INTO t VALUES ('not closed;\nSELECT 1;",
        "\nSELECT 'it''s not closed",
        '\nCREATE TABLE "no;end (a);',
        '\nSELECT [open; FROM t;',
        '\nSELECT `open; FROM t;',
        '\n/* never closed; END;',
        '\nSELECT 1 /* never closed',
        '\nCREATE TRIGGER tr_open AFTER INSERT ON t BEGIN SELECT 1;',
        '\nCREATE TEMP TRIGGER tr_open AFTER INSERT ON t BEGIN\n  SELECT CASE WHEN 1 THEN 2 END;\n',
        '\nCREATE TRIGGER tr_open AFTER INSERT ON t BEGIN SELECT 1',
        '\nCREATE TRIGGER tr_open AFTER INSERT ON t BEGIN SELECT 1; END',
        '\nCREATE TRIGGER tr_open AFTER INSERT ON t BEGIN SELECT 1; END -- no semicolon',
        "\n'",
        '\n"',
      ])
    )
  }

  // --- separators and comments --------------------------------------------------------------

  /** White space between two tokens, sometimes with a comment. */
  private sp(): string {
    const rng = this.rng
    if (rng.chance(this.commentRate)) {
      this.features.add('inline-comment')
      return rng.pick([
        ' ' + this.blockComment() + ' ',
        this.blockComment(),
        ' -- ' + this.commentText() + '\n',
        '\n' + this.lineComment() + '\n\t',
        '\n  ' + this.blockComment() + '\n  ',
      ])
    }
    return rng.weighted<string>([
      [30, ' '],
      [3, '\n  '],
      [2, '\n\t'],
      [1, '\t'],
      [1, '  '],
      [1, '\n'],
    ])
  }

  private commentText(): string {
    const rng = this.rng
    let text = ''
    const n = rng.range(0, 4)
    for (let i = 0; i < n; i++) text += (i ? rng.pick([' ', '', '\t']) : '') + rng.pick(COMMENT_PIECES)
    return text
  }

  private lineComment(): string {
    return this.rng.pick(['--', '-- ', '--\t']) + this.commentText()
  }

  private blockComment(): string {
    const rng = this.rng
    const lines = rng.chance(0.3) ? [this.commentText(), this.commentText(), this.commentText()] : [this.commentText()]
    return (
      '/*' +
      rng.pick(['', ' ', '*']) +
      lines.join(rng.pick(['\n', '\n * ', '\n\t'])) +
      rng.pick(['', ' ', '*', '**']) +
      '*/'
    )
  }

  // --- names ----------------------------------------------------------------------------------

  private freshName(): string {
    const rng = this.rng
    this.counter++
    if (rng.chance(0.25)) {
      this.features.add('quoted-name')
      return rng.pick(QUOTED_BASES) + '_' + this.counter
    }
    return rng.pick(BARE_BASES) + '_' + this.counter
  }

  /** A reference to `name`, quoted in any style that can hold it. */
  private quote(name: string): string {
    const rng = this.rng
    const bareSafe = /^[\p{L}_][\p{L}\p{N}_$]*$/u.test(name)
    const styles: string[] = []
    if (bareSafe) styles.push('bare', 'bare', 'bare')
    styles.push('double', 'backtick')
    if (!name.includes(']')) styles.push('bracket')
    switch (rng.pick(styles)) {
      case 'bare':
        return name
      case 'double':
        return '"' + name.replaceAll('"', '""') + '"'
      case 'backtick':
        return '`' + name.replaceAll('`', '``') + '`'
      default:
        return '[' + name + ']'
    }
  }

  private table(): Table {
    // write() starts with a (non-temporary) CREATE TABLE, so there is always a table.
    return this.rng.pick(this.tables)
  }

  private column(table: Table): string {
    return this.rng.pick(table.columns)
  }

  // --- literals and expressions ---------------------------------------------------------------

  private stringLiteral(): string {
    const rng = this.rng
    let text = ''
    const n = rng.choose<number>([
      [1, () => 0],
      [6, () => rng.range(1, 3)],
      [2, () => rng.range(4, 9)],
    ])
    for (let i = 0; i < n; i++) text += rng.pick(STRING_PIECES)
    if (text.includes(';')) this.features.add('string-with-semicolon')
    return "'" + text + "'"
  }

  private literal(): string {
    const rng = this.rng
    return rng.choose<string>([
      [6, () => this.stringLiteral()],
      [3, () => String(rng.range(-5, 1000))],
      [1, () => (rng.float() * 100).toFixed(2)],
      [1, () => 'NULL'],
      [1, () => rng.pick(["x'0A3B'", "X''", 'TRUE', 'FALSE', 'CURRENT_TIMESTAMP', '1e3'])],
    ])
  }

  /** A scalar expression; `refs` are column references usable here (e.g. `NEW."a;b"`). */
  private expr(depth: number, refs: readonly string[]): string {
    const rng = this.rng
    if (depth > 3) return refs.length && rng.chance(0.4) ? rng.pick(refs) : this.literal()
    const kind = rng.weighted<string>([
      [8, 'literal'],
      [refs.length ? 6 : 0, 'ref'],
      [3, 'case'],
      [2, 'func'],
      [1, 'concat'],
      [1, 'arith'],
      [1, 'paren'],
    ])
    const sp = () => this.sp()
    switch (kind) {
      case 'ref':
        return rng.pick(refs)
      case 'case':
        return this.caseExpr(depth + 1, refs)
      case 'func':
        return rng.pick(['lower', 'upper', 'coalesce', 'length', 'trim', 'ifnull', 'typeof']) === 'coalesce'
          ? 'coalesce(' + this.expr(depth + 1, refs) + ',' + sp() + this.expr(depth + 1, refs) + ')'
          : rng.pick(['lower', 'upper', 'length', 'trim', 'typeof']) + '(' + this.expr(depth + 1, refs) + ')'
      case 'concat':
        return this.expr(depth + 1, refs) + sp() + '||' + sp() + this.expr(depth + 1, refs)
      case 'arith':
        return this.expr(depth + 1, refs) + sp() + rng.pick(['+', '-', '*', '/', '%']) + sp() + String(rng.range(1, 9))
      case 'paren':
        return '(' + this.expr(depth + 1, refs) + ')'
      default:
        return this.literal()
    }
  }

  private condition(depth: number, refs: readonly string[]): string {
    const rng = this.rng
    const left = refs.length && rng.chance(0.7) ? rng.pick(refs) : this.expr(depth + 1, refs)
    return rng.choose<string>([
      [
        4,
        () =>
          left +
          this.sp() +
          rng.pick(['=', '<>', '!=', '<', '>=', 'IS', 'IS NOT', 'LIKE']) +
          this.sp() +
          this.expr(depth + 1, refs),
      ],
      [1, () => left + ' IS NULL'],
      [1, () => left + ' IN (' + this.literal() + ', ' + this.literal() + ')'],
      [1, () => 'NOT ' + left],
    ])
  }

  /** `CASE … END`, possibly nested, with `END` sometimes right after a comment or a newline. */
  private caseExpr(depth: number, refs: readonly string[]): string {
    const rng = this.rng
    this.features.add('case')
    if (depth > 1) this.features.add('nested-case')
    const sp = () => this.sp()
    const caseWord = rng.pick(['CASE', 'case', 'Case'])
    let out = caseWord
    const simple = rng.chance(0.3)
    if (simple) out += sp() + (refs.length ? rng.pick(refs) : this.expr(depth + 1, refs))
    const arms = rng.range(1, 3)
    for (let i = 0; i < arms; i++) {
      out += sp() + 'WHEN' + sp() + (simple ? this.literal() : this.condition(depth, refs))
      out += sp() + 'THEN' + sp() + this.expr(depth + 1, refs)
    }
    if (rng.chance(0.6)) out += sp() + 'ELSE' + sp() + this.expr(depth + 1, refs)
    const beforeEnd = rng.choose<string>([
      [10, () => ' '],
      [2, () => '\n'],
      [2, () => '\n\t'],
      [1, () => ' ' + this.blockComment() + ' '],
      [1, () => this.blockComment()],
      [1, () => ' -- ' + this.commentText() + '\n'],
    ])
    return out + beforeEnd + rng.pick(['END', 'end', 'End'])
  }

  // --- statements -----------------------------------------------------------------------------

  private statement(): string {
    const rng = this.rng
    const kind = rng.weighted<string>([
      [12, 'create-table'],
      [6, 'create-index'],
      [4, 'create-view'],
      [18, 'insert'],
      [5, 'update'],
      [3, 'delete'],
      [14, 'trigger'],
      [4, 'explain'],
      [4, 'select'],
      [3, 'pragma'],
      [4, 'alter'],
      [2, 'drop'],
      [2, 'transaction'],
    ])
    switch (kind) {
      case 'create-table':
        return this.createTable()
      case 'create-index':
        return this.createIndex()
      case 'create-view':
        return this.createView()
      case 'insert':
        return this.insert(this.table(), [])
      case 'update':
        return this.update(this.table(), [])
      case 'delete':
        return this.deleteFrom(this.table(), [])
      case 'trigger':
        return this.createTrigger()
      case 'explain':
        return this.explain()
      case 'select':
        return this.select(this.table())
      case 'pragma':
        return this.pragma()
      case 'alter':
        return this.alter()
      case 'drop':
        return this.drop()
      default:
        return this.transaction()
    }
  }

  private createTable(allowTemp = true): string {
    const rng = this.rng
    const sp = () => this.sp()
    const name = this.freshName()
    const temp = allowTemp && rng.chance(0.08)
    const columns: string[] = []
    const used = new Set<string>()
    const defs: string[] = []
    defs.push(
      rng.pick(['id INTEGER PRIMARY KEY', 'id INTEGER PRIMARY KEY AUTOINCREMENT', 'id INTEGER NOT NULL PRIMARY KEY']),
    )
    used.add('id')
    columns.push('id')
    const n = rng.range(1, 5)
    for (let i = 0; i < n; i++) {
      let column: string
      if (rng.chance(0.15)) {
        column = rng.pick(BARE_KEYWORD_COLUMNS)
        if (used.has(column.toLowerCase())) continue
        this.features.add('keyword-as-identifier')
        defs.push(column + (rng.chance(0.5) ? ' ' + rng.pick(TYPES) : ''))
      } else {
        column = this.freshName()
        let def = this.quote(column)
        const type = rng.pick(TYPES)
        if (type) def += sp() + type
        if (rng.chance(0.2)) def += sp() + 'NOT NULL'
        if (rng.chance(0.3))
          def += sp() + 'DEFAULT' + sp() + (rng.chance(0.7) ? this.stringLiteral() : '(' + this.literal() + ')')
        if (rng.chance(0.1))
          def +=
            sp() + 'CHECK' + sp() + '(' + this.quote(column) + ' IS NULL OR length(' + this.quote(column) + ') < 1000)'
        if (rng.chance(0.05)) def += sp() + 'COLLATE NOCASE'
        defs.push(def)
      }
      used.add(column.toLowerCase())
      columns.push(column)
    }
    if (!temp && this.tables.length && rng.chance(0.15)) {
      const parent = rng.pick(this.tables)
      const column = this.freshName()
      defs.push(this.quote(column) + ' INTEGER REFERENCES ' + this.quote(parent.name) + ' (id) ON DELETE CASCADE')
      columns.push(column)
    }
    if (rng.chance(0.1)) defs.push('UNIQUE (' + this.quote(columns[columns.length - 1] as string) + ')')
    const head = temp
      ? rng.pick(['CREATE TEMP TABLE', 'CREATE TEMPORARY TABLE', 'create temp table'])
      : rng.pick(['CREATE TABLE', 'CREATE TABLE IF NOT EXISTS', 'create table', 'Create Table'])
    const body = defs
      .map((d) => rng.pick(['\n  ', '\n\t', ' ', '\n    ']) + d)
      .join(',' + (rng.chance(this.commentRate) ? ' -- ' + this.commentText() : ''))
    // Temporary tables are not tracked: objects in the main schema may not refer to them.
    if (!temp) this.tables.push({ name, columns })
    return head + sp() + this.quote(name) + sp() + '(' + body + '\n)' + (rng.chance(0.05) ? ' WITHOUT ROWID' : '')
  }

  private createIndex(): string {
    const rng = this.rng
    const table = this.table()
    const columns = [...new Set([this.column(table), this.column(table)])]
    let out = rng.pick(['CREATE INDEX', 'CREATE UNIQUE INDEX', 'CREATE INDEX IF NOT EXISTS', 'create index'])
    out += this.sp() + this.quote(this.freshName()) + this.sp() + 'ON' + this.sp() + this.quote(table.name)
    out += ' (' + columns.map((c) => this.quote(c) + (rng.chance(0.2) ? ' DESC' : '')).join(', ') + ')'
    if (rng.chance(0.3))
      out +=
        this.sp() +
        'WHERE' +
        this.sp() +
        this.condition(
          1,
          table.columns.map((c) => this.quote(c)),
        )
    return out
  }

  private select(table: Table, depth = 0): string {
    const rng = this.rng
    const refs = table.columns.map((c) => this.quote(c))
    const sp = () => this.sp()
    const items: string[] = []
    const n = rng.range(1, 3)
    for (let i = 0; i < n; i++) {
      const item = rng.chance(0.5) ? rng.pick(refs) : this.expr(1, refs)
      items.push(item + (rng.chance(0.3) ? ' AS ' + this.quote(this.freshName()) : ''))
    }
    let out =
      rng.pick(['SELECT', 'select', 'SELECT DISTINCT']) + sp() + (rng.chance(0.1) ? '*' : items.join(',' + sp()))
    out += sp() + 'FROM' + sp() + this.quote(table.name)
    if (rng.chance(0.5)) out += sp() + 'WHERE' + sp() + this.condition(1, refs)
    if (depth === 0 && rng.chance(0.1) && this.tables.length > 1) {
      out += sp() + 'UNION ALL' + sp() + 'SELECT ' + refs.slice(0, 1).join(', ') + ' FROM ' + this.quote(table.name)
    }
    if (rng.chance(0.2)) out += sp() + 'ORDER BY' + sp() + rng.pick(refs) + (rng.chance(0.3) ? ' DESC' : '')
    if (rng.chance(0.1)) out += sp() + 'LIMIT ' + rng.range(1, 100)
    return out
  }

  private createView(): string {
    const rng = this.rng
    const table = this.table()
    const head = rng.pick([
      'CREATE VIEW',
      'CREATE VIEW IF NOT EXISTS',
      'create view',
      'CREATE TEMP VIEW',
      'CREATE TEMPORARY VIEW',
    ])
    return head + this.sp() + this.quote(this.freshName()) + this.sp() + 'AS' + this.sp() + this.select(table)
  }

  private insert(table: Table, refs: readonly string[]): string {
    const rng = this.rng
    const sp = () => this.sp()
    const columns = table.columns.filter((c) => c !== 'id' && rng.chance(0.7))
    let out = rng.pick([
      'INSERT INTO',
      'insert into',
      'INSERT OR IGNORE INTO',
      'INSERT OR REPLACE INTO',
      'REPLACE INTO',
    ])
    out += sp() + this.quote(table.name)
    if (columns.length === 0) return out + sp() + 'DEFAULT VALUES'
    out += sp() + '(' + columns.map((c) => this.quote(c)).join(',' + sp()) + ')'
    if (rng.chance(0.1) && refs.length === 0) return out + sp() + this.select({ name: table.name, columns }, 1)
    const rows = refs.length ? 1 : rng.range(1, 4)
    const tuples: string[] = []
    for (let r = 0; r < rows; r++) tuples.push('(' + columns.map(() => this.expr(1, refs)).join(',' + sp()) + ')')
    return (
      out +
      sp() +
      'VALUES' +
      sp() +
      tuples.join(',' + rng.pick([' ', '\n  ', '\n\t'])) +
      (refs.length === 0 && rng.chance(0.05) ? ' ON CONFLICT DO NOTHING' : '')
    )
  }

  private update(table: Table, refs: readonly string[]): string {
    const rng = this.rng
    const sp = () => this.sp()
    const own = table.columns.map((c) => this.quote(c))
    const all = [...refs, ...own]
    const targets = [...new Set(table.columns.filter((c) => c !== 'id' && rng.chance(0.5)))]
    if (targets.length === 0) targets.push(this.column(table))
    let out = rng.pick(['UPDATE', 'update', 'UPDATE OR IGNORE']) + sp() + this.quote(table.name) + sp() + 'SET' + sp()
    out += targets.map((c) => this.quote(c) + sp() + '=' + sp() + this.expr(1, all)).join(',' + sp())
    if (rng.chance(0.7)) out += sp() + 'WHERE' + sp() + this.condition(1, all)
    return out
  }

  private deleteFrom(table: Table, refs: readonly string[]): string {
    const all = [...refs, ...table.columns.map((c) => this.quote(c))]
    let out = this.rng.pick(['DELETE FROM', 'delete from']) + this.sp() + this.quote(table.name)
    if (this.rng.chance(0.8)) out += this.sp() + 'WHERE' + this.sp() + this.condition(1, all)
    return out
  }

  /** `CREATE [TEMP] TRIGGER … BEGIN stmt; stmt; … END`, bodies with nested `CASE … END`. */
  private createTrigger(): string {
    const rng = this.rng
    const sp = () => this.sp()
    const table = this.table()
    const temp = rng.chance(0.35)
    this.features.add(temp ? 'temp-trigger' : 'trigger')
    let out = temp
      ? rng.pick([
          'CREATE TEMP',
          'CREATE TEMPORARY',
          'create temp',
          'Create Temporary',
          'CREATE /* temp */ TEMP',
          'CREATE\n-- temp\nTEMP',
        ])
      : rng.pick(['CREATE', 'create', 'Create', 'CREATE /* c */', 'CREATE\n-- c\n'])
    out += (out.endsWith('\n') ? '' : sp()) + rng.pick(['TRIGGER', 'trigger', 'Trigger'])
    if (rng.chance(0.3)) out += sp() + 'IF NOT EXISTS'
    out += sp() + this.quote(this.freshName())
    const event = rng.pick(['INSERT', 'UPDATE', 'DELETE', 'UPDATE OF'])
    out += sp() + rng.pick(['AFTER', 'BEFORE', 'after']) + sp() + event
    if (event === 'UPDATE OF') out += ' ' + this.quote(this.column(table))
    out += sp() + 'ON' + sp() + this.quote(table.name)
    if (rng.chance(0.5)) out += sp() + 'FOR EACH ROW'
    const row = event === 'DELETE' ? ['OLD'] : event === 'INSERT' ? ['NEW'] : ['NEW', 'OLD']
    const refs = table.columns.map((c) => rng.pick(row) + '.' + this.quote(c))
    if (rng.chance(0.3))
      out += sp() + 'WHEN' + sp() + (rng.chance(0.3) ? this.caseExpr(1, refs) : this.condition(1, refs))
    out += sp() + rng.pick(['BEGIN', 'begin'])
    const n = rng.choose<number>([
      [1, () => 1],
      [3, () => rng.range(2, 4)],
      [1, () => rng.range(5, 7)],
    ])
    for (let i = 0; i < n; i++) {
      out += rng.pick(['\n  ', '\n\t', ' ', '\n    ', '\n']) + this.triggerBodyStatement(table, refs)
      out += rng.choose<string>([
        [10, () => ';'],
        [1, () => ' ;'],
        [1, () => ';' + (rng.chance(0.5) ? ' -- ' + this.commentText() : '')],
      ])
      if (rng.chance(this.commentRate * 2)) out += '\n  ' + (rng.chance(0.5) ? this.lineComment() : this.blockComment())
    }
    // END right after the last ";", after white space, or after comments.
    this.features.add('end-after-' + ['newline', 'space', 'nothing', 'comment', 'block-comment'][rng.int(5)])
    out += rng.choose<string>([
      [10, () => '\n'],
      [3, () => ' '],
      [1, () => ''],
      [2, () => '\n  -- ' + this.commentText() + '\n'],
      [2, () => ' ' + this.blockComment() + ' '],
      [1, () => '\n' + this.blockComment()],
      [1, () => '\t\n\t'],
    ])
    return out + rng.pick(['END', 'end', 'End'])
  }

  private triggerBodyStatement(table: Table, refs: readonly string[]): string {
    const rng = this.rng
    const target = rng.chance(0.6) ? this.table() : table
    switch (
      rng.weighted<string>([
        [5, 'insert'],
        [4, 'update'],
        [1, 'delete'],
        [2, 'select-case'],
        [1, 'raise'],
      ])
    ) {
      case 'insert':
        return this.insert(target, refs)
      case 'update':
        return this.update(target, refs)
      case 'delete':
        return this.deleteFrom(target, refs)
      case 'select-case':
        return 'SELECT' + this.sp() + this.caseExpr(1 + rng.int(2), refs)
      default:
        return (
          'SELECT RAISE(' +
          rng.pick(['ABORT', 'FAIL', 'IGNORE']) +
          ', ' +
          this.stringLiteral() +
          ')' +
          this.sp() +
          'WHERE' +
          this.sp() +
          this.condition(1, refs)
        ).replace(/RAISE\(IGNORE, '(?:[^']|'')*'\)/, 'RAISE(IGNORE)')
    }
  }

  private explain(): string {
    const rng = this.rng
    this.features.add('explain')
    const head = rng.pick(['EXPLAIN', 'explain', 'EXPLAIN QUERY PLAN', 'explain query plan'])
    const table = this.table()
    const body = rng.choose<string>([
      [6, () => this.select(table)],
      [1, () => this.insert(table, [])],
      [1, () => this.createTrigger()],
    ])
    if (body.startsWith('C') || body.startsWith('c')) this.features.add('explain-trigger')
    return head + this.sp() + body
  }

  private pragma(): string {
    const rng = this.rng
    return rng.pick([
      'PRAGMA foreign_keys = OFF',
      'PRAGMA foreign_keys = ON',
      'PRAGMA user_version = ' + rng.range(1, 99),
      'pragma recursive_triggers = 1',
      "PRAGMA table_info('" + this.table().name.replaceAll("'", "''") + "')",
      'PRAGMA foreign_key_check',
    ])
  }

  private alter(): string {
    const rng = this.rng
    const table = this.table()
    const head = rng.pick(['ALTER TABLE', 'alter table']) + this.sp() + this.quote(table.name) + this.sp()
    if (rng.chance(0.6)) {
      const column = this.freshName()
      table.columns.push(column)
      return (
        head +
        'ADD COLUMN ' +
        this.quote(column) +
        ' TEXT' +
        (rng.chance(0.5) ? ' DEFAULT ' + this.stringLiteral() : '')
      )
    }
    if (rng.chance(0.5) && table.columns.length > 1) {
      const index = 1 + rng.int(table.columns.length - 1)
      const from = table.columns[index] as string
      const to = this.freshName()
      table.columns[index] = to
      return head + 'RENAME COLUMN ' + this.quote(from) + ' TO ' + this.quote(to)
    }
    const to = this.freshName()
    table.name = to
    return head + 'RENAME TO ' + this.quote(to)
  }

  private drop(): string {
    const rng = this.rng
    return (
      rng.pick([
        'DROP TABLE IF EXISTS ',
        'DROP INDEX IF EXISTS ',
        'DROP VIEW IF EXISTS ',
        'DROP TRIGGER IF EXISTS ',
        'drop trigger if exists ',
      ]) + this.quote('gone_' + this.freshName())
    )
  }

  private transaction(): string {
    return this.rng.pick([
      'BEGIN',
      'BEGIN TRANSACTION',
      'COMMIT',
      'END',
      'END TRANSACTION',
      'end',
      'SAVEPOINT sp1',
      'RELEASE sp1',
    ])
  }
}

// ---------------------------------------------------------------------------------------------
// Chaos: token soup for the completeness state machine
// ---------------------------------------------------------------------------------------------

const CHAOS_TOKENS = [
  ';',
  ';',
  ';',
  'CREATE',
  'create',
  'TEMP',
  'temp',
  'TEMPORARY',
  'temporary',
  'TRIGGER',
  'trigger',
  'END',
  'end',
  'EXPLAIN',
  'explain',
  'BEGIN',
  'CASE',
  'WHEN',
  'THEN',
  'SELECT',
  'x',
  '1',
  'trigger_log',
  'create_at',
  'endx',
  'ENDé',
  'éEND',
  'tempé',
  'trıgger', // dotless ı: not TRIGGER to SQLite (which compares bytes)
  'explaın',
  'TRıGGER',
  'EXPLAıN',
  'CREATEr',
  "'a;b'",
  "'it''s'",
  "''",
  '"end"',
  '"a;""b"',
  '[;]',
  '[end]',
  '`;`',
  '`a``;`',
  '-- c;\n',
  '--\n',
  '/* ; */',
  '/**/',
  '/*END;*/',
  '(',
  ')',
  ',',
  '-',
  '/',
  '*',
  '.',
  '=',
  '$x',
  'é',
  '😀',
  "x'0a'",
  '?1',
  ':p',
  '@v',
  '#',
  '\\',
]

const CHAOS_SPACES = [' ', ' ', ' ', '\n', '\t', '\r', '\r\n', '\f', '\v', '', '', '  ', '\u00a0']

function chaos(rng: Rng, features: Set<string>): string {
  features.add('chaos')
  const n = rng.range(1, 40)
  let out = ''
  for (let i = 0; i < n; i++) {
    out += rng.pick(CHAOS_TOKENS)
    out += rng.pick(CHAOS_SPACES)
  }
  if (rng.chance(0.2)) out += rng.pick(['--', '-- tail;', '/*', "'", '"', '[', '`', '/* x'])
  return out
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

/** Cuts `text` at `offset` without splitting a surrogate pair. */
export function truncateAtCodePoint(text: string, offset: number): string {
  const code = text.charCodeAt(offset - 1)
  if (code >= 0xd800 && code <= 0xdbff) offset--
  return text.slice(0, offset)
}

import type { SqlStatement, StatementProblem } from '../dialect.js'
import { PgTokenKind, significantTokens, type PgToken } from './postgres-lexer.js'
import { foldAscii, readIdentifier, readQualifiedName } from './postgres-names.js'
import { postgresObjectChanges, type PostgresObjectChange } from './postgres-object-changes.js'

/**
 * How a PostgreSQL migration runs:
 * - `transaction`: in its own transaction, with its ledger row;
 * - `no-transaction-required`: every statement is one PostgreSQL refuses inside a transaction
 *   block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, …): statement by statement, outside any
 *   transaction, chosen automatically;
 * - `no-transaction`: statement by statement, outside any transaction, because the file says
 *   `-- glorious:no-transaction` on its first line.
 */
export type PostgresTransactionMode = 'transaction' | 'no-transaction-required' | 'no-transaction'

/**
 * What a statement needs from the transaction around it:
 * - `transactional`: runs inside a transaction block (most statements);
 * - `non-transactional`: PostgreSQL refuses it inside a transaction block;
 * - `transaction-control`: begins or ends a transaction itself (`BEGIN`, `COMMIT`, …);
 * - `needs-psql`: a psql feature, not SQL (`COPY … FROM stdin`, `COPY … TO stdout`).
 */
export type PostgresStatementKind = 'transactional' | 'non-transactional' | 'transaction-control' | 'needs-psql'

export interface PostgresStatementClass {
  readonly kind: PostgresStatementKind
  /** The statement's kind in words, as PostgreSQL's messages name it (`CREATE INDEX CONCURRENTLY`), when it matters. */
  readonly label: string | undefined
  /** Worth telling even though the statement runs as it is (`ALTER TYPE … ADD VALUE`). */
  readonly caveat?: string
  /** What a failure of this statement outside a transaction leaves behind, and how to clean it up. */
  readonly onFailure?: string
  /**
   * `CREATE INDEX CONCURRENTLY` with a name: the index (quoted, schema-qualified when the table
   * is), which an interrupted earlier attempt may have left INVALID.
   */
  readonly buildsIndex?: string
}

/** A note about a statement that does not stop the migration. */
export interface StatementCaveat {
  readonly statement: SqlStatement
  readonly note: string
}

export interface PostgresMigrationAnalysis {
  readonly mode: PostgresTransactionMode
  /** Statements the migration cannot run as it is, each with a hint; empty when it can run. */
  readonly problems: readonly StatementProblem[]
  /** Notes to show before running (never a reason to refuse). */
  readonly caveats: readonly StatementCaveat[]
  /** One class per statement, in order: outside a transaction, `onFailure` says what a failure leaves behind. */
  readonly classes: readonly PostgresStatementClass[]
  /**
   * Session settings the migration changes with `SET`, `RESET` or `set_config(…, false)` (names
   * in lower case; `all` when it cannot tell which, after `RESET ALL` or a computed name), so
   * they can be put back and do not leak into the next migration.
   */
  readonly connectionSettings: readonly string[]
  /** See {@link postgresObjectChanges}. */
  readonly objectChanges: readonly PostgresObjectChange[] | undefined
}

const TRANSACTIONAL: PostgresStatementClass = Object.freeze({ kind: 'transactional', label: undefined })

const SPLIT_HINT =
  'move it to a migration file of its own (a file holding only such statements runs outside a transaction ' +
  'automatically), or put "-- glorious:no-transaction" on the first line of this file (then a failure can ' +
  'leave it partly applied)'

const TRANSACTION_CONTROL_HINT =
  'remove it: every migration already runs in its own transaction, atomically (a migration that manages its ' +
  'own transactions needs "-- glorious:no-transaction" on its first line)'

const INVALID_INDEXES = 'SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid'

/**
 * PostgreSQL's rules for where a migration's statements may run:
 * - statements PostgreSQL refuses inside a transaction block (see
 *   {@link classifyPostgresStatement}): a file of only such statements runs outside a
 *   transaction; mixed with others, they are refused (split the file, or opt out);
 * - `BEGIN`, `COMMIT`, `ROLLBACK`, `PREPARE TRANSACTION`, … would end the migration's own
 *   transaction: refused unless the file opted out with `-- glorious:no-transaction`
 *   (`SAVEPOINT`, `RELEASE` and `ROLLBACK TO` stay inside it and are allowed);
 * - `COPY … FROM stdin` and `COPY … TO stdout` need psql: refused;
 * - no statement may name the toolkit's own tables (`reservedTables`), unquoted in any letter
 *   case or quoted exactly, schema-qualified or not, also inside `DO` and function bodies.
 */
export function analyzePostgresMigration(
  statements: readonly SqlStatement[],
  options: { readonly noTransaction: boolean; readonly reservedTables: readonly string[] },
): PostgresMigrationAnalysis {
  const problems: StatementProblem[] = []
  const caveats: StatementCaveat[] = []
  const classes: PostgresStatementClass[] = []
  const settings = new Set<string>()
  const reserved = new Set(options.reservedTables)
  for (const statement of statements) {
    const tokens = significantTokens(statement.sql)
    const klass = classifyTokens(tokens)
    classes.push(klass)
    const table = reservedTableIn(tokens, reserved)
    if (table !== undefined) {
      problems.push({
        statement,
        reason: `refers to "${table}", the toolkit's own bookkeeping table`,
        hint: 'migrations must not read or change it; use "glorious migrate rollback" to edit the ledger',
      })
    } else if (klass.kind === 'needs-psql') {
      problems.push({
        statement,
        reason: `(${klass.label}) is a psql feature, not SQL`,
        hint: 'migrations run without psql: use INSERT statements, or COPY to or from a file on the server',
      })
    } else if (klass.kind === 'transaction-control' && !options.noTransaction) {
      problems.push({
        statement,
        reason: `(${klass.label}) controls the transaction itself`,
        hint: TRANSACTION_CONTROL_HINT,
      })
    }
    if (klass.caveat !== undefined) caveats.push({ statement, note: klass.caveat })
    for (const setting of settingsChanged(tokens)) settings.add(setting)
  }

  let mode: PostgresTransactionMode = 'transaction'
  if (options.noTransaction) {
    mode = 'no-transaction'
    const opener = transactionLeftOpen(statements, classes)
    if (opener !== undefined) {
      problems.push({
        statement: opener,
        reason: `(${classes[statements.indexOf(opener)]!.label}) opens a transaction that the file does not end`,
        hint:
          'end it with COMMIT (or ROLLBACK) in the same file: a transaction left open would be committed with the ' +
          "migration's ledger row, where psql would roll it back",
      })
      problems.sort((a, b) => a.statement.index - b.statement.index)
    }
  } else if (statements.length > 0 && classes.every((klass) => klass.kind === 'non-transactional')) {
    mode = 'no-transaction-required'
  } else {
    statements.forEach((statement, i) => {
      const klass = classes[i]!
      if (klass.kind !== 'non-transactional') return
      problems.push({
        statement,
        reason: `(${klass.label}) cannot run inside a transaction block, and the other statements of this migration run in one`,
        hint: SPLIT_HINT,
      })
    })
    problems.sort((a, b) => a.statement.index - b.statement.index)
  }
  return Object.freeze({
    mode,
    problems: Object.freeze(problems),
    caveats: Object.freeze(caveats),
    classes: Object.freeze(classes),
    connectionSettings: Object.freeze([...settings]),
    objectChanges: postgresObjectChanges(statements),
  })
}

/**
 * The `BEGIN` (or `START TRANSACTION`) of a no-transaction file whose transaction is still open
 * after its last statement: no `COMMIT`, `END`, `ROLLBACK`, `ABORT` or `PREPARE TRANSACTION`
 * after it (`… AND CHAIN` starts the next one at once).
 */
function transactionLeftOpen(
  statements: readonly SqlStatement[],
  classes: readonly PostgresStatementClass[],
): SqlStatement | undefined {
  let opener: SqlStatement | undefined
  statements.forEach((statement, i) => {
    const label = classes[i]!.kind === 'transaction-control' ? classes[i]!.label : undefined
    if (label === 'BEGIN' || label === 'START TRANSACTION') opener ??= statement
    else if (label === 'COMMIT' || label === 'END' || label === 'ROLLBACK' || label === 'ABORT') {
      const words = significantTokens(statement.sql).map((token) => foldAscii(token.text))
      const chained = words.includes('chain') && !hasPhrase(words, 'no', 'chain')
      if (!chained) opener = undefined
    } else if (label === 'PREPARE TRANSACTION') opener = undefined
  })
  return opener
}

/**
 * Tells whether PostgreSQL runs a statement inside a transaction block. Refused there (checked on
 * PostgreSQL 15): `CREATE|DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `REINDEX
 * SCHEMA|DATABASE|SYSTEM`, `VACUUM`, `CLUSTER` without a table, `CREATE|DROP DATABASE`, `ALTER
 * DATABASE … SET TABLESPACE`, `CREATE|DROP TABLESPACE`, `ALTER SYSTEM`, `CREATE SUBSCRIPTION`
 * (unless `create_slot = false` or `connect = false`), `DROP SUBSCRIPTION`, `ALTER SUBSCRIPTION
 * … REFRESH PUBLICATION` (and `SET|ADD|DROP PUBLICATION` unless `refresh = false`), `ALTER TABLE
 * … DETACH PARTITION … CONCURRENTLY`, `DISCARD ALL`. Allowed there: `REFRESH MATERIALIZED VIEW
 * CONCURRENTLY`, `ANALYZE`, `CHECKPOINT`, `ALTER TYPE … ADD VALUE` (PostgreSQL ≥ 12, with a
 * caveat: the new value cannot be used before the transaction commits).
 */
export function classifyPostgresStatement(statement: SqlStatement): PostgresStatementClass {
  return classifyTokens(significantTokens(statement.sql))
}

function classifyTokens(tokens: readonly PgToken[]): PostgresStatementClass {
  const words = tokens.map((token) => (token.kind === PgTokenKind.Word ? foldAscii(token.text) : ''))
  const has = (word: string): boolean => words.includes(word)
  const nonTransactional = (label: string, onFailure?: string): PostgresStatementClass =>
    Object.freeze({ kind: 'non-transactional', label, ...(onFailure === undefined ? {} : { onFailure }) })
  const control = (label: string): PostgresStatementClass => Object.freeze({ kind: 'transaction-control', label })
  const [first, second, third] = words
  switch (first) {
    case 'begin':
    case 'end':
    case 'abort':
      return control(first.toUpperCase())
    case 'start':
      return second === 'transaction' ? control('START TRANSACTION') : TRANSACTIONAL
    case 'commit':
      return control(second === 'prepared' ? 'COMMIT PREPARED' : 'COMMIT')
    case 'rollback':
      if (second === 'prepared') return control('ROLLBACK PREPARED')
      // ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name only rewinds to a savepoint.
      return second === 'to' || third === 'to' ? TRANSACTIONAL : control('ROLLBACK')
    case 'prepare':
      return second === 'transaction' ? control('PREPARE TRANSACTION') : TRANSACTIONAL
    case 'vacuum':
      return nonTransactional('VACUUM')
    case 'cluster':
      return clusterWithoutTable(tokens, words) ? nonTransactional('CLUSTER') : TRANSACTIONAL
    case 'discard':
      return second === 'all' ? nonTransactional('DISCARD ALL') : TRANSACTIONAL
    case 'reindex':
      return reindexClass(words, nonTransactional)
    case 'copy':
      return copyClass(tokens, words)
    case 'create':
      return createClass(tokens, words, nonTransactional)
    case 'drop':
      if (second === 'index' && third === 'concurrently') return nonTransactional('DROP INDEX CONCURRENTLY')
      if (second === 'database') return nonTransactional('DROP DATABASE')
      if (second === 'tablespace') return nonTransactional('DROP TABLESPACE')
      if (second === 'subscription') return nonTransactional('DROP SUBSCRIPTION')
      return TRANSACTIONAL
    case 'alter':
      if (second === 'system') return nonTransactional('ALTER SYSTEM')
      if (second === 'database' && hasPhrase(words, 'set', 'tablespace'))
        return nonTransactional('ALTER DATABASE SET TABLESPACE')
      if (second === 'subscription') return alterSubscriptionClass(tokens, words, nonTransactional)
      if (second === 'table' && hasPhrase(words, 'detach', 'partition') && has('concurrently'))
        return nonTransactional(
          'ALTER TABLE … DETACH PARTITION … CONCURRENTLY',
          'a failed concurrent detach leaves the partition detached halfway: finish it with ' +
            'ALTER TABLE … DETACH PARTITION … FINALIZE',
        )
      if (second === 'type' && hasPhrase(words, 'add', 'value'))
        return Object.freeze({
          kind: 'transactional',
          label: 'ALTER TYPE … ADD VALUE',
          caveat:
            'the new enum value cannot be used until the migration commits: a statement of the same migration ' +
            'that uses it fails with "unsafe use of new value"; use it in a later migration',
        })
      return TRANSACTIONAL
    default:
      return TRANSACTIONAL
  }
}

function createClass(
  tokens: readonly PgToken[],
  words: readonly string[],
  nonTransactional: (label: string, onFailure?: string) => PostgresStatementClass,
): PostgresStatementClass {
  let at = 1
  if (words[at] === 'unique') at++
  if (words[at] === 'index' && words[at + 1] === 'concurrently') {
    let nameAt = at + 2
    if (hasPhraseAt(words, nameAt, 'if', 'not', 'exists')) nameAt += 3
    const name = words[nameAt] === 'on' ? undefined : readIdentifier(tokens, nameAt)
    // The index goes into its table's schema.
    let tableAt = name === undefined ? nameAt + 1 : name.next + 1
    if (words[tableAt] === 'only') tableAt++
    const schema = readQualifiedName(tokens, tableAt)?.schema
    const index = name === undefined ? undefined : (schema === undefined ? '' : `${schema}.`) + name.name
    const statementClass = nonTransactional(
      'CREATE INDEX CONCURRENTLY',
      index === undefined
        ? `a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: find it with ${INVALID_INDEXES} and ` +
            'remove it with DROP INDEX CONCURRENTLY before running the migration again'
        : `a failed CREATE INDEX CONCURRENTLY leaves the index "${index}" behind, INVALID: the next run drops ` +
            `and rebuilds it (by hand: DROP INDEX CONCURRENTLY IF EXISTS ${quoteName(schema, name!.name)})`,
    )
    return name === undefined
      ? statementClass
      : Object.freeze({ ...statementClass, buildsIndex: quoteName(schema, name.name) })
  }
  switch (words[1]) {
    case 'database':
      return nonTransactional('CREATE DATABASE')
    case 'tablespace':
      return nonTransactional('CREATE TABLESPACE')
    case 'subscription':
      // Without a replication slot to create, CREATE SUBSCRIPTION runs in a transaction.
      return optionIsOff(tokens, words, 'create_slot') || optionIsOff(tokens, words, 'connect')
        ? TRANSACTIONAL
        : nonTransactional('CREATE SUBSCRIPTION')
    default:
      return TRANSACTIONAL
  }
}

function reindexClass(
  words: readonly string[],
  nonTransactional: (label: string, onFailure?: string) => PostgresStatementClass,
): PostgresStatementClass {
  // REINDEX [(options)] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name; CONCURRENTLY may
  // also be one of the options.
  if (words.includes('concurrently'))
    return nonTransactional(
      'REINDEX CONCURRENTLY',
      `a failed REINDEX CONCURRENTLY leaves INVALID indexes behind (named …_ccnew or …_ccold): find them with ` +
        `${INVALID_INDEXES} and remove them with DROP INDEX CONCURRENTLY`,
    )
  const target = words.find((word) => ['index', 'table', 'schema', 'database', 'system'].includes(word))
  if (target === 'schema' || target === 'database' || target === 'system')
    return nonTransactional(`REINDEX ${target.toUpperCase()}`)
  return TRANSACTIONAL
}

/** `CLUSTER`, `CLUSTER VERBOSE` and `CLUSTER (VERBOSE)` recluster every table: not in a transaction block. */
function clusterWithoutTable(tokens: readonly PgToken[], words: readonly string[]): boolean {
  let at = 1
  if (tokens[at]?.text === '(') {
    while (at < tokens.length && tokens[at]!.text !== ')') at++
    at++
  }
  if (words[at] === 'verbose') at++
  return at >= tokens.length || tokens[at]!.kind === PgTokenKind.Semicolon
}

function copyClass(tokens: readonly PgToken[], words: readonly string[]): PostgresStatementClass {
  // COPY name [(columns)] FROM STDIN | COPY {name | (query)} TO STDOUT, outside parentheses.
  let depth = 0
  for (let at = 1; at < tokens.length - 1; at++) {
    const text = tokens[at]!.text
    if (text === '(') depth++
    else if (text === ')') depth--
    else if (depth === 0 && words[at] === 'from' && words[at + 1] === 'stdin')
      return Object.freeze({ kind: 'needs-psql', label: 'COPY … FROM stdin' })
    else if (depth === 0 && words[at] === 'to' && words[at + 1] === 'stdout')
      return Object.freeze({ kind: 'needs-psql', label: 'COPY … TO stdout' })
  }
  return TRANSACTIONAL
}

function alterSubscriptionClass(
  tokens: readonly PgToken[],
  words: readonly string[],
  nonTransactional: (label: string) => PostgresStatementClass,
): PostgresStatementClass {
  if (hasPhrase(words, 'refresh', 'publication')) return nonTransactional('ALTER SUBSCRIPTION … REFRESH PUBLICATION')
  const publication = words.findIndex(
    (word, i) => ['set', 'add', 'drop'].includes(word) && words[i + 1] === 'publication',
  )
  if (publication >= 0 && !optionIsOff(tokens, words, 'refresh'))
    return nonTransactional(`ALTER SUBSCRIPTION … ${words[publication]!.toUpperCase()} PUBLICATION`)
  return TRANSACTIONAL
}

/** Whether a `WITH (option = false)` list sets `option` off (`false`, `off`, `0`, quoted or not). */
function optionIsOff(tokens: readonly PgToken[], words: readonly string[], option: string): boolean {
  const at = words.indexOf(option)
  if (at < 0) return false
  const valueAt = tokens[at + 1]?.text === '=' ? at + 2 : at + 1
  const value = tokens[valueAt]
  if (value === undefined) return false
  const text = foldAscii(
    value.kind === PgTokenKind.String && value.text[0] === "'" ? value.text.slice(1, -1) : value.text,
  )
  return text === 'false' || text === 'off' || text === '0' || text === 'no'
}

function hasPhrase(words: readonly string[], ...phrase: string[]): boolean {
  return words.some((_, at) => hasPhraseAt(words, at, ...phrase))
}

function hasPhraseAt(words: readonly string[], at: number, ...phrase: string[]): boolean {
  return phrase.every((word, i) => words[at + i] === word)
}

/** A name written so PostgreSQL reads it back as it is: quoted. */
function quoteName(schema: string | undefined, name: string): string {
  const quote = (part: string): string => `"${part.replaceAll('"', '""')}"`
  return schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`
}

/**
 * The session settings a statement changes: `SET [SESSION] name …` (not `SET LOCAL`, `SET
 * TRANSACTION` or `SET CONSTRAINTS`, which end with the transaction), `RESET name`, `SET ROLE`,
 * `SET SESSION AUTHORIZATION`, `SET TIME ZONE`, `SET SCHEMA`, `SET NAMES`, and
 * `set_config(name, value, false)` anywhere in a statement; `all` (cannot tell which) for
 * `RESET ALL`, a computed name, and a `DO` block whose code mentions SET, RESET or set_config.
 */
function settingsChanged(tokens: readonly PgToken[]): string[] {
  const word = (at: number): string =>
    tokens[at]?.kind === PgTokenKind.Word ? foldAscii(tokens[at]!.text) : (tokens[at]?.text ?? '')
  const found: string[] = []
  const first = word(0)
  if (first === 'set') {
    let at = 1
    if (word(at) === 'local' || word(at) === 'transaction' || word(at) === 'constraints') return found
    if (word(at) === 'session') {
      at++
      if (word(at) === 'authorization') return ['session_authorization']
      if (word(at) === 'characteristics')
        return ['default_transaction_isolation', 'default_transaction_read_only', 'default_transaction_deferrable']
    }
    const name = word(at)
    if (name === 'time' && word(at + 1) === 'zone') return ['timezone']
    if (name === 'schema') return ['search_path']
    if (name === 'names') return ['client_encoding']
    if (name === 'role') return ['role']
    const setting = settingName(tokens, at)
    return setting === undefined ? ['all'] : [setting]
  }
  if (first === 'reset') {
    const name = word(1)
    if (name === 'all') return ['all']
    if (name === 'session' && word(2) === 'authorization') return ['session_authorization']
    if (name === 'time' && word(2) === 'zone') return ['timezone']
    const setting = settingName(tokens, 1)
    return setting === undefined ? ['all'] : [setting]
  }
  if (first === 'do') {
    // A DO block's SET, RESET or set_config (also as dynamic SQL text): which setting, only
    // running it tells.
    const body = tokens.find((token) => token.kind === PgTokenKind.DollarString || token.kind === PgTokenKind.String)
    return body !== undefined && /\b(?:set|reset|set_config)\b/i.test(body.text) ? ['all'] : found
  }
  for (let at = 0; at < tokens.length; at++) {
    if (word(at) !== 'set_config' || tokens[at + 1]?.text !== '(') continue
    // set_config('name', value, is_local): only a literal false leaks past the transaction.
    const name = tokens[at + 2]
    const isLocal = lastArgument(tokens, at + 1)
    if (isLocal !== undefined && ['true', "'true'", "'on'", "'t'"].includes(foldAscii(isLocal))) continue
    found.push(
      name?.kind === PgTokenKind.String && /^'[^']*'$/.test(name.text) ? foldAscii(name.text.slice(1, -1)) : 'all',
    )
  }
  return found
}

/** A setting's name (`search_path`, `app.user_id`), in lower case: setting names ignore case, quoted or not. */
function settingName(tokens: readonly PgToken[], at: number): string | undefined {
  const parts: string[] = []
  for (;;) {
    const part = readIdentifier(tokens, at)
    if (part === undefined) return undefined
    parts.push(part.name)
    at = part.next
    if (tokens[at]?.text !== '.') return parts.join('.').toLowerCase()
    at++
  }
}

/** The text of the last argument of the call whose `(` is at `open`, when it is a single token. */
function lastArgument(tokens: readonly PgToken[], open: number): string | undefined {
  let depth = 0
  for (let at = open; at < tokens.length; at++) {
    const text = tokens[at]!.text
    if (text === '(') depth++
    else if (text === ')' && --depth === 0) return tokens[at - 2]?.text === ',' ? tokens[at - 1]!.text : undefined
  }
  return undefined
}

/**
 * The first reserved table a statement names: as an identifier (unquoted in any letter case, or
 * quoted exactly), or inside the body of a `DO` block or a function (dollar-quoted or quoted), and
 * inside dollar-quoted literals in such a body (`EXECUTE $q$ … $q$`).
 */
function reservedTableIn(
  tokens: readonly PgToken[],
  reserved: ReadonlySet<string>,
  inBody = false,
): string | undefined {
  if (reserved.size === 0) return undefined
  const word = (at: number): string => (tokens[at]?.kind === PgTokenKind.Word ? foldAscii(tokens[at]!.text) : '')
  const routine = (at: number): boolean => word(at) === 'function' || word(at) === 'procedure'
  const isBodyHolder = word(0) === 'do' || (word(0) === 'create' && (routine(1) || routine(3)))
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]!
    if (token.kind === PgTokenKind.Word || token.kind === PgTokenKind.QuotedIdentifier) {
      const name = readIdentifier(tokens, at)?.name
      if (name !== undefined && reserved.has(name)) return name
    } else if (
      (isBodyHolder && (token.kind === PgTokenKind.DollarString || token.kind === PgTokenKind.String)) ||
      (inBody && token.kind === PgTokenKind.DollarString)
    ) {
      const found = reservedTableIn(significantTokens(bodyOf(token.text)), reserved, true)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** The code inside a routine body literal: `$tag$…$tag$` as it is, `'…'` with `''` undone. */
function bodyOf(literal: string): string {
  if (literal[0] === '$')
    return literal.slice(literal.indexOf('$', 1) + 1, literal.lastIndexOf('$', literal.length - 2))
  if (literal[0] === "'") return literal.slice(1, -1).replaceAll("''", "'")
  return '' // E'…' and other prefixed literals: not read
}

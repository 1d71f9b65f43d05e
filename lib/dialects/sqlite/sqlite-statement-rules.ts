import type { MigrationAnalysis, SqlStatement, StatementProblem, TransactionMode } from '../dialect.js'
import { TokenKind, scanToken } from './sqlite-lexer.js'
import { sqliteObjectChanges } from './sqlite-object-changes.js'

const NO_TRANSACTION_HINT =
  'put "-- glorious:no-transaction" on the first line of the file to run it outside a transaction ' +
  '(a failure can then leave it partly applied), or move the statement out of the migration'

/** PRAGMAs that SQLite refuses or ignores when they set a value inside a transaction. */
const PRAGMAS_SET_OUTSIDE_TRANSACTION = new Set([
  'journal_mode',
  'synchronous',
  'locking_mode',
  'temp_store',
  'page_size',
  'auto_vacuum',
])

/** PRAGMAs that cannot run inside a transaction at all. */
const PRAGMAS_OUTSIDE_TRANSACTION = new Set(['wal_checkpoint'])

/** Connection-level settings a migration may change; they are put back after it. */
const CONNECTION_SETTINGS = new Set([
  'legacy_alter_table',
  'recursive_triggers',
  'defer_foreign_keys',
  'ignore_check_constraints',
  'writable_schema',
  'reverse_unordered_selects',
  'query_only',
  'trusted_schema',
  'cell_size_check',
  'automatic_index',
  'secure_delete',
  'cache_size',
  'busy_timeout',
])

const OFF_VALUES = new Set(['off', '0', 'false', 'no'])

/**
 * SQLite's rules for where a migration's statements may run:
 * - `PRAGMA foreign_keys = OFF` is silently ignored inside a transaction, so such a migration
 *   runs in its own transaction with foreign keys switched off before it begins;
 * - `VACUUM`, `ATTACH`, `DETACH`, `PRAGMA journal_mode = …` and similar cannot run inside a
 *   transaction: refused unless the file opted out with `-- glorious:no-transaction`;
 * - `BEGIN`/`COMMIT`/`ROLLBACK` would break the toolkit's own transaction: refused likewise;
 * - no statement may name the toolkit's own tables.
 */
export function analyzeSqliteMigration(
  statements: readonly SqlStatement[],
  options: { readonly noTransaction: boolean; readonly reservedTables: readonly string[] },
): MigrationAnalysis {
  const problems: StatementProblem[] = []
  const settings = new Set<string>()
  let disablesForeignKeys = false
  for (const statement of statements) {
    const reserved = reservedTableIn(statement.sql, options.reservedTables)
    if (reserved !== undefined) {
      problems.push({
        statement,
        reason: `refers to "${reserved}", the toolkit's own bookkeeping table`,
        hint: 'migrations must not read or change it; use "glorious migrate rollback" to edit the ledger',
      })
      continue
    }
    const words = significantHead(statement)
    const first = words[0]?.toUpperCase()
    if (first === 'PRAGMA') {
      const pragma = parsePragma(words)
      if (pragma === undefined) continue
      if (pragma.name === 'foreign_keys') {
        if (pragma.value !== undefined && OFF_VALUES.has(pragma.value)) disablesForeignKeys = true
        settings.add('foreign_keys')
      } else if (
        PRAGMAS_OUTSIDE_TRANSACTION.has(pragma.name) ||
        (pragma.value !== undefined && PRAGMAS_SET_OUTSIDE_TRANSACTION.has(pragma.name))
      ) {
        if (!options.noTransaction) {
          problems.push({
            statement,
            reason: `(PRAGMA ${pragma.name}) cannot run inside a transaction`,
            hint: NO_TRANSACTION_HINT,
          })
        }
      } else if (pragma.value !== undefined && CONNECTION_SETTINGS.has(pragma.name)) {
        settings.add(pragma.name)
      }
      continue
    }
    if (options.noTransaction) continue
    if (first === 'VACUUM' || first === 'ATTACH' || first === 'DETACH') {
      problems.push({ statement, reason: `(${first}) cannot run inside a transaction`, hint: NO_TRANSACTION_HINT })
    } else if (isTransactionControl(words)) {
      problems.push({
        statement,
        reason: `(${first}) controls the transaction itself`,
        hint: 'remove it: every migration already runs in its own transaction, atomically',
      })
    }
  }
  const mode: TransactionMode = options.noTransaction
    ? 'no-transaction'
    : disablesForeignKeys
      ? 'foreign-keys-off'
      : 'transaction'
  return Object.freeze({
    mode,
    problems: Object.freeze(problems),
    connectionSettings: Object.freeze([...settings]),
    objectChanges: sqliteObjectChanges(statements),
  })
}

function significantHead(statement: SqlStatement): readonly string[] {
  const head = statement.head
  // `EXPLAIN [QUERY PLAN] …` only describes the statement; it never runs it.
  return head[0]?.toUpperCase() === 'EXPLAIN' ? [] : head
}

function isTransactionControl(words: readonly string[]): boolean {
  const first = words[0]?.toUpperCase()
  if (first === 'BEGIN' || first === 'COMMIT' || first === 'END') return true
  if (first !== 'ROLLBACK') return false
  // ROLLBACK [TRANSACTION] TO [SAVEPOINT] name only rewinds to a savepoint.
  return !words.slice(1, 3).some((word) => word.toUpperCase() === 'TO')
}

function parsePragma(words: readonly string[]): { name: string; value: string | undefined } | undefined {
  let rest = words.slice(1)
  if (rest[1] === '.') rest = rest.slice(2) // schema-qualified: PRAGMA main.x
  const name = rest[0]
  if (name === undefined) return undefined
  const operator = rest[1]
  const value = operator === '=' || operator === '(' ? rest[2] : undefined
  return { name: unquote(name).toLowerCase(), value: value === undefined ? undefined : unquote(value).toLowerCase() }
}

function unquote(token: string): string {
  const first = token[0]
  if (first === '"' || first === "'" || first === '`')
    return token
      .slice(1, -1)
      .split(first + first)
      .join(first)
  if (first === '[') return token.slice(1, -1)
  return token
}

function reservedTableIn(sql: string, reserved: readonly string[]): string | undefined {
  const lower = sql.toLowerCase()
  const candidates = reserved.filter((name) => lower.includes(name.toLowerCase()))
  if (candidates.length === 0) return undefined
  const wanted = new Set(candidates.map((name) => name.toLowerCase()))
  const token = { kind: TokenKind.Space }
  for (let pos = 0; pos < sql.length;) {
    const end = scanToken(sql, pos, token)
    if (token.kind === TokenKind.Word || (token.kind === TokenKind.Quoted && sql[pos] !== "'")) {
      const name = unquote(sql.slice(pos, end)).toLowerCase()
      if (wanted.has(name)) return name
    }
    pos = end
  }
  return undefined
}

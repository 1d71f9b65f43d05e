import type { MigrationAnalysis, SqlStatement, StatementProblem, TransactionMode } from '../dialect.js'
import { GUARD_PREFIX } from './sqlite-guard.js'
import { TokenKind, scanToken, unquoteSqliteName as unquote } from './sqlite-lexer.js'
import { sqliteObjectChanges } from './sqlite-object-changes.js'
import { CONNECTION_SETTINGS, pragmaEffect } from './sqlite-pragma-effects.js'

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

/**
 * SQLite's rules for where a migration's statements may run:
 * - a statement that switches foreign keys off (whatever its spelling: SQLite itself is asked,
 *   see {@link pragmaEffect}) is silently ignored inside a transaction, so such a migration runs
 *   in its own transaction with foreign keys switched off before it begins and checked before
 *   it commits;
 * - `VACUUM`, `ATTACH`, `DETACH`, `PRAGMA journal_mode = …` and similar cannot run inside a
 *   transaction: refused unless the file opted out with `-- glorious:no-transaction`;
 * - `BEGIN`/`COMMIT`/`ROLLBACK` would break the toolkit's own transaction: refused likewise;
 * - no statement may name the toolkit's own tables, in any quoting or letter case (the runner
 *   also guards them by effect);
 * - connection settings a PRAGMA changes are recorded, to be put back after the migration.
 */
export function analyzeSqliteMigration(
  statements: readonly SqlStatement[],
  options: { readonly noTransaction: boolean; readonly reservedTables: readonly string[] },
): MigrationAnalysis {
  const problems: StatementProblem[] = []
  const settings = new Set<string>()
  let foreignKeysOff = false
  const reservedNames = [...options.reservedTables, GUARD_PREFIX]
  for (const statement of statements) {
    const reserved = reservedNameIn(statement.sql, reservedNames)
    if (reserved !== undefined) {
      problems.push({
        statement,
        reason: `refers to "${reserved}", the toolkit's own bookkeeping ${reserved.startsWith(GUARD_PREFIX) ? 'trigger' : 'table'}`,
        hint: 'migrations must not read or change it; use "glorious migrate rollback" to edit the ledger',
      })
      continue
    }
    const words = withoutExplain(statement.head)
    const first = words[0]?.toUpperCase()
    if (first === 'PRAGMA') {
      const effect = pragmaEffect(statement.sql)
      if (effect.foreignKeysOff) foreignKeysOff = true
      for (const name of effect.changed) settings.add(name)
      const pragma = parsePragma(words)
      if (pragma === undefined) continue
      if (CONNECTION_SETTINGS.includes(pragma.name) && pragma.value !== undefined) settings.add(pragma.name)
      if (
        PRAGMAS_OUTSIDE_TRANSACTION.has(pragma.name) ||
        (pragma.value !== undefined && PRAGMAS_SET_OUTSIDE_TRANSACTION.has(pragma.name) && words === statement.head)
      ) {
        if (!options.noTransaction) {
          problems.push({
            statement,
            reason: `(PRAGMA ${pragma.name}) cannot run inside a transaction`,
            hint: NO_TRANSACTION_HINT,
          })
        }
      }
      continue
    }
    if (options.noTransaction || words !== statement.head) continue
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
    : foreignKeysOff
      ? 'foreign-keys-off'
      : 'transaction'
  return Object.freeze({
    mode,
    transaction: options.noTransaction ? 'outside' : 'inside',
    foreignKeysOff: foreignKeysOff && !options.noTransaction,
    // defer_foreign_keys = ON hides violations until COMMIT, and turning it OFF again forgets them.
    checkDeferredForeignKeys: settings.has('defer_foreign_keys'),
    editsSchemaDirectly: settings.has('writable_schema'),
    problems: Object.freeze(problems),
    connectionSettings: Object.freeze([...settings]),
    objectChanges: sqliteObjectChanges(statements),
    notes: Object.freeze([]),
  })
}

/**
 * The statement's words after `EXPLAIN [QUERY PLAN]`. EXPLAIN never runs a statement, but SQLite
 * applies a flag PRAGMA (foreign_keys, …) while compiling it, so an EXPLAINed PRAGMA still counts.
 */
function withoutExplain(head: readonly string[]): readonly string[] {
  if (head[0]?.toUpperCase() !== 'EXPLAIN') return head
  const rest = head[1]?.toUpperCase() === 'QUERY' && head[2]?.toUpperCase() === 'PLAN' ? head.slice(3) : head.slice(1)
  return rest
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

/**
 * The first reserved name a statement mentions as any token — a word, or text in any quotes,
 * single quotes included (SQLite accepts `'_migrations'` as a table name) — compared without
 * regard to ASCII letter case, as SQLite compares names.
 */
function reservedNameIn(text: string, reserved: readonly string[]): string | undefined {
  const lower = asciiLower(text)
  const candidates = reserved.filter((name) => lower.includes(asciiLower(name)))
  if (candidates.length === 0) return undefined
  const token = { kind: TokenKind.Space }
  for (let pos = 0; pos < text.length;) {
    const end = scanToken(text, pos, token)
    if (token.kind === TokenKind.Word || token.kind === TokenKind.Quoted) {
      const name = asciiLower(unquote(text.slice(pos, end)))
      const hit = candidates.find((candidate) => {
        const wanted = asciiLower(candidate)
        return candidate === GUARD_PREFIX ? name.startsWith(wanted) : name === wanted
      })
      if (hit !== undefined) return hit === GUARD_PREFIX ? name : hit
    }
    pos = end
  }
  return undefined
}

/** Lower case for ASCII letters only, as SQLite folds identifiers. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
}

import { createRequire } from 'node:module'

/**
 * Connection settings a migration may change with a PRAGMA. They are per connection (never
 * stored in the file), so the runner saves and restores the ones a migration touches.
 */
export const CONNECTION_SETTINGS: readonly string[] = Object.freeze([
  'foreign_keys',
  'defer_foreign_keys',
  'legacy_alter_table',
  'recursive_triggers',
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

/** What a PRAGMA statement does to the connection, as SQLite itself reports it. */
export interface PragmaEffect {
  /** Settings whose value the statement changes (from SQLite's defaults, foreign keys on). */
  readonly changed: ReadonlySet<string>
  /** The statement leaves foreign-key enforcement off. */
  readonly foreignKeysOff: boolean
}

interface ScratchDatabase {
  exec(source: string): unknown
  pragma(source: string, options: { simple: true }): unknown
  close(): unknown
}

const require = createRequire(import.meta.url)

/**
 * Runs a PRAGMA statement on a scratch in-memory connection (outside any transaction, foreign
 * keys on) and reports which connection settings it changed. SQLite decides what the statement
 * means — `PRAGMA foreign_keys = 00`, `= +0`, `= -1`, `= none`, `main.foreign_keys`,
 * `"foreign_keys" = 'off'`, and `EXPLAIN PRAGMA …` all switch foreign keys off, since SQLite applies
 * flag pragmas while it compiles them — so no spelling escapes the check. A statement SQLite
 * rejects here changes nothing (the real run will report its error).
 */
export function pragmaEffect(statement: string): PragmaEffect {
  const Database = require('better-sqlite3') as new (path: string) => ScratchDatabase
  const scratch = new Database(':memory:')
  try {
    scratch.pragma('foreign_keys = ON', { simple: true })
    const before = readSettings(scratch)
    try {
      scratch.exec(statement)
    } catch {
      return { changed: new Set(), foreignKeysOff: false }
    }
    const after = readSettings(scratch)
    const changed = new Set(CONNECTION_SETTINGS.filter((name) => before.get(name) !== after.get(name)))
    return { changed, foreignKeysOff: Number(after.get('foreign_keys')) === 0 }
  } finally {
    scratch.close()
  }
}

function readSettings(database: ScratchDatabase): Map<string, unknown> {
  return new Map(CONNECTION_SETTINGS.map((name) => [name, database.pragma(name, { simple: true })]))
}

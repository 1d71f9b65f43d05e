import type { SqlStatement } from '../dialect.js'
import { PgTokenKind, significantTokens, type PgToken } from './postgres-lexer.js'
import { foldAscii, readQualifiedName, type QualifiedName } from './postgres-names.js'

/** The kinds of objects whose set a migration's statements change, as ownership tracking sees them. */
export type PostgresObjectType = 'table' | 'view' | 'materialized-view' | 'foreign-table' | 'enum' | 'type'

/**
 * A change to the set of tables, views and types, as a statement declares it. Names are as
 * PostgreSQL resolves them (unquoted folded to lower case, quoted kept); `schema` is the one the
 * statement names, or `undefined` when it names none (then the search path decides).
 */
export type PostgresObjectChange =
  | {
      readonly kind: 'create'
      readonly type: PostgresObjectType
      readonly schema: string | undefined
      readonly name: string
      /** `IF NOT EXISTS`: the object may exist already, and then nothing changes. */
      readonly ifNotExists: boolean
      /** `OR REPLACE`: an existing view of that name is replaced. */
      readonly orReplace: boolean
    }
  | {
      readonly kind: 'drop'
      /** `type` for `DROP TYPE`, which drops enums and every other kind of type alike. */
      readonly type: PostgresObjectType
      readonly schema: string | undefined
      readonly name: string
      readonly ifExists: boolean
      /** `CASCADE`: objects that depend on it (views on a table, …) are dropped too. */
      readonly cascade: boolean
    }
  | {
      readonly kind: 'rename'
      readonly type: PostgresObjectType
      /** The schema of both names: a rename never moves an object. */
      readonly schema: string | undefined
      readonly from: string
      readonly to: string
    }
  | {
      readonly kind: 'set-schema'
      readonly type: PostgresObjectType
      readonly schema: string | undefined
      readonly name: string
      /** The schema the object moves to. */
      readonly to: string
    }

/** A statement outcome: its changes, none, or "cannot tell". */
type Outcome = readonly PostgresObjectChange[] | 'unknown'
const NONE: Outcome = Object.freeze([])

/**
 * The tables, views, materialized views, foreign tables and enum types a migration creates,
 * drops, renames or moves to another schema, read from its statements:
 * `CREATE [UNLOGGED] TABLE [IF NOT EXISTS] …` (also `… AS`), `CREATE [OR REPLACE]
 * [MATERIALIZED] VIEW`, `CREATE TYPE … AS ENUM`, `SELECT … INTO`, `DROP TABLE|VIEW|… [IF EXISTS]
 * a, b [CASCADE]`, `ALTER TABLE|VIEW|… [IF EXISTS] [ONLY] x RENAME TO y | SET SCHEMA s`.
 * Temporary objects are left out: they vanish with the session.
 *
 * @returns the changes in statement order, or `undefined` when a statement may change the set of
 *   tables in a way its text does not tell (`DO` blocks, `CALL`, `CREATE EXTENSION`, `DROP SCHEMA
 *   … CASCADE`, `ALTER SCHEMA … RENAME`, a name that cannot be read, …): the runner then compares
 *   listings before and after. Functions called from an ordinary statement can change tables too;
 *   that is not looked for.
 */
export function postgresObjectChanges(
  statements: readonly SqlStatement[],
): readonly PostgresObjectChange[] | undefined {
  const changes: PostgresObjectChange[] = []
  for (const statement of statements) {
    const outcome = statementChanges(significantTokens(statement.sql))
    if (outcome === 'unknown') return undefined
    changes.push(...outcome)
  }
  return Object.freeze(changes.map((change) => Object.freeze(change)))
}

function statementChanges(tokens: readonly PgToken[]): Outcome {
  const words = tokens.map((token) => (token.kind === PgTokenKind.Word ? foldAscii(token.text) : ''))
  switch (words[0]) {
    case 'create':
      return createChanges(tokens, words)
    case 'drop':
      return dropChanges(tokens, words)
    case 'alter':
      return alterChanges(tokens, words)
    case 'select':
    case 'with':
      return selectIntoChanges(tokens, words)
    case 'do':
    case 'call':
    case 'execute':
    case 'import':
      return 'unknown'
    default:
      return tokens[0]?.text === '(' ? selectIntoChanges(tokens, words) : NONE
  }
}

/** Reads the object kind at `at`: `TABLE`, `VIEW`, `MATERIALIZED VIEW`, `FOREIGN TABLE`, `TYPE`. */
function objectType(words: readonly string[], at: number): { type: PostgresObjectType; next: number } | undefined {
  switch (words[at]) {
    case 'table':
      return { type: 'table', next: at + 1 }
    case 'view':
      return { type: 'view', next: at + 1 }
    case 'materialized':
      return words[at + 1] === 'view' ? { type: 'materialized-view', next: at + 2 } : undefined
    case 'foreign':
      return words[at + 1] === 'table' ? { type: 'foreign-table', next: at + 2 } : undefined
    case 'type':
      return { type: 'type', next: at + 1 }
    default:
      return undefined
  }
}

function isPhrase(words: readonly string[], at: number, ...phrase: string[]): boolean {
  return phrase.every((word, i) => words[at + i] === word)
}

function createChanges(tokens: readonly PgToken[], words: readonly string[]): Outcome {
  let at = 1
  const orReplace = isPhrase(words, at, 'or', 'replace')
  if (orReplace) at += 2
  let temporary = false
  for (;;) {
    const word = words[at]
    if (word === 'global' || word === 'local' || word === 'unlogged' || word === 'recursive') at++
    else if (word === 'temp' || word === 'temporary') {
      temporary = true
      at++
    } else break
  }
  switch (words[at]) {
    case 'schema':
      // CREATE SCHEMA s CREATE TABLE …: the schema's elements are created with it.
      return words.includes('table') || words.includes('view') ? 'unknown' : NONE
    case 'extension':
      return 'unknown' // an extension's script may create tables (postgis: spatial_ref_sys)
    case 'rule':
      return 'unknown' // a "_RETURN" rule turns a table into a view
  }
  const kind = objectType(words, at)
  if (kind === undefined) return NONE // indexes, functions, triggers, sequences, …
  at = kind.next
  const ifNotExists = isPhrase(words, at, 'if', 'not', 'exists')
  if (ifNotExists) at += 3
  const name = readQualifiedName(tokens, at)
  if (name === undefined) return 'unknown'
  if (temporary || name.schema === 'pg_temp') return NONE
  let type = kind.type
  if (type === 'type') {
    // Only enums count: composite, range and base types are not ownership's concern.
    if (!isPhrase(words, name.next, 'as', 'enum')) return NONE
    type = 'enum'
  }
  return [{ kind: 'create', type, schema: name.schema, name: name.name, ifNotExists, orReplace }]
}

function dropChanges(tokens: readonly PgToken[], words: readonly string[]): Outcome {
  const last = words[words.length - 1] === '' ? words[words.length - 2] : words[words.length - 1]
  const cascade = last === 'cascade'
  switch (words[1]) {
    case 'schema':
    case 'extension':
      return cascade ? 'unknown' : NONE // RESTRICT fails unless nothing depends on it
    case 'owned':
      return 'unknown'
  }
  const kind = objectType(words, 1)
  if (kind === undefined) return NONE
  let at = kind.next
  const ifExists = isPhrase(words, at, 'if', 'exists')
  if (ifExists) at += 2
  const changes: PostgresObjectChange[] = []
  for (;;) {
    const name = readQualifiedName(tokens, at)
    if (name === undefined) return 'unknown'
    changes.push({ kind: 'drop', type: kind.type, schema: name.schema, name: name.name, ifExists, cascade })
    at = name.next
    if (tokens[at]?.text !== ',') break
    at++
  }
  const rest = words[at]
  if (at < tokens.length && rest !== 'cascade' && rest !== 'restrict' && tokens[at]?.text !== ';') return 'unknown'
  return changes
}

function alterChanges(tokens: readonly PgToken[], words: readonly string[]): Outcome {
  if (words[1] === 'schema') return isPhrase(words, 3, 'rename') ? 'unknown' : NONE
  if (words[1] === 'extension') return 'unknown' // an update script may create or drop tables
  const kind = objectType(words, 1)
  if (kind === undefined) return NONE
  let at = kind.next
  if (words[at] === 'all') return NONE // ALTER TABLE ALL IN TABLESPACE …
  if (isPhrase(words, at, 'if', 'exists')) at += 2
  if (words[at] === 'only') at++
  const name: QualifiedName | undefined = readQualifiedName(tokens, at)
  if (name === undefined) return 'unknown'
  at = name.next
  if (tokens[at]?.text === '*') at++
  const type = kind.type
  if (isPhrase(words, at, 'rename', 'to')) {
    const to = readQualifiedName(tokens, at + 2)
    if (to === undefined || to.schema !== undefined) return 'unknown'
    return [{ kind: 'rename', type, schema: name.schema, from: name.name, to: to.name }]
  }
  if (isPhrase(words, at, 'set', 'schema')) {
    const to = readQualifiedName(tokens, at + 2)
    if (to === undefined || to.schema !== undefined) return 'unknown'
    return [{ kind: 'set-schema', type, schema: name.schema, name: name.name, to: to.name }]
  }
  return NONE // columns, constraints, owners, …: the object keeps its name
}

/**
 * `SELECT … INTO [TEMP|UNLOGGED] [TABLE] name …` (also after `WITH …`) creates a table; the INTO
 * of `[WITH …] INSERT INTO` and `MERGE INTO` does not.
 */
function selectIntoChanges(tokens: readonly PgToken[], words: readonly string[]): Outcome {
  let depth = 0
  let selected = false
  let inserting = false
  for (let at = 0; at < tokens.length; at++) {
    const text = tokens[at]!.text
    if (text === '(') depth++
    else if (text === ')') depth--
    if (depth !== 0) continue
    const word = words[at]
    if (word === 'select') selected = true
    // The statement's own INSERT or MERGE starts it or follows its WITH list's last ")": elsewhere
    // the word is a column or an alias.
    if ((word === 'insert' || word === 'merge') && (at === 0 || tokens[at - 1]!.text === ')')) inserting = true
    if (word !== 'into' || !selected || inserting) continue
    let next = at + 1
    let temporary = false
    for (;;) {
      const modifier = words[next]
      if (modifier === 'temp' || modifier === 'temporary') temporary = true
      else if (modifier !== 'unlogged' && modifier !== 'table' && modifier !== 'global' && modifier !== 'local') break
      next++
    }
    const name = readQualifiedName(tokens, next)
    if (name === undefined) return 'unknown'
    if (temporary) return NONE
    return [
      { kind: 'create', type: 'table', schema: name.schema, name: name.name, ifNotExists: false, orReplace: false },
    ]
  }
  return NONE
}

import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { SqlStatement } from '../dialect.js'
import { ER_NO_SUCH_TABLE, mysqlErrno } from './mysql-errors.js'
import { type SignificantToken, identifierName, quoteIdent, significantTokens } from './mysql-lexer.js'
import { lexingOf } from './mysql-splitter.js'

type Kind = 'table' | 'routine' | 'trigger' | 'event'

interface Target {
  readonly kind: Kind
  readonly schema: string | undefined
  readonly name: string
}

/** The prefix of probes read with `SHOW CREATE` (older probes, without it, were read from information_schema). */
const SHOWN = 'show:'

/**
 * The session settings that change how `SHOW CREATE TABLE` prints a definition (quoting, table
 * options): recorded with a probe, so that the probe is read again under the same ones.
 */
interface ShowSettings {
  readonly sqlMode: string
  readonly quote: number
}

/**
 * A fingerprint of the objects a DDL statement acts on — each one's definition as the server
 * shows it, or its absence — taken before the statement runs. A run interrupted while the
 * statement ran compares it with the objects as they are: unchanged means the statement did not
 * take effect (MySQL's DDL is atomic), changed means it did. `undefined` for a statement whose
 * targets cannot be read (`CALL`, `TRUNCATE`, …): its effect cannot be told this way.
 *
 * Tables, views and triggers are read with `SHOW CREATE` (~0.2 ms, where information_schema's
 * columns, indexes and views of a table just altered take ~3 ms): a table's `AUTO_INCREMENT=`
 * counter is left out (rows inserted meanwhile move it), and the session settings that change the
 * text (`sql_mode`, `sql_quote_show_create`) are recorded in the probe, in clear, so that
 * `recorded`'s comparison reads the objects under those settings whatever the session has now.
 *
 * @param recorded the probe taken before the statement, when comparing with it: read the same
 *   way (a probe recorded by an older version, without the prefix, from information_schema).
 */
export async function probeMysqlStatement(
  conn: Kysely<any>,
  statement: SqlStatement,
  recorded?: string,
): Promise<string | undefined> {
  const tokens = significantTokens(statement.sql, lexingOf(statement))
  const targets = targetsOf(tokens)
  if (targets === undefined || targets.length === 0) return undefined
  const on = triggerTableOf(tokens)
  if (recorded !== undefined && !recorded.startsWith(SHOWN)) {
    // What a CREATE TABLE | VIEW makes is usually not there yet: looked up by name first.
    const creates = createsTableOrView(tokens)
    const hash = createHash('sha256')
    for (const target of targets) {
      hash.update(JSON.stringify([target, await definitionOf(conn, target, on, creates)]))
    }
    return hash.digest('hex')
  }
  const wanted = recorded === undefined ? undefined : recordedSettings(recorded)
  let current: ShowSettings | undefined
  let restore: ShowSettings | undefined
  /** Reads the session's settings once (setting the recorded ones when they differ): whether it set them. */
  const settings = async (): Promise<boolean> => {
    if (current !== undefined) return false
    const { rows } = await sql<{ mode: string; quote: unknown }>`
      SELECT @@SESSION.sql_mode AS mode, @@SESSION.sql_quote_show_create AS quote`.execute(conn)
    const now: ShowSettings = { sqlMode: String(rows[0]?.mode ?? ''), quote: Number(rows[0]?.quote ?? 1) }
    if (wanted !== undefined && (wanted.sqlMode !== now.sqlMode || wanted.quote !== now.quote)) {
      await writeSettings(conn, wanted)
      restore = now
      current = wanted
      return true
    }
    current = now
    return false
  }
  const parts: unknown[] = []
  try {
    for (const target of targets) {
      parts.push([target, await shownDefinitionOf(conn, target, settings)])
    }
  } finally {
    if (restore !== undefined) await writeSettings(conn, restore)
  }
  const used = current === undefined ? '' : JSON.stringify([current.sqlMode, current.quote])
  return `${SHOWN}${used}:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`
}

/** The settings a `show:` probe was taken under, or `undefined` when it showed no definition. */
function recordedSettings(recorded: string): ShowSettings | undefined {
  const body = recorded.slice(SHOWN.length, recorded.lastIndexOf(':'))
  if (body === '') return undefined
  const [sqlMode, quote] = JSON.parse(body) as [string, number]
  return { sqlMode, quote }
}

async function writeSettings(conn: Kysely<any>, settings: ShowSettings): Promise<void> {
  await sql`SET SESSION sql_mode = ${settings.sqlMode}, SESSION sql_quote_show_create = ${settings.quote}`.execute(conn)
}

const ER_TRG_DOES_NOT_EXIST = 1360

/**
 * One target's definition as `SHOW CREATE` prints it, or `absent`; routines and events from
 * information_schema. Any other error of `SHOW CREATE` fails the probe (nothing is guessed).
 */
async function shownDefinitionOf(
  conn: Kysely<any>,
  target: Target,
  settings: () => Promise<boolean>,
): Promise<unknown> {
  const name =
    target.schema === undefined ? quoteIdent(target.name) : `${quoteIdent(target.schema)}.${quoteIdent(target.name)}`
  const show = async (what: string, absent: number): Promise<Record<string, unknown>[] | 'absent'> => {
    const read = async () => {
      try {
        return (await sql.raw<Record<string, unknown>>(`SHOW CREATE ${what} ${name}`).execute(conn)).rows
      } catch (error) {
        if (mysqlErrno(error) === absent) return 'absent'
        throw error
      }
    }
    const rows = await read()
    // Absent, the settings do not matter (nor are they read); shown, read again if the recorded
    // ones had to be set.
    return rows !== 'absent' && (await settings()) ? read() : rows
  }
  switch (target.kind) {
    case 'table': {
      const rows = await show('TABLE', ER_NO_SUCH_TABLE)
      if (rows === 'absent') return rows
      // The counter is data (rows inserted since move it), on the table options' line.
      return rows.map((row) => {
        const create = row['Create Table']
        return typeof create === 'string' ? { ...row, 'Create Table': withoutCounter(create) } : row
      })
    }
    case 'trigger':
      return show('TRIGGER', ER_TRG_DOES_NOT_EXIST)
    default:
      return ['catalog', await definitionOf(conn, target, undefined, false)]
  }
}

/** `SHOW CREATE TABLE`'s text without the `AUTO_INCREMENT=n` of its last line's table options. */
export function withoutCounter(create: string): string {
  return create.replace(/^(\).*?) AUTO_INCREMENT=\d+/m, '$1')
}

/**
 * @param on the table a `CREATE TRIGGER` names: the trigger is looked up on it alone (MariaDB reads
 *   only that table's triggers, not every table's of the schema), with the same rows as a result
 *   since trigger names are unique in a schema and the statement fails if the name is taken.
 */
async function definitionOf(
  conn: Kysely<any>,
  target: Target,
  on: { schema: string | undefined; name: string } | undefined,
  likelyAbsent: boolean,
): Promise<unknown> {
  const schema = target.schema === undefined ? sql`DATABASE()` : sql`${target.schema}`
  switch (target.kind) {
    case 'table': {
      if (likelyAbsent) {
        // Absent, the query below gives no row: the name's lookup alone tells so (~0.1 ms), where
        // its subqueries read the columns, indexes and constraints (~2 ms with a few hundred
        // tables). The result is the same either way.
        const { rows: found } = await sql`
          SELECT 1 AS found FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = ${schema} AND t.TABLE_NAME = ${target.name}`.execute(
          conn,
        )
        if (found.length === 0) return []
      }
      const { rows } = await sql`
        SELECT TABLE_TYPE, CREATE_OPTIONS, TABLE_COLLATION, TABLE_COMMENT,
          (SELECT GROUP_CONCAT(CONCAT_WS(':', COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT) ORDER BY ORDINAL_POSITION SEPARATOR '|')
             FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = ${schema} AND c.TABLE_NAME = ${target.name}) AS columns_,
          (SELECT GROUP_CONCAT(CONCAT_WS(':', INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, INDEX_TYPE) ORDER BY INDEX_NAME, SEQ_IN_INDEX SEPARATOR '|')
             FROM information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = ${schema} AND s.TABLE_NAME = ${target.name}) AS indexes_,
          (SELECT GROUP_CONCAT(CONCAT_WS(':', CONSTRAINT_NAME, CONSTRAINT_TYPE) ORDER BY CONSTRAINT_NAME SEPARATOR '|')
             FROM information_schema.TABLE_CONSTRAINTS k WHERE k.TABLE_SCHEMA = ${schema} AND k.TABLE_NAME = ${target.name}) AS constraints_,
          (SELECT VIEW_DEFINITION FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = ${schema} AND v.TABLE_NAME = ${target.name}) AS view_
        FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = ${schema} AND t.TABLE_NAME = ${target.name}`.execute(
        conn,
      )
      return rows
    }
    case 'routine': {
      const { rows } = await sql`
        SELECT ROUTINE_TYPE, ROUTINE_DEFINITION, CREATED, LAST_ALTERED FROM information_schema.ROUTINES
        WHERE ROUTINE_SCHEMA = ${schema} AND ROUTINE_NAME = ${target.name} ORDER BY 1`.execute(conn)
      return rows
    }
    case 'trigger': {
      if (on !== undefined && on.schema === target.schema) {
        const { rows } = await sql`
          SELECT ACTION_STATEMENT, CREATED FROM information_schema.TRIGGERS
          WHERE EVENT_OBJECT_SCHEMA = ${schema} AND EVENT_OBJECT_TABLE = ${on.name}
            AND TRIGGER_SCHEMA = ${schema} AND TRIGGER_NAME = ${target.name}`.execute(conn)
        return rows
      }
      const { rows } = await sql`
        SELECT ACTION_STATEMENT, CREATED FROM information_schema.TRIGGERS
        WHERE TRIGGER_SCHEMA = ${schema} AND TRIGGER_NAME = ${target.name}`.execute(conn)
      return rows
    }
    case 'event': {
      const { rows } = await sql`
        SELECT EVENT_DEFINITION, CREATED, LAST_ALTERED, STATUS FROM information_schema.EVENTS
        WHERE EVENT_SCHEMA = ${schema} AND EVENT_NAME = ${target.name}`.execute(conn)
      return rows
    }
  }
}

const KINDS: Readonly<Record<string, Kind | undefined>> = {
  TABLE: 'table',
  TABLES: 'table',
  VIEW: 'table',
  PROCEDURE: 'routine',
  FUNCTION: 'routine',
  TRIGGER: 'trigger',
  EVENT: 'event',
}

/** What a `CREATE | ALTER | DROP | RENAME …` statement acts on, or `undefined` when that cannot be read. */
function targetsOf(tokens: readonly SignificantToken[]): Target[] | undefined {
  const words = tokens.map((token) => token.upper)
  const verb = words[0]
  if (verb !== 'CREATE' && verb !== 'ALTER' && verb !== 'DROP' && verb !== 'RENAME') return undefined
  // The object keyword comes after optional words (OR REPLACE, TEMPORARY, ONLINE, IGNORE,
  // ALGORITHM = x, DEFINER = u@h, SQL SECURITY x, UNIQUE, FULLTEXT, SPATIAL, AGGREGATE).
  const at = words.findIndex((word, i) => i > 0 && i < 14 && (KINDS[word] !== undefined || word === 'INDEX'))
  if (at < 0) return undefined
  if (words[at] === 'INDEX') {
    // CREATE … INDEX i [USING …] ON t (…) | DROP INDEX i ON t: the table's definition changes.
    const on = words.indexOf('ON', at)
    const table = on < 0 ? undefined : readName(tokens, on + 1)
    return table ? [{ kind: 'table', ...table.name }] : undefined
  }
  const kind = KINDS[words[at] as string] as Kind
  let next = at + 1
  if (words[next] === 'IF') next += words[next + 1] === 'NOT' ? 3 : 2
  if (verb === 'RENAME' || (verb === 'DROP' && kind === 'table')) {
    // RENAME TABLE a TO b, c TO d | DROP TABLE a, b: every name in the list.
    const targets: Target[] = []
    while (next < tokens.length) {
      const read = readName(tokens, next)
      if (!read) return undefined
      targets.push({ kind, ...read.name })
      next = read.next
      if (words[next] === 'TO' || words[next] === ',') next++
      else break
    }
    return targets
  }
  const read = readName(tokens, next)
  if (!read) return undefined
  const targets: Target[] = [{ kind, ...read.name }]
  // ALTER TABLE a … RENAME [TO | AS] b: b changes too.
  const rename = verb === 'ALTER' ? words.indexOf('RENAME', read.next) : -1
  if (rename > 0 && words[rename + 1] !== 'COLUMN' && words[rename + 1] !== 'INDEX' && words[rename + 1] !== 'KEY') {
    const to = readName(tokens, words[rename + 1] === 'TO' || words[rename + 1] === 'AS' ? rename + 2 : rename + 1)
    if (to) targets.push({ kind, ...to.name })
  }
  return targets
}

/** Whether the statement is a `CREATE … TABLE | VIEW` (the object keyword as `targetsOf` finds it). */
function createsTableOrView(tokens: readonly SignificantToken[]): boolean {
  if (tokens[0]?.upper !== 'CREATE') return false
  const kind = tokens.find(
    (token, i) => i > 0 && i < 14 && (KINDS[token.upper] !== undefined || token.upper === 'INDEX'),
  )
  return kind?.upper === 'TABLE' || kind?.upper === 'VIEW'
}

/** The table of a `CREATE … TRIGGER name {BEFORE | AFTER} event ON table`, or `undefined`. */
function triggerTableOf(tokens: readonly SignificantToken[]): { schema: string | undefined; name: string } | undefined {
  const words = tokens.map((token) => token.upper)
  if (words[0] !== 'CREATE') return undefined
  const at = words.findIndex((word, i) => i > 0 && i < 14 && KINDS[word] !== undefined)
  if (at < 0 || words[at] !== 'TRIGGER') return undefined
  let next = at + 1
  if (words[next] === 'IF') next += 3
  const trigger = readName(tokens, next)
  if (!trigger) return undefined
  next = trigger.next
  if (words[next] !== 'BEFORE' && words[next] !== 'AFTER') return undefined
  if (words[next + 2] !== 'ON') return undefined
  return readName(tokens, next + 3)?.name
}

function readName(
  tokens: readonly SignificantToken[],
  at: number,
): { name: { schema: string | undefined; name: string }; next: number } | undefined {
  const first = tokens[at] && identifierName(tokens[at] as SignificantToken)
  if (first === undefined) return undefined
  if (tokens[at + 1]?.text === '.') {
    const second = tokens[at + 2] && identifierName(tokens[at + 2] as SignificantToken)
    if (second === undefined) return undefined
    return { name: { schema: first, name: second }, next: at + 3 }
  }
  return { name: { schema: undefined, name: first }, next: at + 1 }
}

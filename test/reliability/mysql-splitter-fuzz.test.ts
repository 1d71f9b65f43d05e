/**
 * MySQL splitter fuzzing with the server as the oracle (MariaDB 10.11 here; see
 * mysql-fuzz-generator.ts for what is generated). Cases are checked in batches, so that 100,000
 * of them take minutes rather than half an hour, and the server (or the `mariadb` client) still
 * decides every boundary:
 *
 * - `server` cases (no DELIMITER): a batch of texts goes to the server in ONE query with
 *   multi-statements on, each text followed by a marker `SELECT <case> AS gm_case`, so the server
 *   itself decides where each statement ends. Our pieces of the same texts go in another query,
 *   each piece followed by a barrier (`DO 1/0, 1/0, 1/0`: an OK packet with three warnings, which
 *   no generated statement gives), and the session's `Questions` counter (statements the server
 *   parsed, not counting those inside stored programs) must have grown by exactly one per piece
 *   and per barrier. A piece that is half a statement breaks the barrier after it (a syntax
 *   error, or a barrier missing from the results), and a piece holding nothing is an empty
 *   statement the server rejects, so the count proves that the server read each piece as exactly
 *   one statement — what sending it alone with multi-statements off proves, without a round trip
 *   per piece. The results between barriers (result sets with column names and values, OK
 *   packets with affected rows, insert id and warnings) must equal, case by case, what the whole
 *   texts gave.
 * - `client` cases (DELIMITER sections): DELIMITER is a client command, so the `mariadb` client is
 *   the oracle: batches of cases, each after a marker SELECT, go through `mariadb --comments -B`,
 *   and its output must equal the results of our pieces (checked as above), printed the way the
 *   client prints them.
 * - `broken` cases: the splitter must report a problem, and the server, sent the whole text, must
 *   run exactly the statements the splitter found before it, then fail on the next one.
 * - `client-broken` cases, and client cases the splitter finds a problem in, end a client batch:
 *   the client must fail there, after printing exactly what our pieces before the problem print.
 *
 * A batch that fails, or whose statement count is off, is checked again case by case on fresh
 * databases (the whole text alone, each piece alone with multi-statements off) to name the case.
 * Both sql_modes (with and without NO_BACKSLASH_ESCAPES) are covered, and several lanes run at
 * once, each with its own databases and connections, while Node generates and splits the next
 * batch.
 *
 *   FUZZ_SEED=<uint32 | random>  (default: a fixed seed)   FUZZ_CASES=<n>  (default: 100000)
 *
 * A disagreement fails the test and is saved to test/fixtures/mysql-splitter-regressions/ (with
 * whether the server or client rejected the text), which test/lib/mysql-splitter.test.ts replays.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Connection, FieldPacket } from 'mysql2/promise'
import {
  splitMysqlStatements,
  type MysqlSplitResult,
  type MysqlStatement,
} from '../../lib/dialects/mysql/mysql-splitter.js'
import { FUZZ_SETUP, generateMysqlCase, type MysqlFuzzCase, type MysqlFuzzKind } from './mysql-fuzz-generator.js'
import { SERVER, connect, scratchName } from './mysql-scratch.js'

const seed = parseSeed(process.env.FUZZ_SEED)
const cases = process.env.FUZZ_CASES ? Number.parseInt(process.env.FUZZ_CASES, 10) : 100_000
/** Lanes of server cases, each with its own databases and connections. */
const LANES = 3
/** Cases a lane takes at a time (its server cases of each sql_mode go in one query). */
const BATCH = 200
/** Client cases per `mariadb` run, and `mariadb` runs at a time. */
const CLIENT_BATCH = 150
const CLIENT_LANES = 2
const REGRESSIONS = fileURLToPath(new URL('../../../test/fixtures/mysql-splitter-regressions/', import.meta.url))

const BARRIER = 'DO 1/0, 1/0, 1/0'
const QUESTIONS = "SHOW SESSION STATUS LIKE 'Questions'"
const NBE_MODE = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"

function parseSeed(value: string | undefined): number {
  if (!value) return 0x6d79_5351
  if (value === 'random') return (Date.now() ^ (process.pid << 16)) >>> 0
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new Error(`FUZZ_SEED must be a 32-bit unsigned integer or "random", not ${value}`)
  return n
}

// ─── Cases ──────────────────────────────────────────────────────────────────────────────────────

interface Prepared {
  readonly index: number
  readonly c: MysqlFuzzCase
  readonly split: MysqlSplitResult
}

interface Disagreement {
  readonly index: number
  readonly kind: MysqlFuzzKind
  readonly text: string
  readonly noBackslashEscapes: boolean
  readonly pieces: readonly string[] | null
  readonly detail: string
  /** The oracle (server or client) rejected the text: the splitter should report a problem. */
  readonly rejected: boolean
}

function disagreement(p: Prepared, detail: string, rejected = false): Disagreement {
  return {
    index: p.index,
    kind: p.c.kind,
    text: p.c.text,
    noBackslashEscapes: p.c.noBackslashEscapes,
    pieces: p.split.problem ? null : p.split.statements.map((s) => s.sql),
    detail,
    rejected,
  }
}

type Mode = 'default' | 'nbe'
const MODES: readonly Mode[] = ['default', 'nbe']
const modeOf = (c: MysqlFuzzCase): Mode => (c.noBackslashEscapes ? 'nbe' : 'default')

/** Where two outputs part: a little of each from the first character that differs. */
function difference(label: string, theirs: string, ours: string): string {
  let at = 0
  while (at < theirs.length && theirs[at] === ours[at]) at++
  const from = Math.max(0, at - 120)
  return (
    `${label} differ at character ${at}: ${JSON.stringify(theirs.slice(from, at + 200))} vs ours ` +
    JSON.stringify(ours.slice(from, at + 200))
  )
}

// ─── Results ────────────────────────────────────────────────────────────────────────────────────

/** A value as mysql2 reads it: the generated statements give integers, strings and NULL. */
type Value = string | number | null

/** What one statement gave back: a result set or an OK packet. */
type Outcome =
  | { readonly kind: 'rows'; readonly names: readonly string[]; readonly rows: readonly (readonly Value[])[] }
  | { readonly kind: 'ok'; readonly affectedRows: number; readonly insertId: number; readonly warnings: number }

const describe = (o: Outcome): string =>
  o.kind === 'rows'
    ? `rows ${JSON.stringify(o.names)} ${JSON.stringify(o.rows)}`
    : `ok ${o.affectedRows} ${o.insertId} ${o.warnings}`

const describeAll = (outcomes: readonly Outcome[]): string => outcomes.map(describe).join(' | ')

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false
  return true
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind === 'ok' || b.kind === 'ok')
    return (
      a.kind === b.kind &&
      a.kind === 'ok' &&
      b.kind === 'ok' &&
      a.affectedRows === b.affectedRows &&
      a.insertId === b.insertId &&
      a.warnings === b.warnings
    )
  return sameList(a.names, b.names, Object.is) && sameList(a.rows, b.rows, (x, y) => sameList(x, y, Object.is))
}

const sameOutcomes = (a: readonly Outcome[], b: readonly Outcome[]): boolean => sameList(a, b, sameOutcome)

const isBarrier = (o: Outcome): boolean => o.kind === 'ok' && o.warnings === 3 && o.affectedRows === 0
const isEmptyOk = (o: Outcome): boolean =>
  o.kind === 'ok' && o.affectedRows === 0 && o.insertId === 0 && o.warnings === 0

async function run(connection: Connection, sql: string): Promise<Outcome[] | Error> {
  try {
    const [results, fields] = await connection.query({ sql, rowsAsArray: true })
    const multiple =
      Array.isArray(results) &&
      Array.isArray(fields) &&
      fields.length > 0 &&
      fields.every((f) => f === undefined || Array.isArray(f))
    if (multiple) return (results as unknown[]).map((r, i) => outcome(r, (fields as unknown[])[i]))
    return [outcome(results, fields)]
  } catch (error) {
    return error as Error
  }
}

function outcome(result: unknown, fields: unknown): Outcome {
  if (Array.isArray(result)) {
    return {
      kind: 'rows',
      names: (fields as FieldPacket[] | undefined)?.map((f) => f.name) ?? [],
      rows: result as Value[][],
    }
  }
  const header = result as { affectedRows: number; insertId: number; warningStatus: number }
  return { kind: 'ok', affectedRows: header.affectedRows, insertId: header.insertId, warnings: header.warningStatus }
}

/** Splits a piece batch's results at its barriers: the outcomes of each piece, or a reason. */
function byPiece(outcomes: readonly Outcome[], pieces: number): Outcome[][] | string {
  const groups: Outcome[][] = []
  let current: Outcome[] = []
  for (const o of outcomes) {
    if (!isBarrier(o)) {
      current.push(o)
      continue
    }
    if (current.length === 0) return `piece ${groups.length + 1} of the batch gave no result`
    groups.push(current)
    current = []
  }
  if (current.length > 0) return `${current.length} results after the last barrier`
  if (groups.length !== pieces) return `${groups.length} barriers came back, ${pieces} were sent`
  return groups
}

/** Each case's outcomes, from the outcomes of all their pieces in order. */
function byCase(batch: readonly Prepared[], groups: readonly Outcome[][]): Outcome[][] {
  let piece = 0
  return batch.map((p) => {
    const mine = groups.slice(piece, piece + p.split.statements.length).flat()
    piece += p.split.statements.length
    return mine
  })
}

/** The pieces of statements, each followed by a barrier, then the session's statement counter. */
function pieceBatch(statements: readonly MysqlStatement[]): string {
  let sql = ''
  for (const s of statements) sql += `${s.sql}${s.terminator === ';' ? '' : ';'}\n${BARRIER};\n`
  return sql + QUESTIONS
}

const questionsIn = (o: Outcome | undefined): number | undefined =>
  o?.kind === 'rows' && o.names.length === 2 && o.rows[0]?.[0] === 'Questions' ? Number(o.rows[0][1]) : undefined

async function readQuestions(connection: Connection): Promise<number> {
  const outcomes = await run(connection, QUESTIONS)
  const value = outcomes instanceof Error ? undefined : questionsIn(outcomes[0])
  if (value === undefined) throw new Error('cannot read the Questions status variable')
  return value
}

const reason = (r: Error | string): string => (r instanceof Error ? `a piece batch failed: ${r.message}` : r)

// ─── Scratch databases ──────────────────────────────────────────────────────────────────────────

/** Scratch databases the server would not drop, for the report. */
const leftBehind: string[] = []

/** Databases made for one lane, each with the objects of FUZZ_SETUP, and their connections. */
class Scratch {
  readonly #names: string[] = []
  readonly #connections: Connection[] = []

  /**
   * A connection to a new database. `likeClient`: the session the `mariadb` client opens (mysql2
   * asks for IGNORE_SPACE and utf8mb4_unicode_ci by default; both show in SHOW CREATE output).
   */
  async open(purpose: string, mode: Mode, multipleStatements = true, likeClient = false): Promise<Connection> {
    const database = scratchName(purpose)
    this.#names.push(database)
    const connection = await connect({
      multipleStatements,
      // Texts go to the server as they are (mysql2 would scan each for `?` placeholders), and rows
      // are read without compiling a parser per result set (column names differ in every one).
      queryFormat: (sql: string) => sql,
      disableEval: true,
      ...(likeClient ? { flags: ['-IGNORE_SPACE'], charset: 'UTF8MB4_GENERAL_CI' } : {}),
    })
    this.#connections.push(connection)
    await connection.query(`CREATE DATABASE \`${database}\``)
    await connection.query(`USE \`${database}\``)
    for (const sql of FUZZ_SETUP) await connection.query(sql)
    if (mode === 'nbe') await connection.query(NBE_MODE)
    return connection
  }

  /** A new database for the `mariadb` client. */
  async database(purpose: string): Promise<string> {
    await this.open(purpose, 'default')
    return this.#names[this.#names.length - 1]!
  }

  /**
   * Drops the databases and closes the connections; what cannot be dropped is noted in
   * {@link leftBehind}. (Once in many runs, MariaDB 10.11 has left a trigger's backup file,
   * `gm_fuzz_t.TRG-`, in a database directory, and then refused to drop the database: "Directory
   * not empty".)
   */
  async close(): Promise<void> {
    const first = this.#connections[0]
    for (const database of first ? this.#names : []) {
      try {
        await first!.query(`DROP DATABASE IF EXISTS \`${database}\``)
      } catch (error) {
        leftBehind.push(`${database} (${(error as Error).message})`)
      }
    }
    for (const connection of this.#connections) await connection.end().catch(() => connection.destroy())
  }
}

/** One connection, with its `Questions` counter as last read. */
class CountingConnection {
  #questions: number | undefined
  constructor(readonly connection: Connection) {}

  /**
   * Runs the pieces as one batch: the outcomes of each piece, or why the batch does not prove
   * that the server read each piece as one statement.
   */
  async pieces(statements: readonly MysqlStatement[]): Promise<Outcome[][] | Error | string> {
    const before = this.#questions ?? (await readQuestions(this.connection))
    this.#questions = undefined
    const outcomes = await run(this.connection, pieceBatch(statements))
    if (outcomes instanceof Error) return outcomes
    const after = questionsIn(outcomes.pop())
    if (after === undefined) return 'the batch did not end with the statement counter'
    this.#questions = after
    // Each piece, each barrier and the counter's own SHOW are one statement.
    const expected = 2 * statements.length + 1
    if (after - before !== expected)
      return `the server counted ${after - before} statements, ${expected} were sent (pieces, barriers, SHOW)`
    return byPiece(outcomes, statements.length)
  }

  /** Runs `sql` and counts the statements the server parsed for it (a failing one included). */
  async statementsOf(sql: string): Promise<{ outcome: Outcome[] | Error; statements: number }> {
    const before = this.#questions ?? (await readQuestions(this.connection))
    const outcome = await run(this.connection, sql)
    const after = await readQuestions(this.connection)
    this.#questions = after
    return { outcome, statements: after - before - 1 }
  }
}

// ─── Server cases ───────────────────────────────────────────────────────────────────────────────

/** The connections of one lane, per sql_mode: whole texts, pieces, and broken texts. */
class Lane {
  #scratch = new Scratch()
  whole!: Record<Mode, Connection>
  pieces!: Record<Mode, CountingConnection>
  broken!: Record<Mode, CountingConnection>

  constructor(readonly id: number) {}

  async open(): Promise<void> {
    const s = this.#scratch
    const name = (role: string, mode: Mode): string => `fz${this.id}${role}${mode === 'nbe' ? 'n' : ''}`
    const [whole, whole_n, pieces, pieces_n, broken, broken_n] = await Promise.all(
      ['w', 'p', 'b'].flatMap((role) => MODES.map((mode) => s.open(name(role, mode), mode))),
    )
    this.whole = { default: whole!, nbe: whole_n! }
    this.pieces = { default: new CountingConnection(pieces!), nbe: new CountingConnection(pieces_n!) }
    this.broken = { default: new CountingConnection(broken!), nbe: new CountingConnection(broken_n!) }
  }

  /** After a failed batch the two sides may differ (a routine created on one only): start afresh. */
  async reset(): Promise<void> {
    await this.#scratch.close()
    this.#scratch = new Scratch()
    await this.open()
  }

  close(): Promise<void> {
    return this.#scratch.close()
  }
}

/** Checks a batch of server cases of one sql_mode; returns the disagreements and whether it failed. */
async function checkServerBatch(
  lane: Lane,
  mode: Mode,
  batch: readonly Prepared[],
): Promise<{ found: Disagreement[]; failed: boolean }> {
  let whole = ''
  for (const p of batch) whole += `${p.c.text}\n${p.c.terminated ? '' : ';\n'}SELECT ${p.index} AS gm_case;\n`
  const [theirs, ours] = await Promise.all([
    run(lane.whole[mode], whole),
    lane.pieces[mode].pieces(batch.flatMap((p) => p.split.statements)),
  ])
  const failed = async (why: string) => ({ found: await diagnoseServerBatch(mode, batch, why), failed: true })
  if (theirs instanceof Error) return failed(`the server rejected the batch: ${theirs.message}`)
  if (!Array.isArray(ours)) return failed(reason(ours))
  // The whole texts' outcomes, cut at the markers.
  const perCase: Outcome[][] = []
  let current: Outcome[] = []
  for (const o of theirs) {
    if (o.kind === 'rows' && o.names.length === 1 && o.names[0] === 'gm_case') {
      if (o.rows[0]?.[0] !== batch[perCase.length]?.index) return failed(`marker ${o.rows[0]?.[0]} out of place`)
      perCase.push(current)
      current = []
    } else current.push(o)
  }
  if (perCase.length !== batch.length || current.length > 0) return failed('markers missing from the batch')
  const found: Disagreement[] = []
  byCase(batch, ours).forEach((mine, i) => {
    if (!sameOutcomes(perCase[i]!, mine))
      found.push(
        disagreement(
          batch[i]!,
          difference(
            'the results of the whole text (server) and of the pieces',
            describeAll(perCase[i]!),
            describeAll(mine),
          ),
        ),
      )
  })
  return { found, failed: false }
}

/**
 * Checks each case of a failed batch on its own, on fresh databases: the whole text alone with
 * multi-statements on, each piece alone with multi-statements off.
 */
async function diagnoseServerBatch(mode: Mode, batch: readonly Prepared[], why: string): Promise<Disagreement[]> {
  const scratch = new Scratch()
  try {
    const whole = await scratch.open('fzdw', mode)
    const alone = await scratch.open('fzda', mode, false)
    const found: Disagreement[] = []
    for (const p of batch) {
      const d = await checkServerCaseAlone(whole, alone, p)
      if (d) found.push(d)
    }
    if (found.length === 0) found.push(disagreement(batch[0]!, `the batch failed (${why}), yet each case passes alone`))
    return found
  } finally {
    await scratch.close()
  }
}

async function checkServerCaseAlone(
  whole: Connection,
  alone: Connection,
  p: Prepared,
): Promise<Disagreement | undefined> {
  const theirs = await run(whole, p.c.text)
  if (theirs instanceof Error) return disagreement(p, `the server rejected the whole text: ${theirs.message}`, true)
  const ours: Outcome[] = []
  for (const s of p.split.statements) {
    const result = await run(alone, s.sql)
    if (result instanceof Error)
      return disagreement(p, `piece ${JSON.stringify(s.sql.slice(0, 200))} failed alone: ${result.message}`)
    ours.push(...result)
  }
  // A comment after the last statement is an empty statement of its own for the server.
  const last = theirs[theirs.length - 1]
  const expected = theirs.length === ours.length + 1 && last && isEmptyOk(last) ? theirs.slice(0, -1) : theirs
  if (!sameOutcomes(expected, ours))
    return disagreement(
      p,
      difference('the results of the whole text (server) and of the pieces', describeAll(theirs), describeAll(ours)),
    )
  return undefined
}

/** A broken text: the server runs the statements we found before the problem, then fails. */
async function checkBroken(lane: Lane, p: Prepared): Promise<Disagreement | undefined> {
  const { outcome, statements } = await lane.broken[modeOf(p.c)].statementsOf(p.c.text)
  if (p.split.problem === undefined) return disagreement(p, 'the splitter found no problem in a broken text')
  if (!(outcome instanceof Error)) return disagreement(p, 'the server accepted the broken text')
  const found = p.split.statements.length
  if (statements !== found + 1)
    return disagreement(
      p,
      `the server parsed ${statements} statements, the last failing (${outcome.message.slice(0, 200)}); ` +
        `the splitter found ${found} before its problem ${JSON.stringify(p.split.problem)}`,
    )
  return undefined
}

// ─── Client cases ───────────────────────────────────────────────────────────────────────────────

/** The client's batch (-B) printing of a value. */
function clientValue(value: Value): string {
  if (value === null) return 'NULL'
  return String(value).replace(/[\\\t\n\0]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\0',
  )
}

/**
 * What `mariadb -B` prints for these outcomes: column names, then rows; nothing for OK packets.
 * Without CRs: the client drops the CR of each CRLF line end before it sends a statement, so
 * names and values that span lines lose it, while our pieces keep the file's text as it is (and
 * information_schema.TRIGGERS shows a trigger body's CR as the two characters `\r`, printed `\\r`).
 */
function clientPrint(outcomes: readonly Outcome[]): string {
  let out = ''
  for (const o of outcomes) {
    if (o.kind !== 'rows' || o.rows.length === 0) continue
    out += `${o.names.join('\t')}\n`
    for (const row of o.rows) out += `${row.map(clientValue).join('\t')}\n`
  }
  return out.replace(/\r|\\\\r/g, '')
}

const clientMarker = (index: number): string => `SELECT 'case-${index}' AS gm_case;\n`
const clientMarkerPrinted = (index: number): string => `gm_case\ncase-${index}\n`

function runClient(
  database: string,
  input: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'mariadb',
      [
        `-h${SERVER.host}`,
        `-P${SERVER.port}`,
        `-u${SERVER.user}`,
        '--default-character-set=utf8mb4',
        '--comments',
        '-B',
        database,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    // The client stops reading at its first error: the rest of the input is not wanted.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

/** A database for the `mariadb` client and, per sql_mode, a connection for our pieces. */
class ClientLane {
  readonly #scratch = new Scratch()
  database!: string
  pieces!: Record<Mode, CountingConnection>

  constructor(readonly id: number) {}

  async open(): Promise<void> {
    this.database = await this.#scratch.database(`fzc${this.id}`)
    this.pieces = {
      default: new CountingConnection(await this.#scratch.open(`fzc${this.id}p`, 'default', true, true)),
      nbe: new CountingConnection(await this.#scratch.open(`fzc${this.id}pn`, 'nbe', true, true)),
    }
  }

  close(): Promise<void> {
    return this.#scratch.close()
  }

  /** Our pieces' output per case (after its marker), printed as the client prints; or a disagreement. */
  async ours(mode: Mode, batch: readonly Prepared[]): Promise<string[] | Disagreement> {
    const groups = await this.pieces[mode].pieces(batch.flatMap((p) => p.split.statements))
    if (!Array.isArray(groups)) {
      // Name the case: its pieces alone, with multi-statements off.
      const scratch = new Scratch()
      try {
        const alone = await scratch.open('fzca', mode, false, true)
        for (const p of batch)
          for (const s of p.split.statements) {
            const result = await run(alone, s.sql)
            if (result instanceof Error)
              return disagreement(p, `piece ${JSON.stringify(s.sql.slice(0, 200))} failed alone: ${result.message}`)
          }
      } finally {
        await scratch.close()
      }
      return disagreement(batch[0]!, `the piece batch failed (${reason(groups)}), yet every piece runs alone`)
    }
    return byCase(batch, groups).map((mine, i) => clientMarkerPrinted(batch[i]!.index) + clientPrint(mine))
  }

  /**
   * One `mariadb` run of client cases, maybe ended by a `tail` the splitter finds a problem in:
   * the client's output must be ours, case by case, and it must fail at the tail (only).
   */
  async check(mode: Mode, batch: readonly Prepared[], tail: Prepared | undefined): Promise<Disagreement[]> {
    const all = tail ? [...batch, tail] : batch
    let input = mode === 'nbe' ? `${NBE_MODE};\n` : ''
    for (const p of all) input += `${clientMarker(p.index)}${p.c.text}\n`
    const [client, ours] = await Promise.all([runClient(this.database, input), this.ours(mode, all)])
    if (!Array.isArray(ours)) return [ours]
    const theirs = client.stdout.split(/^(?=gm_case\ncase-\d+\n)/m)
    const exit = `client exit ${client.status}: ${client.stderr.trim().slice(0, 300)}`
    for (let i = 0; i < all.length; i++) {
      if (theirs[i] !== ours[i]) {
        // The client stopped at an error in this case (a tail is expected to stop it).
        const stopped = client.status !== 0 && theirs.length === i + 1 && all[i] !== tail
        const detail = `${difference("the client's output and our pieces'", theirs[i] ?? '', ours[i]!)}; ${exit}`
        return [disagreement(all[i]!, detail, stopped)]
      }
    }
    if (theirs.length !== all.length) return [disagreement(all[0]!, `the client printed more cases; ${exit}`)]
    if (tail && client.status === 0)
      return [disagreement(tail, `the client ran the text, the splitter reports ${JSON.stringify(tail.split.problem)}`)]
    if (!tail && client.status !== 0) return [disagreement(all[all.length - 1]!, exit)]
    return []
  }
}

/** Runs client work on a few client lanes, one `mariadb` at a time on each. */
class ClientPool {
  readonly #idle: ClientLane[]
  readonly #waiting: ((lane: ClientLane) => void)[] = []
  readonly #running: Promise<void>[] = []
  readonly #queue: Record<Mode, Prepared[]> = { default: [], nbe: [] }
  readonly #tails: Record<Mode, Prepared[]> = { default: [], nbe: [] }
  runs = 0

  constructor(
    lanes: ClientLane[],
    readonly found: Disagreement[],
  ) {
    this.#idle = [...lanes]
  }

  /** A client case: queued for a batch, or (with a problem) for the end of one. */
  add(p: Prepared): void {
    const mode = modeOf(p.c)
    if (p.split.problem === undefined) this.#queue[mode].push(p)
    else this.#tails[mode].push(p)
    this.#flush(mode, CLIENT_BATCH)
  }

  async drain(): Promise<void> {
    for (const mode of MODES) this.#flush(mode, 1)
    while (this.#running.length > 0) await Promise.all(this.#running.splice(0))
  }

  #flush(mode: Mode, least: number): void {
    while (this.#queue[mode].length >= least || (least === 1 && this.#tails[mode].length > 0)) {
      const batch = this.#queue[mode].splice(0, CLIENT_BATCH)
      const tail = this.#tails[mode].shift()
      this.runs++
      this.#running.push(this.#submit((lane) => lane.check(mode, batch, tail)))
    }
  }

  async #submit(work: (lane: ClientLane) => Promise<Disagreement[]>): Promise<void> {
    const lane = this.#idle.pop() ?? (await new Promise<ClientLane>((resolve) => this.#waiting.push(resolve)))
    try {
      this.found.push(...(await work(lane)))
    } finally {
      const next = this.#waiting.shift()
      if (next) next(lane)
      else this.#idle.push(lane)
    }
  }
}

// ─── The run ────────────────────────────────────────────────────────────────────────────────────

test(`MySQL splitter agrees with MariaDB on ${cases} seeded random migrations`, { timeout: 30 * 60_000 }, async () => {
  process.stdout.write(`mysql splitter fuzz: seed ${seed}, ${cases} cases\n`)
  const started = performance.now()
  const lanes = Array.from({ length: LANES }, (_, i) => new Lane(i))
  const clientLanes = Array.from({ length: CLIENT_LANES }, (_, i) => new ClientLane(i))
  const disagreements: Disagreement[] = []
  const counts: Record<MysqlFuzzKind, number> = { server: 0, client: 0, broken: 0, 'client-broken': 0 }
  const totals = { statements: 0, characters: 0, batches: 0, failedBatches: 0, generating: 0 }
  const features = new Map<string, number>()
  const pool = new ClientPool(clientLanes, disagreements)
  try {
    await Promise.all([...lanes, ...clientLanes].map((lane) => lane.open()))
    let next = 0
    await Promise.all(
      lanes.map(async (lane) => {
        for (;;) {
          const start = next
          next += BATCH
          if (start >= cases) break
          const generating = performance.now()
          const server: Record<Mode, Prepared[]> = { default: [], nbe: [] }
          const broken: Prepared[] = []
          for (let index = start; index < Math.min(start + BATCH, cases); index++) {
            const c = generateMysqlCase(seed, index)
            const split = splitMysqlStatements(c.text, { noBackslashEscapes: c.noBackslashEscapes })
            const p: Prepared = { index, c, split }
            counts[c.kind]++
            totals.statements += split.statements.length
            totals.characters += c.text.length
            for (const feature of c.features) features.set(feature, (features.get(feature) ?? 0) + 1)
            if (c.kind === 'broken') broken.push(p)
            else if (c.kind === 'client-broken' && split.problem === undefined)
              disagreements.push(disagreement(p, 'the splitter found no problem in a broken text'))
            else if (c.kind === 'client' || c.kind === 'client-broken') pool.add(p)
            else if (split.problem === undefined) server[modeOf(c)].push(p)
            else disagreements.push(disagreement(p, `splitter problem: ${JSON.stringify(split.problem)}`))
          }
          totals.generating += performance.now() - generating
          const [results, brokenFound] = await Promise.all([
            Promise.all(
              MODES.filter((mode) => server[mode].length > 0).map((mode) => checkServerBatch(lane, mode, server[mode])),
            ),
            (async () => {
              const found: Disagreement[] = []
              for (const p of broken) {
                const d = await checkBroken(lane, p)
                if (d) found.push(d)
              }
              return found
            })(),
          ])
          disagreements.push(...brokenFound)
          totals.batches += results.length
          for (const { found, failed } of results) {
            disagreements.push(...found)
            if (failed) totals.failedBatches++
          }
          if (results.some((r) => r.failed)) await lane.reset()
        }
      }),
    )
    await pool.drain()
  } finally {
    await Promise.all([...lanes, ...clientLanes].map((lane) => lane.close()))
  }
  const seconds = (performance.now() - started) / 1000
  const coverage = [...features.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} ${n}`)
    .join(', ')
  process.stdout.write(
    `mysql splitter fuzz: seed ${seed}: ${cases} cases (${counts.server} server, ${counts.client} client, ` +
      `${counts.broken} broken, ${counts['client-broken']} client-broken), ${totals.statements} statements, ` +
      `${(totals.characters / 1e6).toFixed(1)} MB of text, in ${seconds.toFixed(1)}s ` +
      `(generating and splitting ${(totals.generating / 1000).toFixed(1)}s; ${totals.batches} server batches, ` +
      `${totals.failedBatches} failed; ${pool.runs} mariadb runs)\n` +
      `mysql splitter fuzz: features: ${coverage}\n` +
      `mysql splitter fuzz: ${disagreements.length} disagreements\n` +
      leftBehind.map((left) => `mysql splitter fuzz: warning: scratch database left behind: ${left}\n`).join(''),
  )
  if (disagreements.length > 0) {
    mkdirSync(REGRESSIONS, { recursive: true })
    for (const d of disagreements.slice(0, 10)) {
      process.stdout.write(`mysql splitter fuzz: case ${d.index} (${d.kind}): ${d.detail}\n`)
      writeFileSync(
        join(REGRESSIONS, `seed-${seed}-case-${d.index}.json`),
        JSON.stringify(
          {
            seed,
            index: d.index,
            kind: d.kind,
            noBackslashEscapes: d.noBackslashEscapes,
            text: d.text,
            rejectedSplit: d.pieces,
            oracleRejected: d.rejected,
            detail: d.detail,
          },
          null,
          2,
        ) + '\n',
      )
    }
  }
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements (seed ${seed}), saved to ${REGRESSIONS}`)
})

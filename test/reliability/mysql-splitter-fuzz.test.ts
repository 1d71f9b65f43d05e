/**
 * MySQL splitter fuzzing with the server as the oracle (MariaDB 10.11 here; see
 * mysql-fuzz-generator.ts for what is generated).
 *
 * - `server` cases (no DELIMITER): the whole text is sent once with multi-statements on, so the
 *   server itself decides where each statement ends; then each of our pieces is sent alone with
 *   multi-statements off (a piece holding two statements, or half of one, fails to parse). Every
 *   query must succeed, and the sequence of results (result sets with their column names and
 *   values, OK packets with their counts) must be identical; the whole text may give one extra
 *   empty OK for a comment after its last statement.
 * - `client` cases (DELIMITER sections): DELIMITER is a client command, so the `mariadb` client is
 *   the oracle: batches of cases, separated by marker SELECTs, go through `mariadb --comments -B
 *   -N`, and its output must equal the rows our pieces return, printed the way the client prints.
 * - `broken` cases: the splitter must report a problem and the server must reject the text.
 *
 *   FUZZ_SEED=<uint32 | random>  (default: a fixed seed)   FUZZ_CASES=<n>  (default: 100000)
 *
 * A disagreement fails the test and is saved to test/fixtures/mysql-splitter-regressions/, which
 * test/lib/mysql-splitter.test.ts replays.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Connection, FieldPacket } from 'mysql2/promise'
import { splitMysqlStatements } from '../../lib/dialects/mysql/mysql-splitter.js'
import { generateMysqlCase, type MysqlFuzzCase } from './mysql-fuzz-generator.js'
import { SERVER, connect, scratchName } from './mysql-scratch.js'

const seed = parseSeed(process.env.FUZZ_SEED)
const cases = process.env.FUZZ_CASES ? Number.parseInt(process.env.FUZZ_CASES, 10) : 100_000
/** Parallel lanes, each with its own databases and connections (the server works while Node generates). */
const LANES = 3
/** Client cases per `mariadb` run. */
const CLIENT_BATCH = 400
const REGRESSIONS = fileURLToPath(new URL('../../../test/fixtures/mysql-splitter-regressions/', import.meta.url))

function parseSeed(value: string | undefined): number {
  if (!value) return 0x6d79_5351
  if (value === 'random') return (Date.now() ^ (process.pid << 16)) >>> 0
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new Error(`FUZZ_SEED must be a 32-bit unsigned integer or "random", not ${value}`)
  return n
}

interface Disagreement {
  readonly index: number
  readonly kind: MysqlFuzzCase['kind']
  readonly text: string
  readonly noBackslashEscapes: boolean
  readonly pieces: readonly string[] | null
  readonly detail: string
}

/** The results of one query, as comparable strings. */
function normalize(results: unknown, fields: unknown): string[] {
  const multiple =
    Array.isArray(results) &&
    Array.isArray(fields) &&
    fields.length > 0 &&
    fields.every((f) => f === undefined || Array.isArray(f))
  if (multiple) return (results as unknown[]).map((r, i) => one(r, (fields as unknown[])[i]))
  return [one(results, fields)]
}

function one(result: unknown, fields: unknown): string {
  if (Array.isArray(result)) {
    const names = (fields as FieldPacket[] | undefined)?.map((f) => f.name) ?? []
    return `rows ${JSON.stringify(names)} ${JSON.stringify(result)}`
  }
  const header = result as { affectedRows: number; insertId: number }
  return `ok ${header.affectedRows} ${header.insertId}`
}

const EMPTY_OK = 'ok 0 0'

class Lane {
  readonly databases: string[] = []
  readonly #connections = new Map<string, Connection>()

  async open(index: number): Promise<void> {
    for (const nbe of [false, true]) {
      for (const role of ['whole', 'pieces']) {
        const database = scratchName(`fz${index}${role[0]}${nbe ? 'n' : ''}`)
        this.databases.push(database)
        const connection = await connect({ multipleStatements: role === 'whole', rowsAsArray: true })
        await connection.query(`CREATE DATABASE \`${database}\``)
        await connection.query(`USE \`${database}\``)
        if (nbe) await connection.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
        this.#connections.set(`${role}-${nbe}`, connection)
      }
    }
  }

  connection(role: 'whole' | 'pieces', nbe: boolean): Connection {
    return this.#connections.get(`${role}-${nbe}`)!
  }

  async close(): Promise<void> {
    const first = this.#connections.values().next().value as Connection
    for (const database of this.databases) await first.query(`DROP DATABASE IF EXISTS \`${database}\``)
    for (const connection of this.#connections.values()) await connection.end()
  }
}

async function run(connection: Connection, sql: string): Promise<string[] | Error> {
  try {
    const [results, fields] = await connection.query(sql)
    return normalize(results, fields)
  } catch (error) {
    return error as Error
  }
}

/** Checks one server or broken case; returns a disagreement or undefined. */
async function checkServerCase(lane: Lane, index: number, c: MysqlFuzzCase): Promise<Disagreement | undefined> {
  const split = splitMysqlStatements(c.text, { noBackslashEscapes: c.noBackslashEscapes })
  const pieces = split.problem ? null : split.statements.map((s) => s.sql)
  const fail = (detail: string): Disagreement => ({
    index,
    kind: c.kind,
    text: c.text,
    noBackslashEscapes: c.noBackslashEscapes,
    pieces,
    detail,
  })
  const whole = await run(lane.connection('whole', c.noBackslashEscapes), c.text)
  if (c.kind === 'broken') {
    if (split.problem === undefined) return fail('the splitter found no problem in a broken text')
    if (!(whole instanceof Error)) return fail('the server accepted the broken text')
    return undefined
  }
  if (split.problem) return fail(`splitter problem: ${JSON.stringify(split.problem)}`)
  if (whole instanceof Error) return fail(`the server rejected the whole text: ${whole.message}`)
  const ours: string[] = []
  for (const piece of pieces!) {
    const result = await run(lane.connection('pieces', c.noBackslashEscapes), piece)
    if (result instanceof Error) return fail(`piece ${JSON.stringify(piece.slice(0, 200))} failed: ${result.message}`)
    ours.push(...result)
  }
  const expected = whole.length === ours.length + 1 && whole[whole.length - 1] === EMPTY_OK ? whole.slice(0, -1) : whole
  if (JSON.stringify(expected) !== JSON.stringify(ours))
    return fail(
      `results differ: server ${JSON.stringify(whole).slice(0, 300)} vs pieces ${JSON.stringify(ours).slice(0, 300)}`,
    )
  return undefined
}

/** The client's batch (-B) printing of a row value. */
function clientValue(value: unknown): string {
  if (value === null) return 'NULL'
  return String(value).replace(/[\\\t\n\0]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\0',
  )
}

async function checkClientBatch(
  lane: Lane,
  database: string,
  batch: readonly { index: number; c: MysqlFuzzCase }[],
): Promise<Disagreement[]> {
  let input = ''
  let ours = ''
  const byMarker: { index: number; c: MysqlFuzzCase; pieces: string[] | null; ours: string }[] = []
  const pieces = lane.connection('pieces', false)
  for (const { index, c } of batch) {
    input += `SELECT 'case-${index}';\n${c.text}\n`
    const split = splitMysqlStatements(c.text)
    let mine = `case-${index}\n`
    const list = split.problem ? null : split.statements.map((s) => s.sql)
    if (list === null) mine += `problem ${JSON.stringify(split.problem)}\n`
    else {
      for (const piece of list) {
        try {
          const [results, fields] = await pieces.query({
            sql: piece,
            rowsAsArray: true,
            typeCast: (field, next) => (field.type === 'NULL' ? next() : field.string()),
          })
          const multiple =
            Array.isArray(results) &&
            Array.isArray(fields) &&
            fields.length > 0 &&
            fields.every((f) => f === undefined || Array.isArray(f))
          const sets = (
            multiple
              ? (results as unknown[]).filter((_, i) => (fields as unknown[])[i] !== undefined)
              : Array.isArray(results)
                ? [results]
                : []
          ) as unknown[][][]
          for (const rows of sets) for (const row of rows) mine += `${(row as unknown[]).map(clientValue).join('\t')}\n`
        } catch (error) {
          mine += `error ${(error as Error).message}\n`
        }
      }
    }
    ours += mine
    byMarker.push({ index, c, pieces: list, ours: mine })
  }
  const client = spawnSync(
    'mariadb',
    [`-h${SERVER.host}`, `-P${SERVER.port}`, `-u${SERVER.user}`, '--comments', '-B', '-N', database],
    {
      input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  )
  if (client.stdout === ours && client.status === 0) return []
  // Find the first case whose output differs.
  const theirs = client.stdout.split(/^(?=case-\d+\n)/m)
  const found: Disagreement[] = []
  byMarker.forEach((entry, i) => {
    if (found.length === 0 && theirs[i] !== entry.ours)
      found.push({
        index: entry.index,
        kind: 'client',
        text: entry.c.text,
        noBackslashEscapes: false,
        pieces: entry.pieces,
        detail: `client printed ${JSON.stringify(theirs[i] ?? '').slice(0, 300)}, our pieces ${JSON.stringify(entry.ours).slice(0, 300)}; ${client.stderr.slice(0, 300)}`,
      })
  })
  if (found.length === 0)
    found.push({
      index: batch[0]!.index,
      kind: 'client',
      text: input,
      noBackslashEscapes: false,
      pieces: null,
      detail: `client exit ${client.status}: ${client.stderr.slice(0, 300)}`,
    })
  return found
}

test(`MySQL splitter agrees with MariaDB on ${cases} seeded random migrations`, { timeout: 30 * 60_000 }, async () => {
  process.stdout.write(`mysql splitter fuzz: seed ${seed}, ${cases} cases\n`)
  const started = performance.now()
  const lanes = Array.from({ length: LANES }, () => new Lane())
  await Promise.all(lanes.map((lane, i) => lane.open(i)))
  const admin = await connect()
  const clientDatabase = scratchName('fzclient')
  await admin.query(`CREATE DATABASE \`${clientDatabase}\``)
  const disagreements: Disagreement[] = []
  const counts = { server: 0, client: 0, broken: 0, statements: 0 }
  const features = new Map<string, number>()
  try {
    let next = 0
    const clientQueue: { index: number; c: MysqlFuzzCase }[] = []
    let clientRunning: Promise<void> = Promise.resolve()
    const flushClient = (lane: Lane): void => {
      const batch = clientQueue.splice(0, clientQueue.length)
      clientRunning = clientRunning.then(async () => {
        disagreements.push(...(await checkClientBatch(lane, clientDatabase, batch)))
      })
    }
    await Promise.all(
      lanes.map(async (lane, laneIndex) => {
        for (;;) {
          const index = next++
          if (index >= cases) break
          const c = generateMysqlCase(seed, index)
          counts[c.kind]++
          for (const feature of c.features) features.set(feature, (features.get(feature) ?? 0) + 1)
          if (c.kind === 'client') {
            clientQueue.push({ index, c })
            if (clientQueue.length >= CLIENT_BATCH && laneIndex === 0) flushClient(lane)
            continue
          }
          const found = await checkServerCase(lane, index, c)
          if (found) disagreements.push(found)
        }
      }),
    )
    if (clientQueue.length > 0) flushClient(lanes[0]!)
    await clientRunning
  } finally {
    await Promise.all(lanes.map((lane) => lane.close()))
    await admin.query(`DROP DATABASE IF EXISTS \`${clientDatabase}\``)
    await admin.end()
  }
  const seconds = (performance.now() - started) / 1000
  const coverage = [...features.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} ${n}`)
    .join(', ')
  process.stdout.write(
    `mysql splitter fuzz: ${cases} cases (${counts.server} server, ${counts.client} client, ${counts.broken} broken) in ${seconds.toFixed(1)}s, seed ${seed}\n` +
      `mysql splitter fuzz: features: ${coverage}\n` +
      `mysql splitter fuzz: ${disagreements.length} disagreements\n`,
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

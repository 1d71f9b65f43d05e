/**
 * The splitter's pieces checked by the real PostgreSQL server (127.0.0.1:5432, user postgres,
 * trust authentication), in a database of their own: each piece of a sample of generated
 * migrations is sent in a Parse message (extended protocol), which parses it without running it
 * and refuses a piece holding more than one statement. A piece cut in the wrong place shows as a
 * syntax error ("at end of input", "unterminated …", "cannot insert multiple commands"); errors
 * of meaning (a table that does not exist) are expected and only counted. Also checks the texts
 * where libpg-query 15 and the 15.20 server read literals differently, which the fuzz suite
 * leaves out.
 *
 *   npm run build && node --test build/test/reliability/pg-splitter-server.test.js
 *   FUZZ_SEED=<uint32>  (default: the fuzz suite's)   SERVER_CASES=<n>  (default: 2000)
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { splitPostgresStatements } from '../../lib/dialects/postgres/postgres-splitter.js'
import { generatePgCase } from './pg-fuzz-generator.js'
import { PgParseClient } from './pg-parse-client.js'
import { canonicalText } from './pg-query-oracle.js'

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 0x9e5_2025
const cases = process.env.SERVER_CASES ? Number.parseInt(process.env.SERVER_CASES, 10) : 2000
const SERVER = { host: '127.0.0.1', port: 5432, user: 'postgres' }
const database = `glorious_pgsplit_${process.pid}_${Date.now()}`

let admin: PgParseClient
let client: PgParseClient

before(async () => {
  admin = await PgParseClient.connect({ ...SERVER, database: 'postgres' })
  await admin.query(`CREATE DATABASE ${database}`)
  client = await PgParseClient.connect({ ...SERVER, database })
})

after(async () => {
  await client?.close()
  await admin?.query(`DROP DATABASE IF EXISTS ${database}`)
  await admin?.close()
})

/** A syntax error that a piece cut in the wrong place would cause (beside any "syntax error at or near"). */
const CUT_WRONG = /at end of input|unterminated|cannot insert multiple commands/

test(
  `the server parses every piece of ${cases} generated migrations as one whole statement`,
  { timeout: 10 * 60_000 },
  async () => {
    const started = performance.now()
    let pieces = 0
    let parsed = 0
    const meaningErrors = new Map<string, number>()
    const failures: string[] = []
    for (let index = 0; index < cases; index++) {
      const generated = generatePgCase(seed, index)
      if (generated.kind !== 'migration') continue
      const split = splitPostgresStatements(canonicalText(generated.text))
      assert.equal(split.problem, undefined, `case ${index}`)
      const outcomes = await client.parse(split.statements.map((s) => s.sql))
      outcomes.forEach((outcome, i) => {
        pieces++
        if (outcome.error === undefined) return void parsed++
        const { code, message } = outcome.error
        if (/^syntax error/.test(message) || CUT_WRONG.test(message))
          failures.push(
            `case ${index}, statement ${i + 1}: ${message}: ${JSON.stringify(split.statements[i]!.sql.slice(0, 200))}`,
          )
        else meaningErrors.set(code, (meaningErrors.get(code) ?? 0) + 1)
      })
    }
    const seconds = (performance.now() - started) / 1000
    const errors = [...meaningErrors.entries()].map(([code, n]) => `${code} ${n}`).join(', ')
    process.stdout.write(
      `pg splitter server check: ${cases} cases, seed ${seed}, ${pieces} pieces, ${parsed} parsed, errors of meaning: ${errors}; ` +
        `${failures.length} syntax errors, ${seconds.toFixed(1)}s\n`,
    )
    assert.ok(pieces > cases, `${pieces} pieces`)
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} pieces the server does not read as one statement`)
  },
)

test('the server reads literals as the splitter does where libpg-query 15 differs', async () => {
  const cases: [string, number, RegExp | undefined][] = [
    // A string continued across -- comment lines keeps E'…' escapes (libpg-query 15 ends it).
    ["SELECT E'a' -- c\n-- d\n'\\';'; SELECT 2;", 2, undefined],
    ["SELECT E'a'\n  -- c\n'\\';' AS x; SELECT 2;", 2, undefined],
    // A comment before UESCAPE (libpg-query 15 refuses it).
    ["SELECT U&'d!0061t' /* c */ UESCAPE '!'; SELECT 2;", 2, undefined],
    // Letters after a number belong to it (trailing junk), so no E'…' starts there.
    ["SELECT 1e'\\'; SELECT 2;", 2, /trailing junk after numeric literal/],
    ["SELECT $1e'\\'; SELECT 2;", 2, /trailing junk after parameter/],
  ]
  for (const [text, count, firstError] of cases) {
    const split = splitPostgresStatements(text)
    assert.equal(split.problem, undefined, text)
    assert.equal(split.statements.length, count, text)
    const outcomes = await client.parse(split.statements.map((s) => s.sql))
    outcomes.forEach((outcome, i) => {
      const expected = i === 0 ? firstError : undefined
      if (expected === undefined) assert.equal(outcome.error, undefined, `${text}: statement ${i + 1}`)
      else assert.match(outcome.error?.message ?? '', expected, text)
    })
  }
})

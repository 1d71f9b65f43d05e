/**
 * Splitter fuzzing: seeded random migrations (statements, comments, strings and identifiers
 * containing `;`, triggers with nested `CASE … END`, CRLF, lone CR, BOM, no final `;`,
 * unterminated text) are split by `splitSqliteStatements` and compared with SQLite's own
 * completeness rule (`sqlite3_complete`, through Python's `sqlite3.complete_statement`).
 *
 * Each case is checked as written (raw: BOM, CRLF, lone CR) and in the canonical form the file
 * reader hands to the splitter (BOM removed, CRLF and CR turned into LF).
 *
 *   FUZZ_SEED=<uint32 | random>  (default: a fixed seed)   FUZZ_CASES=<n>  (default: 100000)
 *
 * A disagreement fails the test and is written, with its seed and case index, to
 * test/fixtures/splitter-regressions/ (with a minimized text), where test/lib/splitter.test.ts
 * replays it.
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { splitSqliteStatements } from '../../lib/dialects/sqlite/sqlite-splitter.js'
import { generateCase, type GeneratedCase } from './sql-fuzz-generator.js'
import type { SplitResult } from '../../lib/dialects/dialect.js'
import {
  CompleteOracle,
  canonicalText,
  compareWithOracle,
  oracleAvailable,
  type OracleResult,
} from './sqlite-complete-oracle.js'

const DEFAULT_SEED = 0x5eed_2024
const seed = parseSeed(process.env.FUZZ_SEED)
const cases = process.env.FUZZ_CASES ? Number.parseInt(process.env.FUZZ_CASES, 10) : 100_000
/** Cases per oracle request, and how many requests may be in flight (Python works while Node generates). */
const BATCH = 100
const IN_FLIGHT = 8
/** Every n-th realistic case is also checked with better-sqlite3's `prepare`. */
const PREPARE_EVERY = 20
/** Disagreements of each category written to disk (with a minimized text), at most. */
const MAX_SAVED_PER_CATEGORY = 3

// build/test/reliability → test/fixtures/splitter-regressions (the source tree, not build/).
const REGRESSIONS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'splitter-regressions',
)

function parseSeed(value: string | undefined): number {
  if (!value) return DEFAULT_SEED
  if (value === 'random') return (Date.now() ^ (process.pid << 16)) >>> 0
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new Error(`FUZZ_SEED must be a 32-bit unsigned integer or "random", not ${value}`)
  return n
}

interface Check {
  readonly index: number
  readonly variant: 'raw' | 'canonical'
  readonly text: string
}

interface Disagreement extends Check {
  readonly category: string
  readonly mismatches: readonly string[]
}

/** A rough kind of disagreement, so that each kind gets saved and minimized. */
function categorize(split: SplitResult, oracle: OracleResult): string {
  if (split.problem && oracle.tail === 'statement') return 'splitter-problem-vs-last-statement'
  if (split.problem && oracle.tail === 'none') return 'splitter-problem-vs-nothing'
  if (!split.problem && oracle.tail === 'problem') return 'missed-problem'
  return 'boundaries'
}

interface PrepareStats {
  cases: number
  pieces: number
  prepared: number
  otherErrors: number
  disagreements: { index: number; sql: string; error: string }[]
}

const PIECE_ERRORS = /more than one statement|incomplete input|contains no statements/

/**
 * Second check with the real parser: prepares the pieces of a realistic case one by one in a
 * fresh database (running the schema changes). A piece ending in ";" must never be rejected as "more than one statement" or
 * "incomplete input" (syntax and schema errors of random SQL are expected and only counted).
 */
function prepareCheck(index: number, text: string, stats: PrepareStats): void {
  const split = splitSqliteStatements(text)
  const db = new Database(':memory:')
  try {
    stats.cases++
    for (const statement of split.statements) {
      if (!statement.sql.endsWith(';')) continue
      stats.pieces++
      try {
        const prepared = db.prepare(statement.sql)
        stats.prepared++
        // Schema changes run, so later pieces can refer to the tables; data changes are only
        // prepared (running them would fire random, possibly recursive triggers).
        if (/^(create|alter|drop)$/i.test(statement.head[0] ?? '')) {
          try {
            prepared.run()
          } catch {
            // Run-time failures: the piece itself was fine.
          }
        }
      } catch (error) {
        const message = (error as Error).message
        if (PIECE_ERRORS.test(message)) stats.disagreements.push({ index, sql: statement.sql, error: message })
        else stats.otherErrors++
      }
    }
  } finally {
    db.close()
  }
}

/** Shrinks `text` (by code points) while `stillFails` holds: complement-removal delta debugging. */
async function minimize(text: string, stillFails: (candidates: string[]) => Promise<boolean[]>): Promise<string> {
  let current = Array.from(text)
  let granularity = 2
  for (let rounds = 0; current.length >= 2 && rounds < 2000; rounds++) {
    const size = Math.ceil(current.length / granularity)
    const candidates: string[] = []
    for (let i = 0; i < current.length; i += size)
      candidates.push([...current.slice(0, i), ...current.slice(i + size)].join(''))
    const verdicts = await stillFails(candidates)
    const found = verdicts.indexOf(true)
    if (found >= 0) {
      current = Array.from(candidates[found]!)
      granularity = Math.max(granularity - 1, 2)
    } else if (granularity >= current.length) {
      break
    } else {
      granularity = Math.min(current.length, granularity * 2)
    }
  }
  return current.join('')
}

test(
  `splitter agrees with sqlite3_complete on ${cases} seeded random migrations`,
  { timeout: 30 * 60_000 },
  async () => {
    // Never skipped: without the oracle the proof is missing, so the test fails.
    assert.ok(oracleAvailable(), 'python3 with its sqlite3 module is needed: it is the oracle')
    const started = performance.now()
    const oracle = new CompleteOracle()
    const disagreements: Disagreement[] = []
    const prepare: PrepareStats = { cases: 0, pieces: 0, prepared: 0, otherErrors: 0, disagreements: [] }
    const features = new Map<string, number>()
    let texts = 0
    let statements = 0
    let problems = 0
    try {
      const inFlight: Promise<void>[] = []
      for (let first = 0; first < cases; first += BATCH) {
        const checks: Check[] = []
        for (let index = first; index < Math.min(cases, first + BATCH); index++) {
          const generated: GeneratedCase = generateCase(seed, index)
          for (const feature of generated.features) features.set(feature, (features.get(feature) ?? 0) + 1)
          const canonical = canonicalText(generated.text)
          checks.push({ index, variant: 'canonical', text: canonical })
          if (canonical !== generated.text) checks.push({ index, variant: 'raw', text: generated.text })
          if (generated.kind === 'migration' && index % PREPARE_EVERY === 0) prepareCheck(index, canonical, prepare)
        }
        texts += checks.length
        inFlight.push(
          oracle.analyse(checks.map((c) => c.text)).then((results) => {
            checks.forEach((check, i) => {
              const split = splitSqliteStatements(check.text)
              statements += split.statements.length
              if (split.problem) problems++
              const oracleResult = results[i]!
              const mismatches = compareWithOracle(check.text, split, oracleResult)
              if (mismatches.length)
                disagreements.push({ ...check, category: categorize(split, oracleResult), mismatches })
            })
          }),
        )
        if (inFlight.length >= IN_FLIGHT) await inFlight.shift()
        // Let the event loop flush the request to Python's stdin while the next batch is generated.
        else await new Promise<void>((resolve) => setImmediate(resolve))
      }
      await Promise.all(inFlight)
      const fuzzSeconds = (performance.now() - started) / 1000

      disagreements.sort((a, b) => a.index - b.index || a.variant.localeCompare(b.variant))
      const categories = new Map<string, Disagreement[]>()
      for (const d of disagreements) categories.set(d.category, [...(categories.get(d.category) ?? []), d])
      if (disagreements.length) mkdirSync(REGRESSIONS, { recursive: true })
      for (const [category, list] of categories) {
        for (const d of list.slice(0, MAX_SAVED_PER_CATEGORY)) {
          const minimal = await minimize(d.text, async (candidates) => {
            const results = await oracle.analyse(candidates)
            return candidates.map((c, i) => {
              const split = splitSqliteStatements(c)
              return compareWithOracle(c, split, results[i]!).length > 0 && categorize(split, results[i]!) === category
            })
          })
          const file = join(REGRESSIONS, `seed-${seed}-case-${d.index}-${d.variant}.json`)
          writeFileSync(
            file,
            JSON.stringify(
              { seed, index: d.index, variant: d.variant, category, minimal, mismatches: d.mismatches, text: d.text },
              null,
              2,
            ) + '\n',
          )
        }
      }

      const seconds = (performance.now() - started) / 1000
      const coverage = [...features.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([f, n]) => `${f} ${n}`)
        .join(', ')
      process.stdout.write(
        `splitter fuzz: ${texts} texts from ${cases} cases (${statements} statements, ${problems} unterminated), ${fuzzSeconds.toFixed(1)}s (${seconds.toFixed(1)}s with minimizing)\n` +
          `splitter fuzz: features: ${coverage}\n` +
          `splitter fuzz: better-sqlite3 prepare on ${prepare.cases} cases: ${prepare.pieces} pieces, ${prepare.prepared} prepared, ` +
          `${prepare.otherErrors} rejected for syntax/schema, ${prepare.disagreements.length} "more than one statement"/"incomplete input"\n`,
      )
      for (const [category, list] of categories) {
        const d = list[0]!
        process.stdout.write(
          `splitter fuzz: ${list.length} × ${category}, e.g. case ${d.index} (${d.variant}): ${d.mismatches.join('; ').slice(0, 400)}\n`,
        )
      }
      for (const d of prepare.disagreements.slice(0, 5)) {
        process.stdout.write(
          `splitter fuzz: prepare case ${d.index}: ${d.error}: ${JSON.stringify(d.sql.slice(0, 300))}\n`,
        )
      }
      process.stdout.write(
        `splitter fuzz: ${cases} cases, seed ${seed}, ${disagreements.length + prepare.disagreements.length} disagreements\n`,
      )
    } finally {
      await oracle.close()
    }

    assert.equal(
      disagreements.length,
      0,
      `${disagreements.length} disagreements with sqlite3_complete (seed ${seed}); saved to ${REGRESSIONS}; first: case ${disagreements[0]?.index}: ${disagreements[0]?.mismatches.join('; ')}`,
    )
    assert.equal(
      prepare.disagreements.length,
      0,
      `better-sqlite3 rejected pieces: ${JSON.stringify(prepare.disagreements.slice(0, 3))}`,
    )
  },
)

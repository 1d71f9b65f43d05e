/**
 * PostgreSQL splitter fuzzing: seeded random migrations (see pg-fuzz-generator.ts) are split by
 * `splitPostgresStatements` and compared with PostgreSQL's own parser (libpg-query, version 15):
 * the same statements, ending at the same `;`, and the same unterminated literal or comment at
 * the same line and column. Each case is checked as written (BOM, CRLF, lone CR) and in the
 * canonical form the file reader hands to the splitter (BOM removed, line endings turned into LF).
 *
 *   npm run build && node --test build/test/reliability/pg-splitter-fuzz.test.js
 *   FUZZ_SEED=<uint32 | random>  (default: a fixed seed)   FUZZ_CASES=<n>  (default: 100000)
 *
 * A disagreement fails the test and is written, with its seed, case index and a minimized text,
 * to test/fixtures/pg-splitter-regressions/, where test/lib/postgres-splitter.test.ts replays it.
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { splitPostgresStatements, type PostgresSplitResult } from '../../lib/dialects/postgres/postgres-splitter.js'
import { generatePgCase } from './pg-fuzz-generator.js'
import {
  canonicalText,
  compareWithPgQuery,
  loadPgQuery,
  pgQuery,
  splitWithoutBom,
  type PgQueryResult,
} from './pg-query-oracle.js'

const DEFAULT_SEED = 0x9e5_2025
const seed = parseSeed(process.env.FUZZ_SEED)
const cases = process.env.FUZZ_CASES ? Number.parseInt(process.env.FUZZ_CASES, 10) : 100_000
/** Disagreements of each category written to disk (with a minimized text), at most. */
const MAX_SAVED_PER_CATEGORY = 3

// build/test/reliability → test/fixtures/pg-splitter-regressions (the source tree, not build/).
const REGRESSIONS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'pg-splitter-regressions',
)

function parseSeed(value: string | undefined): number {
  if (!value) return DEFAULT_SEED
  if (value === 'random') return (Date.now() ^ (process.pid << 16)) >>> 0
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
    throw new Error(`FUZZ_SEED must be a 32-bit unsigned integer or "random", not ${value}`)
  return n
}

interface Disagreement {
  readonly index: number
  readonly variant: 'raw' | 'canonical'
  readonly text: string
  readonly category: string
  readonly mismatches: readonly string[]
}

/** A rough kind of disagreement, so that each kind gets saved and minimized. */
function categorize(split: PostgresSplitResult, oracle: PgQueryResult): string {
  if (!oracle.ok) return split.problem ? 'problem-position' : 'missed-problem'
  if (split.problem) return 'spurious-problem'
  return 'boundaries'
}

function check(text: string): { split: PostgresSplitResult; oracle: PgQueryResult; mismatches: string[] } {
  const { body, split } = splitWithoutBom(text, splitPostgresStatements)
  const oracle = pgQuery(body)
  return { split, oracle, mismatches: compareWithPgQuery(body, split, oracle) }
}

/** Shrinks `text` (by code points) while `stillFails` holds: complement-removal delta debugging. */
function minimize(text: string, stillFails: (candidate: string) => boolean): string {
  let current = Array.from(text)
  let granularity = 2
  for (let rounds = 0; current.length >= 2 && rounds < 5000; rounds++) {
    const size = Math.ceil(current.length / granularity)
    let found: string[] | undefined
    for (let i = 0; i < current.length && !found; i += size) {
      const candidate = [...current.slice(0, i), ...current.slice(i + size)]
      if (stillFails(candidate.join(''))) found = candidate
    }
    if (found) {
      current = found
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
  `splitter agrees with PostgreSQL's parser on ${cases} seeded random migrations`,
  { timeout: 30 * 60_000 },
  async () => {
    await loadPgQuery()
    const started = performance.now()
    const disagreements: Disagreement[] = []
    const invalid: { index: number; message: string; text: string }[] = []
    const features = new Map<string, number>()
    let texts = 0
    let statements = 0
    let problems = 0
    let oracleParsed = 0
    for (let index = 0; index < cases; index++) {
      const generated = generatePgCase(seed, index)
      for (const feature of generated.features) features.set(feature, (features.get(feature) ?? 0) + 1)
      const canonical = canonicalText(generated.text)
      const variants: ['canonical' | 'raw', string][] = [['canonical', canonical]]
      if (canonical !== generated.text) variants.push(['raw', generated.text])
      for (const [variant, text] of variants) {
        texts++
        const { split, oracle, mismatches } = check(text)
        statements += split.statements.length
        if (split.problem) problems++
        if (oracle.ok) oracleParsed++
        // A valid migration the parser rejects is a bug of the generator: the case proves nothing.
        if (generated.kind === 'migration' && !oracle.ok && variant === 'canonical')
          invalid.push({ index, message: oracle.message, text })
        if (mismatches.length)
          disagreements.push({ index, variant, text, category: categorize(split, oracle), mismatches })
      }
    }
    const fuzzSeconds = (performance.now() - started) / 1000

    const categories = new Map<string, Disagreement[]>()
    for (const d of disagreements) categories.set(d.category, [...(categories.get(d.category) ?? []), d])
    if (disagreements.length) mkdirSync(REGRESSIONS, { recursive: true })
    for (const [category, list] of categories) {
      for (const d of list.slice(0, MAX_SAVED_PER_CATEGORY)) {
        const minimal = minimize(d.text, (candidate) => {
          const result = check(candidate)
          return result.mismatches.length > 0 && categorize(result.split, result.oracle) === category
        })
        writeFileSync(
          join(REGRESSIONS, `seed-${seed}-case-${d.index}-${d.variant}.json`),
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
      `pg splitter fuzz: ${texts} texts from ${cases} cases (${statements} statements, ${problems} with a problem, ` +
        `${oracleParsed} parsed by libpg-query), ${fuzzSeconds.toFixed(1)}s (${seconds.toFixed(1)}s with minimizing)\n` +
        `pg splitter fuzz: features: ${coverage}\n`,
    )
    for (const [category, list] of categories) {
      const d = list[0]!
      process.stdout.write(
        `pg splitter fuzz: ${list.length} × ${category}, e.g. case ${d.index} (${d.variant}): ${d.mismatches.join('; ').slice(0, 400)}\n`,
      )
    }
    for (const d of invalid.slice(0, 5))
      process.stdout.write(
        `pg splitter fuzz: generator wrote invalid SQL, case ${d.index}: ${d.message}: ${JSON.stringify(d.text.slice(0, 300))}\n`,
      )
    process.stdout.write(
      `pg splitter fuzz: ${cases} cases, seed ${seed}, ${disagreements.length} disagreements, ${invalid.length} invalid generated migrations\n`,
    )

    assert.equal(
      disagreements.length,
      0,
      `${disagreements.length} disagreements with libpg-query (seed ${seed}); saved to ${REGRESSIONS}; first: case ${disagreements[0]?.index}: ${disagreements[0]?.mismatches.join('; ')}`,
    )
    assert.equal(invalid.length, 0, `the generator wrote ${invalid.length} migrations PostgreSQL's parser rejects`)
  },
)

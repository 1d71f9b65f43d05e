/**
 * SQLite's own completeness rule as a test oracle: Python's `sqlite3.complete_statement` calls
 * `sqlite3_complete()` (complete.c). One long-lived `python3` child answers batches of texts over
 * JSON lines, so hundreds of thousands of texts cost seconds, not process start-ups.
 *
 * For each text the oracle reports where SQLite would end each statement: scanning the `;`
 * characters in order, a statement ends at the first `;` where `sqlite3_complete(text since the
 * previous end)` becomes true; the scan then continues with the rest of the text. It also says
 * which of those pieces hold only white space and comments (empty statements) and what the text
 * after the last end is (nothing, a last statement without `;`, or unterminated).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { SplitResult } from '../../lib/dialects/dialect.js'
import { canonicalBytes } from '../../lib/files/checksum.js'

// Offsets are returned in UTF-16 code units (JavaScript string offsets), not Python code points.
const ORACLE_SCRIPT = String.raw`
import sys, json, re, sqlite3
from bisect import bisect_left
complete = sqlite3.complete_statement
ASTRAL = re.compile('[\U00010000-\U0010ffff]')

def analyse(s):
    astral = None
    if s and max(s) > '\uffff':
        astral = [m.start() for m in ASTRAL.finditer(s)]
    def u16(i):
        return i if astral is None else i + bisect_left(astral, i)
    chunks = []
    b = 0
    find = s.find
    i = find(';')
    while i >= 0:
        if complete(s[b:i + 1]):
            # Empty piece: only white space and comments before its ";" (state stays START).
            chunks.append([u16(i + 1), 1 if complete(';' + s[b:i]) else 0])
            b = i + 1
        i = find(';', i + 1)
    tail = s[b:]
    if complete(';' + tail):
        t = 'n'   # nothing but white space and comments
    elif complete(tail + '\n;'):
        t = 's'   # a last statement without ";"
    else:
        t = 'p'   # unterminated string, identifier, comment or trigger
    return {'c': chunks, 't': t}

for line in sys.stdin:
    req_id, texts = json.loads(line)
    results = []
    for s in texts:
        try:
            results.append(analyse(s))
        except Exception as e:
            results.append({'e': repr(e)})
    sys.stdout.write(json.dumps([req_id, results]) + '\n')
    sys.stdout.flush()
`

/** The text the file reader hands to the splitter: BOM removed, CRLF and lone CR turned into LF. */
export function canonicalText(raw: string): string {
  return canonicalBytes(Buffer.from(raw, 'utf8')).toString('utf8')
}

export interface OracleChunk {
  /** Offset just after the `;` that completes this piece. */
  readonly end: number
  /** The piece holds only white space and comments before its `;`. */
  readonly empty: boolean
}

export interface OracleResult {
  readonly chunks: readonly OracleChunk[]
  /** After the last complete piece: nothing (`none`), a statement without `;`, or a `problem`. */
  readonly tail: 'none' | 'statement' | 'problem'
}

interface RawResult {
  c?: [number, number][]
  t?: 'n' | 's' | 'p'
  e?: string
}

/** Whether `python3` with its `sqlite3` module is available (the oracle's only requirement). */
export function oracleAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import sqlite3; print(sqlite3.complete_statement("SELECT 1;"))'], {
    encoding: 'utf8',
  })
  return probe.status === 0 && probe.stdout.trim() === 'True'
}

export class CompleteOracle {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly pending = new Map<number, { resolve: (r: OracleResult[]) => void; reject: (e: Error) => void }>()
  private nextId = 0
  private stderr = ''
  private exited: Error | undefined

  constructor() {
    this.child = spawn('python3', ['-c', ORACLE_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUTF8: '1', PYTHONIOENCODING: 'utf-8' },
    })
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk
    })
    const lines = createInterface({ input: this.child.stdout })
    lines.on('line', (line) => this.onLine(line))
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`sqlite3_complete oracle exited (${code ?? signal}): ${this.stderr.trim()}`)
      for (const { reject } of this.pending.values()) reject(this.exited)
      this.pending.clear()
    })
    this.child.stdin.on('error', () => {
      // Reported through 'exit'.
    })
  }

  /** Analyses a batch of texts; results are in the same order. */
  analyse(texts: readonly string[]): Promise<OracleResult[]> {
    if (this.exited) return Promise.reject(this.exited)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.child.stdin.write(JSON.stringify([id, texts]) + '\n')
    })
  }

  async close(): Promise<void> {
    if (this.exited) return
    const exit = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.stdin.end()
    await exit
  }

  private onLine(line: string): void {
    const [id, raw] = JSON.parse(line) as [number, RawResult[]]
    const waiter = this.pending.get(id)
    if (!waiter) return
    this.pending.delete(id)
    const failed = raw.find((r) => r.e !== undefined)
    if (failed) {
      waiter.reject(new Error(`sqlite3_complete oracle failed: ${failed.e}`))
      return
    }
    waiter.resolve(
      raw.map((r) => ({
        chunks: (r.c ?? []).map(([end, empty]) => ({ end, empty: empty === 1 })),
        tail: r.t === 'n' ? 'none' : r.t === 's' ? 'statement' : 'problem',
      })),
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/**
 * Skips what `sqlite3_complete` treats as white space (spaces, `\t \n \f \r`, `-- …` to a newline,
 * closed `/* … *\/`) from `pos`; stops at an unclosed `/*`, which is no white space.
 */
export function skipSpace(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos)
    if (c === 32 || c === 9 || c === 10 || c === 12 || c === 13) {
      pos++
    } else if (c === 45 && text.charCodeAt(pos + 1) === 45) {
      const newline = text.indexOf('\n', pos + 2)
      if (newline < 0) return text.length
      pos = newline
    } else if (c === 47 && text.charCodeAt(pos + 1) === 42) {
      const close = text.indexOf('*/', pos + 2)
      if (close < 0) return pos
      pos = close + 2
    } else {
      return pos
    }
  }
}

export interface ExpectedStatement {
  readonly offset: number
  readonly line: number
  readonly sql: string
}

/** 1-based line of `offset`: lines are counted by `\n`, as the splitter does (a CRLF counts once). */
function lineOf(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

/**
 * Compares the splitter's result for `text` with the oracle's boundaries and returns what
 * disagrees (empty when they agree): statement count, each statement's exact text (a slice from
 * its first token to its `;`), its line and index, the last statement without `;`, and whether the
 * text is unterminated.
 */
export function compareWithOracle(text: string, split: SplitResult, oracle: OracleResult): string[] {
  const mismatches: string[] = []
  const expected: ExpectedStatement[] = []
  let previous = 0
  for (const chunk of oracle.chunks) {
    const start = skipSpace(text, previous)
    const empty = start >= chunk.end - 1
    if (empty !== chunk.empty) {
      throw new Error(
        `harness inconsistency: skipSpace and sqlite3_complete disagree on emptiness before offset ${chunk.end} of ${JSON.stringify(text)}`,
      )
    }
    if (!empty) expected.push({ offset: start, line: lineOf(text, start), sql: text.slice(start, chunk.end) })
    previous = chunk.end
  }
  const tailStart = skipSpace(text, previous)
  if (tailStart >= text.length !== (oracle.tail === 'none')) {
    throw new Error(
      `harness inconsistency: skipSpace and sqlite3_complete disagree on the tail at ${tailStart} of ${JSON.stringify(text)}`,
    )
  }

  const actual = split.statements
  const terminated = oracle.tail === 'statement' ? actual.slice(0, -1) : actual
  if (oracle.tail === 'statement' ? actual.length !== expected.length + 1 : actual.length !== expected.length) {
    mismatches.push(
      `statement count: splitter ${actual.length}, sqlite3_complete ${expected.length + (oracle.tail === 'statement' ? 1 : 0)}` +
        (oracle.tail === 'statement' ? ' (including a last statement without ";")' : ''),
    )
  }
  const n = Math.min(terminated.length, expected.length)
  for (let i = 0; i < n; i++) {
    const a = terminated[i]!
    const e = expected[i]!
    if (a.sql !== e.sql)
      mismatches.push(
        `statement ${i + 1}: splitter ${JSON.stringify(a.sql)}, sqlite3_complete ${JSON.stringify(e.sql)} (offset ${e.offset})`,
      )
    else if (a.line !== e.line) mismatches.push(`statement ${i + 1}: line ${a.line}, expected ${e.line}`)
    if (a.index !== i + 1) mismatches.push(`statement ${i + 1}: index ${a.index}`)
  }
  if (mismatches.length === 0 && oracle.tail === 'statement') {
    const last = actual[actual.length - 1]!
    const rest = tailStart + last.sql.length
    if (
      !text.startsWith(last.sql, tailStart) ||
      last.sql.length === 0 ||
      /[ \t\n\f\r]$/.test(last.sql) ||
      skipSpace(text, rest) !== text.length
    ) {
      mismatches.push(
        `last statement without ";": splitter ${JSON.stringify(last.sql)}, text after the last ";" ${JSON.stringify(text.slice(previous))}`,
      )
    } else if (last.line !== lineOf(text, tailStart)) {
      mismatches.push(`last statement: line ${last.line}, expected ${lineOf(text, tailStart)}`)
    }
  }
  if ((split.problem !== undefined) !== (oracle.tail === 'problem')) {
    mismatches.push(
      split.problem
        ? `splitter reports ${JSON.stringify(split.problem)}, sqlite3_complete: ${oracle.tail === 'none' ? 'nothing' : 'a last statement without ";"'} after the last ";" (${JSON.stringify(text.slice(previous))})`
        : `splitter reports no problem, sqlite3_complete says the text after the last ";" is unterminated (${JSON.stringify(text.slice(previous))})`,
    )
  } else if (split.problem) {
    const lines = lineOf(text, text.length)
    if (split.problem.line < lineOf(text, tailStart) || split.problem.line > lines) {
      mismatches.push(
        `problem line ${split.problem.line} outside the unterminated text (lines ${lineOf(text, tailStart)}–${lines})`,
      )
    }
  }
  return mismatches
}

/**
 * PostgreSQL's own parser (libpg-query: the server's scanner and grammar, version 15, compiled to
 * WebAssembly) as the oracle for the statement splitter: where it says each statement of a text
 * starts and ends, and whether the text ends inside a literal or comment.
 */
import { loadModule, parseSync } from 'libpg-query'
import { canonicalBytes } from '../../lib/files/checksum.js'
import { lineAndColumn, type PostgresSplitResult } from '../../lib/dialects/postgres/postgres-splitter.js'

let loaded: Promise<void> | undefined

/** The text the file reader hands to the splitter: BOM removed, CRLF and CR turned into LF. */
export function canonicalText(raw: string): string {
  return canonicalBytes(Buffer.from(raw, 'utf8')).toString('utf8')
}

/** Loads the WebAssembly parser once; call (and await) before {@link pgQuery}. */
export function loadPgQuery(): Promise<void> {
  loaded ??= loadModule()
  return loaded
}

export type PgQueryResult =
  | {
      readonly ok: true
      readonly statements: readonly { readonly start: number; readonly end: number; readonly terminated: boolean }[]
    }
  | { readonly ok: false; readonly message: string; readonly position: number | undefined }

/**
 * Parses `text` and returns each statement's span in JavaScript string offsets: from just after
 * the previous statement's `;` (libpg-query's `stmt_location`, so white space and comments before
 * a statement belong to it) to its own `;` (excluded), or to the end of the text for a last
 * statement without `;`.
 */
export function pgQuery(text: string): PgQueryResult {
  if (text.length === 0) return { ok: true, statements: [] }
  const toChar = byteToCharOffsets(text)
  let parsed: { stmts?: { stmt_location?: number; stmt_len?: number }[] }
  try {
    parsed = parseSync(text)
  } catch (error) {
    const e = error as Error & { sqlDetails?: { cursorPosition?: number } }
    const cursor = e.sqlDetails?.cursorPosition
    // The error cursor counts characters (code points), not bytes.
    return {
      ok: false,
      message: e.message,
      position: cursor === undefined ? undefined : codePointToCharOffset(text, cursor),
    }
  }
  const statements = (parsed.stmts ?? []).map((s) => {
    const startByte = s.stmt_location ?? 0
    const start = toChar(startByte)
    if (!s.stmt_len) return { start, end: text.length, terminated: false }
    return { start, end: toChar(startByte + s.stmt_len), terminated: true }
  })
  return { ok: true, statements }
}

/** Maps UTF-8 byte offsets of `text` to string offsets. */
function byteToCharOffsets(text: string): (byte: number) => number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return (byte) => byte
  const map: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!
    const bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
    for (let b = 0; b < bytes; b++) map.push(i)
    if (c >= 0x10000) i++
  }
  map.push(text.length)
  return (byte) => map[byte] ?? text.length
}

function codePointToCharOffset(text: string, codePoints: number): number {
  let i = 0
  for (let n = 0; n < codePoints && i < text.length; n++) i += text.codePointAt(i)! >= 0x10000 ? 2 : 1
  return i
}

/**
 * Splits `text` and returns the result as if its byte order mark (which PostgreSQL's parser does
 * not accept) were not there, with the text the parser is given: the splitter skips a BOM.
 */
export function splitWithoutBom(
  text: string,
  split: (text: string) => PostgresSplitResult,
): { body: string; split: PostgresSplitResult } {
  const result = split(text)
  if (!text.startsWith('\uFEFF')) return { body: text, split: result }
  const body = text.slice(1)
  const shift = <T extends { line: number; column: number }>(at: T): T =>
    at.line === 1 ? { ...at, column: at.column - 1 } : at
  return {
    body,
    split: {
      statements: result.statements.map((s) => ({ ...shift(s), offset: s.offset - 1 })),
      ...(result.problem ? { problem: { ...shift(result.problem), offset: result.problem.offset - 1 } } : {}),
    },
  }
}

/** The splitter's reasons for text that ends inside a literal, quoted identifier or comment. */
const UNTERMINATED_REASON = /^(string literal|quoted identifier|dollar-quoted string|comment)/

function describe(text: string, position: number | undefined): string {
  if (position === undefined) return '?'
  const { line, column } = lineAndColumn(text, position)
  return `${line}:${column}`
}

/** True when `text` holds only white space and comments, as PostgreSQL's parser reads it. */
export function isIgnorable(text: string): boolean {
  if (/^[ \t\n\r\f]*$/.test(text)) return true
  const result = pgQuery(text)
  return result.ok && result.statements.length === 0
}

/**
 * Where the splitter and libpg-query disagree on `text` (empty when they agree). Only texts the
 * parser accepts have statement boundaries to compare; for the others, an unterminated literal or
 * comment must be reported by both.
 */
export function compareWithPgQuery(text: string, split: PostgresSplitResult, oracle: PgQueryResult): string[] {
  const mismatches: string[] = []
  if (!oracle.ok) {
    // The parser stops at its first error, so only some pairs of outcomes can be compared.
    const ours = split.problem
    const oursUnterminated = ours !== undefined && UNTERMINATED_REASON.test(ours.reason)
    if (/^unterminated /.test(oracle.message)) {
      // PostgreSQL read everything before it as tokens: the splitter must stop at the same place.
      if (!oursUnterminated || ours.offset !== oracle.position)
        mismatches.push(
          `libpg-query: ${oracle.message} at ${describe(text, oracle.position)}; splitter: ` +
            (ours ? `${ours.reason} at ${ours.line}:${ours.column}` : 'no problem'),
        )
    } else if (
      oursUnterminated &&
      /^syntax error/.test(oracle.message) &&
      oracle.position !== undefined &&
      oracle.position > ours.offset
    ) {
      // PostgreSQL read a whole token after the place where the splitter saw a literal begin and never end.
      mismatches.push(
        `splitter: ${ours.reason} at ${ours.line}:${ours.column}; libpg-query read on to ${oracle.message} at ${describe(text, oracle.position)}`,
      )
    }
    return mismatches
  }
  if (split.problem) {
    mismatches.push(`splitter: ${split.problem.reason} (line ${split.problem.line}); libpg-query parses the text`)
    return mismatches
  }
  const ours = split.statements
  const theirs = oracle.statements
  if (ours.length !== theirs.length) mismatches.push(`${ours.length} statements, libpg-query ${theirs.length}`)
  const n = Math.min(ours.length, theirs.length)
  for (let i = 0; i < n; i++) {
    const s = ours[i]!
    const o = theirs[i]!
    const terminated = s.sql.endsWith(';')
    const end = s.offset + s.sql.length - (terminated ? 1 : 0)
    const what = `statement ${i + 1} ${JSON.stringify(s.sql.slice(0, 80))}`
    if (terminated !== o.terminated)
      mismatches.push(`${what}: ${terminated ? '' : 'not '}terminated by ";", libpg-query disagrees`)
    if (o.terminated ? end !== o.end : !isIgnorable(text.slice(end, o.end)))
      mismatches.push(
        `${what}: ends at ${end}, libpg-query at ${o.end}: ${JSON.stringify(text.slice(Math.min(end, o.end), Math.max(end, o.end)).slice(0, 80))}`,
      )
    if (s.offset < o.start || !isIgnorable(text.slice(o.start, s.offset)))
      mismatches.push(
        `${what}: starts at ${s.offset}, libpg-query's span starts at ${o.start}: ${JSON.stringify(text.slice(o.start, s.offset + 10).slice(0, 80))}`,
      )
    if (mismatches.length > 5) break
  }
  return mismatches
}

import { loadPostgresParser } from '../../dialects/postgres/postgres-parser.js'
import { LintParserMissingError } from '../lint-errors.js'

/** A parse tree node as libpg-query gives it: `{ NodeType: { …fields } }`. */
export type PgNode = Record<string, any>

interface Parser {
  parseSync(sql: string): { stmts?: { stmt?: PgNode }[] }
}

const PACKAGE = 'libpg-query'
let parser: Parser | undefined

/**
 * Loads libpg-query (PostgreSQL 15's own parser compiled to WebAssembly) once, through the
 * dialect's loader. It is an optional peer: without it, linting PostgreSQL files fails with a
 * message saying so.
 */
export async function loadPgParser(): Promise<void> {
  if (parser) return
  const parse = await loadPostgresParser()
  if (parse === undefined) throw new LintParserMissingError(PACKAGE, undefined)
  parser = { parseSync: parse as Parser['parseSync'] }
}

/** The parse tree of one statement, or the parser's message when it cannot read it. */
export function parsePgStatement(sql: string): { readonly node: PgNode | undefined } | { readonly error: string } {
  if (!parser) throw new Error('loadPgParser() must be awaited before parsePgStatement()')
  try {
    return { node: parser.parseSync(sql).stmts?.[0]?.stmt }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}

/** A libpg-query location (a byte offset in the statement) as a JavaScript string offset. */
export function charOffset(sql: string, byteOffset: number | undefined): number | undefined {
  if (byteOffset === undefined || byteOffset < 0) return undefined
  return Buffer.from(sql, 'utf8').subarray(0, byteOffset).toString('utf8').length
}

/**
 * PostgreSQL's own parser (libpg-query: the server's grammar compiled to WebAssembly), loaded only
 * when something needs a parse tree (PostgreSQL plans and lint). It is an optional peer: where it
 * is not installed, callers get `undefined` and say what they leave out.
 */

/** Parses SQL text into libpg-query's JSON tree; throws for text PostgreSQL would refuse. */
export type PostgresParse = (sql: string) => { readonly stmts?: readonly { readonly stmt: Record<string, unknown> }[] }

/** What to tell users when the parser is not installed. */
export const PARSER_MISSING =
  'libpg-query (PostgreSQL\'s parser) is not installed: "npm install libpg-query@15" to see them'

let loading: Promise<PostgresParse | undefined> | undefined

export function loadPostgresParser(): Promise<PostgresParse | undefined> {
  loading ??= (async () => {
    try {
      const parser = await import('libpg-query')
      await parser.loadModule()
      return parser.parseSync as PostgresParse
    } catch {
      return undefined
    }
  })()
  return loading
}

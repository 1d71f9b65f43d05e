import { type Compilable, CompiledQuery, type Kysely } from 'kysely'

// Compiled query text per connection and query shape. The connection of a run is one object for
// the whole run, and is dropped with it.
const compiledShapes = new WeakMap<Kysely<any>, Map<string, string>>()

/**
 * Runs a query the ledger writes once per migration (the same shape a thousand times in a long
 * run) without building and compiling it each time: the first run compiles it through Kysely
 * (the connection's plugins and dialect included) and keeps the text; later runs of the shape
 * only pass their values. A shape whose compiled values do not come out as `parameters`, in
 * that order, is never kept (built every time, as before).
 *
 * @param shape names the query text: same shape, same text.
 * @param build the query, with the values `parameters` lists.
 */
export async function executeRepeated(
  conn: Kysely<any>,
  shape: string,
  build: () => Compilable,
  parameters: readonly unknown[],
): Promise<void> {
  await conn.executeQuery(compileRepeated(conn, shape, build, parameters))
}

/** The compiled query {@link executeRepeated} would run: compiled once per shape and connection. */
export function compileRepeated(
  conn: Kysely<any>,
  shape: string,
  build: () => Compilable,
  parameters: readonly unknown[],
): CompiledQuery {
  let shapes = compiledShapes.get(conn)
  const text = shapes?.get(shape)
  if (text !== undefined) return CompiledQuery.raw(text, [...parameters])
  const compiled = build().compile()
  const same =
    compiled.parameters.length === parameters.length &&
    compiled.parameters.every((value, i) => Object.is(value, parameters[i]))
  if (same) {
    if (!shapes) compiledShapes.set(conn, (shapes = new Map()))
    shapes.set(shape, compiled.sql)
  }
  return compiled
}

import type { SnapshotObject, SnapshotPart } from '../dialects/schema-snapshot.js'

/** How one of a skill's tables or views differs between its migrations (replayed) and the live database. */
export interface ObjectDrift {
  readonly name: string
  readonly type: string
  /** One readable line per difference (`table notes: live has column extra TEXT not in migrations`). */
  readonly differences: readonly string[]
  /** The object's CREATE statements as the migrations make them (`null`: they do not make it). */
  readonly migrationsSql: string | null
  /** The object's CREATE statements in the live database (`null`: it is not there). */
  readonly liveSql: string | null
  /** A unified diff from the migrations' statements to the live ones. */
  readonly diff: string
}

/** Compares the named objects of a replayed and a live database (objects keyed by the engine's name key). */
export async function compareObjects(
  names: readonly string[],
  replayed: ReadonlyMap<string, SnapshotObject>,
  live: ReadonlyMap<string, SnapshotObject>,
  key: (name: string) => string,
): Promise<readonly ObjectDrift[]> {
  const result: ObjectDrift[] = []
  for (const name of names) {
    const wanted = replayed.get(key(name))
    const actual = live.get(key(name))
    if (wanted === undefined && actual === undefined) continue
    const differences = describeDifferences(name, wanted, actual)
    if (differences.length === 0) continue
    result.push({
      name,
      type: (actual ?? wanted)?.type ?? 'table',
      differences,
      migrationsSql: wanted?.ddl ?? null,
      liveSql: actual?.ddl ?? null,
      diff: await unifiedDiff(wanted?.ddl, actual?.ddl, name),
    })
  }
  return result
}

function describeDifferences(
  name: string,
  wanted: SnapshotObject | undefined,
  actual: SnapshotObject | undefined,
): string[] {
  if (wanted === undefined) return [`${actual?.type} ${name}: live has it, but the migrations do not create it`]
  if (actual === undefined)
    return [`${wanted.type} ${name}: the migrations create it, but it is missing from the live database`]
  const what = `${wanted.type} ${name}`
  if (wanted.type !== actual.type) return [`${what}: the migrations make a ${wanted.type}, live has a ${actual.type}`]
  const lines: string[] = []
  const partKey = (part: SnapshotPart): string => `${part.kind}\u0000${part.name}`
  const wantedParts = new Map(wanted.parts.filter((p) => p.kind !== 'definition').map((p) => [partKey(p), p]))
  const actualParts = new Map(actual.parts.filter((p) => p.kind !== 'definition').map((p) => [partKey(p), p]))
  for (const [k, part] of actualParts) {
    const expected = wantedParts.get(k)
    if (expected === undefined) lines.push(`${what}: live has ${shown(part)} not in migrations`)
    else if (expected.sql !== part.sql)
      lines.push(
        shown(part) === `${part.kind} ${part.name}`
          ? `${what}: ${named(part)} differs (see the diff)`
          : `${what}: ${named(part)} differs: migrations make ${expected.sql}; live has ${part.sql}`,
      )
  }
  for (const [k, part] of wantedParts) {
    if (!actualParts.has(k)) lines.push(`${what}: live lacks ${shown(part)} (made by migrations)`)
  }
  if (lines.length === 0) {
    // Nothing the parts name differs: the whole definitions may still (a CHECK in SQLite's text, column order).
    const definition = (object: SnapshotObject): string =>
      object.parts
        .filter((p) => p.kind === 'definition')
        .map((p) => p.sql)
        .join('\n')
    const columns = (object: SnapshotObject): string =>
      object.parts
        .filter((p) => p.kind === 'column')
        .map((p) => p.name)
        .join(',')
    if (columns(wanted) !== columns(actual)) lines.push(`${what}: its columns are in another order`)
    else if (definition(wanted) !== definition(actual)) lines.push(`${what}: its definition differs`)
  }
  return lines
}

/**
 * A part in one line: a column or constraint with its definition; an index or trigger by name
 * (its whole statement is in the diff below the line).
 */
function shown(part: SnapshotPart): string {
  if (part.kind === 'options') return `table options ${part.sql}`
  if (part.kind === 'index' || part.kind === 'trigger' || part.sql.includes('\n')) return `${part.kind} ${part.name}`
  return `${part.kind} ${part.sql}`
}

function named(part: SnapshotPart): string {
  return part.kind === 'options' ? 'table options' : `${part.kind} ${part.name}`
}

async function unifiedDiff(before: string | undefined, after: string | undefined, name: string): Promise<string> {
  const { createTwoFilesPatch, FILE_HEADERS_ONLY } = await import('diff')
  return createTwoFilesPatch(
    before === undefined ? '/dev/null' : `migrations/${name}`,
    after === undefined ? '/dev/null' : `live/${name}`,
    before === undefined ? '' : `${before}\n`,
    after === undefined ? '' : `${after}\n`,
    undefined,
    undefined,
    { context: 3, headerOptions: FILE_HEADERS_ONLY },
  )
}

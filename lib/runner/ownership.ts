import type { SchemaObject } from '../dialects/dialect.js'

export interface OwnershipChanges {
  readonly created: readonly { name: string; type: string }[]
  readonly dropped: readonly string[]
  readonly renamed: readonly { from: string; to: string; type: string }[]
}

/**
 * Compares the tables and views before and after a migration. A name that exists on both sides
 * is unchanged (so a table rebuilt under its own name keeps its owner); a new name that carries
 * the identity of a vanished one (SQLite's rootpage) is a rename, so ownership follows the
 * table rather than passing to the skill that renamed it.
 */
export function diffSchemaObjects(
  before: readonly SchemaObject[],
  after: readonly SchemaObject[],
  ignored: readonly string[],
  renamesTables: boolean,
): OwnershipChanges {
  const skip = new Set(ignored.map((name) => name.toLowerCase()))
  const beforeNames = new Map(before.filter((o) => !skip.has(o.name.toLowerCase())).map((o) => [o.name, o]))
  const afterNames = new Map(after.filter((o) => !skip.has(o.name.toLowerCase())).map((o) => [o.name, o]))
  const vanished = [...beforeNames.values()].filter((o) => !afterNames.has(o.name))
  const vanishedByIdentity = new Map(vanished.filter((o) => o.identity !== undefined).map((o) => [o.identity, o]))
  const created: { name: string; type: string }[] = []
  const renamed: { from: string; to: string; type: string }[] = []
  for (const object of afterNames.values()) {
    if (beforeNames.has(object.name)) continue
    const old = !renamesTables || object.identity === undefined ? undefined : vanishedByIdentity.get(object.identity)
    if (old) {
      renamed.push({ from: old.name, to: object.name, type: object.type })
      vanishedByIdentity.delete(object.identity)
    } else {
      created.push({ name: object.name, type: object.type })
    }
  }
  const renamedFrom = new Set(renamed.map((rename) => rename.from))
  const dropped = vanished.filter((o) => !renamedFrom.has(o.name)).map((o) => o.name)
  return Object.freeze({ created, dropped, renamed })
}

export function hasOwnershipChanges(changes: OwnershipChanges): boolean {
  return changes.created.length + changes.dropped.length + changes.renamed.length > 0
}

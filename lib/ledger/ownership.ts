import type { SchemaObject, SchemaObjectChange } from '../dialects/dialect.js'

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
  key: NameKey,
): OwnershipChanges {
  const skip = new Set(ignored.map(key))
  const beforeNames = new Map(before.filter((o) => !skip.has(key(o.name))).map((o) => [o.name, o]))
  const afterNames = new Map(after.filter((o) => !skip.has(key(o.name))).map((o) => [o.name, o]))
  const vanished = [...beforeNames.values()].filter((o) => !afterNames.has(o.name))
  const vanishedByIdentity = new Map(vanished.filter((o) => o.identity !== undefined).map((o) => [o.identity, o]))
  const created: { name: string; type: string }[] = []
  const renamed: { from: string; to: string; type: string }[] = []
  for (const object of afterNames.values()) {
    if (beforeNames.has(object.name)) continue
    const old = object.identity === undefined ? undefined : vanishedByIdentity.get(object.identity)
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

/** How the engine compares table names (see `nameKeyOf`). */
export type NameKey = (name: string) => string

/** Tables and views by name key (SQLite names are case-insensitive). */
export type KnownObjects = ReadonlyMap<string, { readonly name: string; readonly type: string }>

export function knownObjects(objects: readonly SchemaObject[], ignored: readonly string[], key: NameKey): KnownObjects {
  const skip = new Set(ignored.map(key))
  return new Map(
    objects.filter((o) => !skip.has(key(o.name))).map((o) => [key(o.name), { name: o.name, type: o.type }]),
  )
}

/**
 * The ownership changes of a migration from the changes its statements declare, which all took
 * effect since the migration succeeded. `known` (the objects before it) is needed only to tell
 * whether a `CREATE … IF NOT EXISTS` created anything; the updated set is returned.
 */
export function declaredOwnershipChanges(
  declared: readonly SchemaObjectChange[],
  known: KnownObjects | undefined,
  ignored: readonly string[],
  nameKey: NameKey,
): { readonly changes: OwnershipChanges; readonly known: KnownObjects | undefined } {
  const skip = new Set(ignored.map(nameKey))
  const after = known ? new Map(known) : undefined
  const created = new Map<string, { name: string; type: string }>()
  const dropped = new Map<string, string>()
  const renamed: { from: string; to: string; type: string }[] = []
  for (const change of declared) {
    if (change.kind === 'create') {
      const key = nameKey(change.name)
      if (skip.has(key) || (change.ifNotExists && (after?.has(key) ?? false))) continue
      created.set(key, { name: change.name, type: change.type })
      after?.set(key, { name: change.name, type: change.type })
    } else if (change.kind === 'drop') {
      const key = nameKey(change.name)
      if (created.has(key)) created.delete(key)
      else dropped.set(key, after?.get(key)?.name ?? change.name)
      after?.delete(key)
    } else {
      const from = nameKey(change.from)
      const to = nameKey(change.to)
      const type = after?.get(from)?.type ?? created.get(from)?.type ?? 'table'
      const fresh = created.get(from)
      if (fresh) {
        created.delete(from)
        created.set(to, { name: change.to, type: fresh.type })
      } else {
        renamed.push({ from: after?.get(from)?.name ?? change.from, to: change.to, type })
      }
      after?.delete(from)
      after?.set(to, { name: change.to, type })
    }
  }
  return {
    changes: Object.freeze({ created: [...created.values()], dropped: [...dropped.values()], renamed }),
    known: after,
  }
}

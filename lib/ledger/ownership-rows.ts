import type { CompiledQuery, Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { type LedgerTables, OWNERSHIP_TABLE } from './ledger.js'
import type { OwnershipChanges } from './ownership.js'
import { compileRepeated } from './repeated-query.js'

/** Who created a table or view. */
export interface Owner {
  readonly skill: string
  readonly type: string
  readonly version: number
}

/** The ownership rows, looked up by name the way the engine compares table names. */
export interface Owners {
  get(name: string): Owner | undefined
  readonly size: number
}

/** The ownership rows: object name → owning skill. */
export async function readOwnership(conn: Kysely<any>, dialect: MigrationDialect): Promise<Owners> {
  const key = nameKeyOf(dialect)
  const owners = new Map<string, Owner>()
  if (await dialect.tableExists(conn, OWNERSHIP_TABLE)) {
    const rows = await (conn as Kysely<LedgerTables>).selectFrom(OWNERSHIP_TABLE).selectAll().execute()
    for (const row of rows)
      owners.set(
        key(row.object_name),
        Object.freeze({ skill: row.skill_name, type: row.object_type, version: Number(row.version) }),
      )
  }
  return Object.freeze({ get: (name: string) => owners.get(key(name)), size: owners.size })
}

/**
 * Applies the ownership changes of one migration. Names are matched as the engine matches table
 * names (without regard to ASCII case on SQLite, whose ownership key is `COLLATE NOCASE`).
 */
export async function recordOwnership(
  conn: Kysely<any>,
  changes: OwnershipChanges & { readonly skill: string; readonly version: number },
): Promise<void> {
  for (const write of ownershipWrites(conn, changes)) await conn.executeQuery(write)
}

/**
 * The queries {@link recordOwnership} runs, compiled. A run records a table or two per
 * migration, in a few shapes: each compiled once per run.
 */
export function ownershipWrites(
  conn: Kysely<any>,
  changes: OwnershipChanges & { readonly skill: string; readonly version: number },
): readonly CompiledQuery[] {
  const owned = conn as Kysely<LedgerTables>
  const writes: CompiledQuery[] = []
  const removed = [
    ...changes.dropped,
    ...changes.created.map((object) => object.name),
    ...changes.renamed.map((rename) => rename.to),
  ]
  if (removed.length > 0) {
    writes.push(
      compileRepeated(
        conn,
        `ownership-delete-${removed.length}`,
        () => owned.deleteFrom(OWNERSHIP_TABLE).where('object_name', 'in', removed),
        removed,
      ),
    )
  }
  for (const rename of changes.renamed) {
    writes.push(
      owned
        .updateTable(OWNERSHIP_TABLE)
        .set({ object_name: rename.to, object_type: rename.type })
        .where('object_name', '=', rename.from)
        .compile(),
    )
  }
  if (changes.created.length > 0) {
    writes.push(
      compileRepeated(
        conn,
        `ownership-insert-${changes.created.length}`,
        () =>
          owned.insertInto(OWNERSHIP_TABLE).values(
            changes.created.map((object) => ({
              object_name: object.name,
              object_type: object.type,
              skill_name: changes.skill,
              version: changes.version,
            })),
          ),
        changes.created.flatMap((object) => [object.name, object.type, changes.skill, changes.version]),
      ),
    )
  }
  return writes
}

/** How the engine compares table names: ASCII case folded (SQLite), or exactly. */
export function nameKeyOf(dialect: MigrationDialect): (name: string) => string {
  return dialect.capabilities.caseInsensitiveNames
    ? (name) => name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
    : (name) => name
}

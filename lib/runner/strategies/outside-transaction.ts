import type { Kysely } from 'kysely'
import type { MigrationDialect, SchemaObject } from '../../dialects/dialect.js'
import type { OwnershipChanges } from '../../ledger/ownership.js'
import { LEDGER_TABLE, RESERVED_TABLES, ensureLedger, insertLedgerRow } from '../../ledger/ledger.js'
import { diffSchemaObjects, hasOwnershipChanges } from '../../ledger/ownership.js'
import { nameKeyOf, readOwnership, recordOwnership } from '../../ledger/ownership-rows.js'
import { type AppliedMigration, appliedMigration, ledgerRow } from '../applied-migration.js'
import { newViolations, violationError } from '../apply-migration.js'
import { runStatements } from '../execute-statements.js'
import type { PreparedMigration } from '../prepared-migration.js'
import type { RunContext } from '../run-context.js'
import { reservedTablesChanged } from '../reserved-tables-check.js'

/**
 * Runs a migration statement by statement outside any transaction (the file opted out, or its
 * statements cannot run in one), then records it in a short transaction of its own. The caller
 * holds the lock that serialises migrators. A failure says which statements stayed applied;
 * afterwards the foreign keys are checked and the toolkit's tables compared, since nothing can
 * be rolled back.
 *
 * @throws {GloriousMigrateError}
 */
export async function applyOutsideTransaction(
  ctx: RunContext,
  migration: PreparedMigration,
): Promise<AppliedMigration> {
  const { conn, dialect } = ctx
  const nameKey = nameKeyOf(dialect)
  const before = await dialect.listSchemaObjects(conn)
  const foreignKeysOn = await dialect.foreignKeysEnabled(conn)
  const violationsBefore = foreignKeysOn ? await dialect.foreignKeyViolations(conn) : undefined
  const guard = (await dialect.tableExists(conn, LEDGER_TABLE))
    ? await dialect.guardReservedTables(conn, RESERVED_TABLES)
    : undefined
  const reservedBefore = await dialect.reservedTablesFingerprint(conn, RESERVED_TABLES, {
    rows: guard ? 'none' : 'content',
  })
  const started = performance.now()
  await runStatements(conn, dialect, migration, { outsideTransaction: true })
  const durationMs = Math.round(performance.now() - started)
  if (violationsBefore) {
    const added = newViolations(violationsBefore, await dialect.foreignKeyViolations(conn))
    if (added.length > 0) throw violationError(migration, added, migration.statements.length > 0)
  }
  if (
    (await dialect.reservedTablesFingerprint(conn, RESERVED_TABLES, { rows: guard ? 'none' : 'content' })) !==
    reservedBefore
  ) {
    throw reservedTablesChanged(migration, true)
  }
  const after = await dialect.listSchemaObjects(conn)
  const applied = appliedMigration(migration, durationMs)
  await dialect.beginTransaction(conn, { locked: dialect.capabilities.lockScope === 'transaction' })
  try {
    const write = async (): Promise<void> => {
      await ensureLedger(conn, dialect)
      await insertLedgerRow(conn, ledgerRow(applied))
      const changes = await withReclaimed(
        conn,
        dialect,
        migration,
        after,
        diffSchemaObjects(before, after, RESERVED_TABLES, nameKey),
      )
      if (hasOwnershipChanges(changes)) {
        await recordOwnership(conn, { skill: migration.skill, version: migration.file.version, ...changes })
      }
    }
    if (guard) await guard.allowWrites(write)
    else await write()
    await dialect.commit(conn)
  } catch (error) {
    await dialect.rollback(conn).catch(() => undefined)
    throw error
  }
  return applied
}

/**
 * Adds to a migration's ownership the objects it declares with `CREATE … IF NOT EXISTS` that
 * already existed and belong to no skill: what an earlier, interrupted attempt of the same file
 * made (a killed no-transaction migration is run again from its first statement). Without this
 * the rerun finds them, creates nothing, and the skill's types would leave them out.
 */
async function withReclaimed(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  migration: PreparedMigration,
  after: readonly SchemaObject[],
  changes: OwnershipChanges,
): Promise<OwnershipChanges> {
  const key = nameKeyOf(dialect)
  const declared = (migration.analysis.objectChanges ?? []).filter(
    (change) => change.kind === 'create' && change.ifNotExists,
  )
  if (declared.length === 0) return changes
  const existing = new Map(after.map((object) => [key(object.name), object]))
  const counted = new Set(changes.created.map((object) => key(object.name)))
  const owners = await readOwnership(conn, dialect)
  const reclaimed: { name: string; type: string }[] = []
  for (const change of declared) {
    if (change.kind !== 'create') continue
    const object = existing.get(key(change.name))
    if (object && !counted.has(key(object.name)) && owners.get(object.name) === undefined) {
      reclaimed.push({ name: object.name, type: object.type })
      counted.add(key(object.name))
    }
  }
  return reclaimed.length === 0 ? changes : Object.freeze({ ...changes, created: [...changes.created, ...reclaimed] })
}

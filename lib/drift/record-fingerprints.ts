import type { Kysely } from 'kysely'
import type { DatabaseSession } from '../connection/session.js'
import type { MigrationDialect } from '../dialects/dialect.js'
import { schemaToolsFor } from '../dialects/registry.js'
import { ensureFingerprintsTable, writeFingerprints } from '../ledger/fingerprints.js'
import { readLedger } from '../ledger/ledger.js'
import { withLedgerTransaction } from '../runner/ledger-transaction.js'
import { describeOwned, fingerprintSkills, ownedObjectsBySkill } from './fingerprint.js'

/**
 * Writes the fingerprint of every skill's own tables and views as the connection sees them (its
 * open transaction included). Every skill is fingerprinted, not only those that ran: a migration
 * may alter another skill's table. `write` lifts the guard on the toolkit's tables.
 */
export async function writeSchemaFingerprints(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  write: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const { snapshot } = await schemaToolsFor(dialect.name)
  const rows = await readLedger(conn, dialect)
  const owned = await ownedObjectsBySkill(conn, dialect)
  const described = await describeOwned(conn, dialect, snapshot, owned)
  const fingerprints = fingerprintSkills(rows, owned, described, dialect, new Date().toISOString())
  await write(async () => {
    await ensureFingerprintsTable(conn, dialect)
    await writeFingerprints(conn, fingerprints)
  })
}

/**
 * Records the fingerprints in a transaction of their own, right after a run committed (under the
 * migration lock, so they describe the schema that run left), when the run could not record them
 * in its own last transaction. A run cut short in between leaves a fingerprint of other versions,
 * which `status` ignores (drift `unknown`) until the next run records a new one.
 */
export async function recordSchemaFingerprints(session: DatabaseSession, lockTimeoutMs: number): Promise<void> {
  await withLedgerTransaction(session, lockTimeoutMs, ({ conn, write }) =>
    writeSchemaFingerprints(conn, session.dialect, write),
  )
}

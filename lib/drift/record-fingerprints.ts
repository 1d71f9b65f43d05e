import type { DatabaseSession } from '../connection/session.js'
import { schemaToolsFor } from '../dialects/registry.js'
import { ensureFingerprintsTable, writeFingerprints } from '../ledger/fingerprints.js'
import { readLedger } from '../ledger/ledger.js'
import { withLedgerTransaction } from '../runner/ledger-transaction.js'
import { describeOwned, fingerprintSkills, ownedObjectsBySkill } from './fingerprint.js'

/**
 * Records the fingerprint of every skill's own tables and views, right after a run that applied
 * something committed (under the migration lock, so it sees the schema that run left). Every
 * skill is fingerprinted, not only those that ran: a migration may alter another skill's table.
 */
export async function recordSchemaFingerprints(session: DatabaseSession, lockTimeoutMs: number): Promise<void> {
  const { dialect } = session
  const { snapshot } = await schemaToolsFor(dialect.name)
  await withLedgerTransaction(session, lockTimeoutMs, async ({ conn, write }) => {
    const rows = await readLedger(conn, dialect)
    const owned = await ownedObjectsBySkill(conn, dialect)
    const described = await describeOwned(conn, dialect, snapshot, owned)
    const fingerprints = fingerprintSkills(rows, owned, described, dialect, new Date().toISOString())
    await write(async () => {
      await ensureFingerprintsTable(conn, dialect)
      await writeFingerprints(conn, fingerprints)
    })
  })
}

import type { RunContext } from '../run-context.js'
import { runPerMigrationTransactions } from './per-migration-transaction.js'

/**
 * The strategy for engines that commit DDL implicitly (MySQL): statement by statement, with the
 * progress of each migration recorded in its ledger row so a failed migration can resume.
 */
export async function runStatementProgress(ctx: RunContext): Promise<void> {
  await runPerMigrationTransactions(ctx)
}

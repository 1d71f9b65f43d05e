import type { DialectCapabilities, MigrationAnalysis } from '../dialects/dialect.js'

/** How the runner will apply one migration, for the plan. */
export interface StrategyDescription {
  /** The runner's strategy for the engine (lib/runner/strategies): `transactional-batch`, `per-migration-transaction`, `statement-progress`. */
  readonly strategy: DialectCapabilities['runStrategy']
  /** What that means for this migration, in words. */
  readonly description: string
}

/**
 * Says how a migration runs, from the engine's strategy and what the dialect found in the
 * migration: atomic or not, in which transaction, how long its locks are held.
 */
export function describeStrategy(
  capabilities: DialectCapabilities,
  analysis: MigrationAnalysis,
  noTransaction: boolean,
): StrategyDescription {
  const strategy = capabilities.runStrategy
  const total = analysis.implicitCommits?.length ?? 0
  const commits = analysis.implicitCommits?.filter(Boolean).length ?? 0
  let description: string
  if (analysis.mode === 'no-transaction') {
    // Table locks end with their statement; SQLite's database lock is the run's, whatever the mode.
    const locks = strategy === 'transactional-batch' ? '' : '; each lock is held until its statement ends'
    description = noTransaction
      ? `not atomic: statement by statement outside a transaction, as the file asks (-- glorious:no-transaction)${locks}`
      : `not atomic: statement by statement outside a transaction, chosen automatically because its statements cannot run inside one${locks}`
  } else if (analysis.mode === 'statement-by-statement') {
    description =
      `not atomic: statement by statement with its progress recorded after each, because ${commits} of its ${total} ` +
      `statements ${commits === 1 ? 'commits' : 'commit'} implicitly (DDL); a failure stops at that statement and the next run resumes there`
  } else if (analysis.mode === 'foreign-keys-off') {
    description =
      'atomic: in a transaction of its own, foreign keys switched off before it begins and checked before it commits'
  } else if (strategy === 'transactional-batch') {
    description = "atomic: in a savepoint of the run's one transaction, with its ledger row"
  } else if (strategy === 'per-migration-transaction') {
    description = 'atomic: in a transaction of its own with its ledger row; its locks are held until it commits'
  } else {
    description = 'atomic: only statements that do not commit implicitly (DML), in one transaction with its ledger row'
  }
  return Object.freeze({ strategy, description })
}

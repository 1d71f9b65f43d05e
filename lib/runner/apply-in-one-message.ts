import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import type { OneMessageTransactions, ReservedTablesIdentity } from '../dialects/dialect.js'
import { RESERVED_TABLES, appliedRowInsert } from '../ledger/ledger.js'
import { declaredOwnershipChanges, hasOwnershipChanges } from '../ledger/ownership.js'
import { nameKeyOf, ownershipWrites } from '../ledger/ownership-rows.js'
import { type AppliedMigration, appliedMigration, ledgerRow } from './applied-migration.js'
import { codeUnitOffset, failure } from './execute-statements.js'
import type { PreparedMigration } from './prepared-migration.js'
import { reservedTableError } from './reserved-tables-check.js'
import type { RunContext } from './run-context.js'

/** What a run keeps between one-message migrations. */
export interface OneMessageScope {
  /** The toolkit's tables as last read. */
  identity: ReservedTablesIdentity | undefined
  /** The last migration committed without waiting for the disk, while no synchronous commit has followed it. */
  owed: AppliedMigration | undefined
}

/**
 * Whether a migration can go to the server as one message: it runs in a transaction, its
 * statements say which tables they create, drop and rename (no listing before and after, no
 * `IF NOT EXISTS` to look up), and it changes no connection setting that would need putting back.
 * The first migration of a run never does: it creates or upgrades the ledger on the way.
 */
export function canApplyInOneMessage(
  ctx: Pick<RunContext, 'dialect'>,
  migration: PreparedMigration,
  ledgerReady: boolean,
): boolean {
  const { analysis } = migration
  return (
    ctx.dialect.oneMessage !== undefined &&
    ledgerReady &&
    analysis.transaction === 'inside' &&
    !analysis.foreignKeysOff &&
    !analysis.checkDeferredForeignKeys &&
    !analysis.editsSchemaDirectly &&
    analysis.connectionSettings.length === 0 &&
    analysis.objectChanges !== undefined &&
    !analysis.objectChanges.some((change) => change.kind === 'create' && change.ifNotExists)
  )
}

/**
 * Applies one migration in one round trip: `BEGIN`, its statements, the check of the toolkit's
 * tables, its ledger and ownership rows and `COMMIT` in one message. The server stops at the
 * first error and the transaction is rolled back whole.
 *
 * @param options.deferDurable commit without waiting for the disk (another migration follows, and
 *   the run's last synchronous commit makes this one durable with it; see `scope.owed`).
 * @param options.whileWaiting work for the client while the server runs the message (reading the
 *   next file): the two overlap instead of taking turns.
 * @returns the applied migration; `undefined` when it failed in a way only the step-by-step path
 *   can explain (an error without a position): nothing of it stayed, run it that way to learn why.
 * @throws {MigrationFailedError} a statement failed where the error's position points;
 *   `ReservedTableError`; or the database's retryable error (lock timeout, deadlock) as it came.
 */
export async function applyInOneMessage(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  scope: OneMessageScope,
  migration: PreparedMigration,
  options: { readonly deferDurable?: boolean; readonly whileWaiting?: () => void } = {},
): Promise<AppliedMigration | undefined> {
  const { whileWaiting } = options
  const { conn, dialect } = ctx
  const one = dialect.oneMessage as OneMessageTransactions
  scope.identity ??= await one.readReservedTables(conn, RESERVED_TABLES)
  const applied = appliedMigration(migration, 0)
  const message = buildMessage(ctx, one, scope.identity, migration, applied, options.deferDurable === true)
  const started = performance.now()
  try {
    const sent = sql.raw(message.text).execute(conn)
    if (whileWaiting) {
      // The driver writes the message once the promise chain above has run: after that, the
      // server works while the client does.
      const settled = sent.then(
        () => undefined,
        (error: unknown) => ({ error }),
      )
      await new Promise((resolve) => setImmediate(resolve))
      whileWaiting()
      const outcome = await settled
      if (outcome) throw outcome.error
    } else {
      await sent
    }
  } catch (error) {
    // Before COMMIT the transaction is aborted and waits for this; after it, nothing is open.
    await dialect.rollback(conn).catch(() => undefined)
    const reserved = reservedTableError(one, error, migration)
    if (reserved) throw reserved
    // A lock timeout or deadlock: the caller retries (its last attempt is not one message).
    if (dialect.retryableReason?.(error) !== undefined) throw error
    const position = dialect.errorFacts?.(error).position
    const offset = position === undefined ? undefined : codeUnitOffset(message.text, position - 1)
    if (offset === undefined || offset < message.starts[0]! || offset >= message.statementsEnd) return undefined
    let index = message.starts.length - 1
    while (index > 0 && message.starts[index]! > offset) index--
    throw failure(dialect, migration, migration.statements[index]!, error, {
      appliedStatements: 0,
      outsideTransaction: false,
      offsetInStatement: offset - message.starts[index]!,
    })
  }
  const done = Object.freeze({ ...applied, durationMs: Math.round(performance.now() - started) })
  scope.owed = options.deferDurable ? done : undefined
  return done
}

/** The message, and where each statement starts in it (to map an error's position back). */
function buildMessage(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  one: OneMessageTransactions,
  identity: ReservedTablesIdentity,
  migration: PreparedMigration,
  applied: AppliedMigration,
  deferDurable: boolean,
): { readonly text: string; readonly starts: readonly number[]; readonly statementsEnd: number } {
  const { conn, dialect } = ctx
  let text = deferDurable ? `BEGIN;\n${one.deferDurability};\n` : 'BEGIN;\n'
  const starts: number[] = []
  for (const statement of migration.statements) {
    starts.push(text.length)
    // The splitter refuses text that ends inside a literal or comment, so nothing of a statement
    // can reach into what follows it.
    text += statement.sql.trimEnd().endsWith(';') ? `${statement.sql}\n` : `${statement.sql};\n`
  }
  const statementsEnd = text.length
  if (starts.length === 0) starts.push(statementsEnd)
  text += `${one.reservedTablesCheck(identity)};\n`
  text += `${one.inline(appliedRowInsert(conn, ledgerRow(applied), one.elapsedMsExpression))};\n`
  const { changes } = declaredOwnershipChanges(
    migration.analysis.objectChanges ?? [],
    undefined,
    RESERVED_TABLES,
    nameKeyOf(dialect),
  )
  if (hasOwnershipChanges(changes)) {
    const owner = { skill: migration.skill, version: migration.file.version, ...changes }
    for (const write of ownershipWrites(conn, owner)) text += `${one.inline(write)};\n`
  }
  return { text: `${text}COMMIT;`, starts, statementsEnd }
}

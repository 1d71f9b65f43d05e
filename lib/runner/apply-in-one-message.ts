import { sql } from 'kysely'
import type { OneMessageTransactions, ReservedTablesIdentity } from '../dialects/dialect.js'
import { RESERVED_TABLES, appliedRowInsert, readRecordedDurations } from '../ledger/ledger.js'
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

/** How a one-message run of several migrations ended. */
export interface OneMessageOutcome {
  /** The migrations that committed, in order: the first of those sent, up to where it stopped. */
  readonly applied: readonly AppliedMigration[]
  /**
   * Why the migration after them did not commit (nothing of it stayed), if one did not:
   * - `error`: a `MigrationFailedError` located by the error's position, a `ReservedTableError`,
   *   or the database's retryable error (lock timeout, deadlock) as it came;
   * - `unexplained`: an error without a position; run the migration step by step to learn why.
   */
  readonly stopped?: { readonly error: unknown } | 'unexplained' | undefined
}

/**
 * Applies migrations in one round trip: for each, `BEGIN`, its statements, the check of the
 * toolkit's tables, its ledger and ownership rows and `COMMIT`, all in one message. Each still
 * commits in a transaction of its own; the server stops at the first error, that migration's
 * transaction is rolled back whole, and those before it stay committed (the ledger says which).
 *
 * @param options.deferDurable commit the last one without waiting for the disk (another
 *   migration follows, and the run's last synchronous commit makes it durable; see
 *   `scope.owed`). All but the last always commit so: the last one's commit flushes them.
 * @param options.whileWaiting work for the client while the server runs the message (reading the
 *   next files): the two overlap instead of taking turns.
 * @throws only when the connection fails (the run cannot go on).
 */
export async function applyInOneMessage(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  scope: OneMessageScope,
  migrations: readonly PreparedMigration[],
  options: { readonly deferDurable?: boolean; readonly whileWaiting?: () => void } = {},
): Promise<OneMessageOutcome> {
  const { whileWaiting } = options
  const { conn, dialect } = ctx
  const one = dialect.oneMessage as OneMessageTransactions
  scope.identity ??= await one.readReservedTables(conn, RESERVED_TABLES)
  const pending = migrations.map((migration) => appliedMigration(migration, 0))
  const message = buildMessage(ctx, one, scope.identity, migrations, pending, options.deferDurable === true)
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
    // Inside a transaction it is aborted and waits for this; between two, nothing is open.
    await dialect.rollback(conn).catch(() => undefined)
    // Each migration committed with its ledger row: the ledger says how far the message went.
    const recorded = migrations.length === 1 ? new Map() : await readRecordedDurations(conn, pending)
    const applied = withRecordedDurations(pending, recorded, true)
    // Every commit before the failed one was deferred; with none, what was owed still is.
    scope.owed = applied.at(-1) ?? scope.owed
    const failed = migrations[applied.length]
    if (!failed) return { applied } // the error came after the last commit: nothing is lost
    return { applied, stopped: stoppedBy(dialect, one, error, failed, message.segments[applied.length]!, message.text) }
  }
  // One migration's time is the round trip's; several share it, so each one's is the server's.
  const applied =
    migrations.length === 1
      ? [Object.freeze({ ...pending[0]!, durationMs: Math.round(performance.now() - started) })]
      : withRecordedDurations(pending, await readRecordedDurations(conn, pending), false)
  scope.owed = options.deferDurable ? applied.at(-1) : undefined
  return { applied }
}

/** What stopped `failed`, from the message's error. */
function stoppedBy(
  dialect: RunContext['dialect'],
  one: OneMessageTransactions,
  error: unknown,
  failed: PreparedMigration,
  segment: MessageSegment,
  text: string,
): OneMessageOutcome['stopped'] {
  const reserved = reservedTableError(one, error, failed)
  if (reserved) return { error: reserved }
  // A lock timeout or deadlock: the caller retries (its last attempt is not one message).
  if (dialect.retryableReason?.(error) !== undefined) return { error }
  const position = dialect.errorFacts?.(error).position
  const offset = position === undefined ? undefined : codeUnitOffset(text, position - 1)
  const { starts, statementsEnd } = segment
  if (offset === undefined || offset < starts[0]! || offset >= statementsEnd) return 'unexplained'
  let index = starts.length - 1
  while (index > 0 && starts[index]! > offset) index--
  return {
    error: failure(dialect, failed, failed.statements[index]!, error, {
      appliedStatements: 0,
      outsideTransaction: false,
      offsetInStatement: offset - starts[index]!,
    }),
  }
}

/**
 * The migrations the ledger holds, with the durations it recorded, up to the first it does not
 * hold (`upToFirstMissing`) — or all of them, which it must then hold.
 */
function withRecordedDurations(
  pending: readonly AppliedMigration[],
  recorded: ReadonlyMap<string, number | null>,
  upToFirstMissing: boolean,
): AppliedMigration[] {
  const applied: AppliedMigration[] = []
  for (const migration of pending) {
    const durationMs = recorded.get(`${migration.skill}/${migration.version}`)
    if (durationMs === undefined) {
      if (upToFirstMissing) break
      throw new Error(`internal: ${migration.skill} ${migration.filename} committed without its ledger row`)
    }
    applied.push(Object.freeze({ ...migration, durationMs: durationMs ?? 0 }))
  }
  return applied
}

/** Where one migration's statements are in the message (to map an error's position back). */
interface MessageSegment {
  readonly starts: readonly number[]
  readonly statementsEnd: number
}

/** The message, and where each migration's statements are in it. */
function buildMessage(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  one: OneMessageTransactions,
  identity: ReservedTablesIdentity,
  migrations: readonly PreparedMigration[],
  pending: readonly AppliedMigration[],
  deferLast: boolean,
): { readonly text: string; readonly segments: readonly MessageSegment[] } {
  const { conn, dialect } = ctx
  const check = `${one.reservedTablesCheck(identity)};\n`
  const segments: MessageSegment[] = []
  let text = ''
  migrations.forEach((migration, i) => {
    text += i < migrations.length - 1 || deferLast ? `BEGIN;\n${one.deferDurability};\n` : 'BEGIN;\n'
    if (i > 0) text += `${one.startClock};\n`
    const starts: number[] = []
    for (const statement of migration.statements) {
      starts.push(text.length)
      // The splitter refuses text that ends inside a literal or comment, so nothing of a
      // statement can reach into what follows it.
      text += statement.sql.trimEnd().endsWith(';') ? `${statement.sql}\n` : `${statement.sql};\n`
    }
    const statementsEnd = text.length
    if (starts.length === 0) starts.push(statementsEnd)
    segments.push({ starts, statementsEnd })
    text += check
    text += `${one.inline(appliedRowInsert(conn, ledgerRow(pending[i]!), one.elapsedMsExpression))};\n`
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
    text += 'COMMIT;\n'
  })
  return { text, segments }
}

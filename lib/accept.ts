import { join, resolve } from 'node:path'
import type { DatabaseOptions } from './connection/database-options.js'
import { lockTimeoutOf } from './connection/database-options.js'
import { SessionHolder } from './connection/session-holder.js'
import { GloriousMigrateError, InvalidOptionError } from './errors.js'
import { listMigrationFolder } from './files/migration-folder.js'
import { DEFAULT_MAX_FILE_BYTES } from './files/migration-source.js'
import { assertSkillName } from './files/skill-name.js'
import { type EditKind, type LedgerEventKind, insertEvent, whoAmI } from './ledger/events.js'
import { type LedgerRow, deleteLedgerRows, ensureLedger, readLedger, updateLedgerRow } from './ledger/ledger.js'
import { appliedMigration } from './runner/applied-migration.js'
import { withLedgerTransaction } from './runner/ledger-transaction.js'
import { prepareMigration } from './runner/prepared-migration.js'
import { statementChecksum } from './runner/strategies/statement-progress.js'

export interface AcceptOptions extends DatabaseOptions {
  readonly skill: string
  /** The skill's migrations folder. */
  readonly migrationsDir: string
  readonly version: number
  /**
   * For a migration that stopped part way (MySQL): `applied` — it is complete (finished by
   * hand), record it applied; `pending` — it was undone by hand, run it again from its first
   * statement.
   */
  readonly as?: 'applied' | 'pending' | undefined
  /** For a migration that stopped part way: statements 1…`through` are applied; resume after them. */
  readonly through?: number | undefined
  readonly maxFileBytes?: number | undefined
}

/** What an accept recorded. */
export interface AcceptResult {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly event: LedgerEventKind
  readonly oldChecksum: string
  readonly newChecksum: string
  /** For an accepted edit: whether it only touched comments and whitespace, or changed the SQL. */
  readonly change: EditKind | null
  /** The audit record's time. */
  readonly at: string
}

/** An accept that has nothing to do, or asks for something the ledger row does not allow. */
export class AcceptError extends GloriousMigrateError {
  readonly code = 'accept'
}

/**
 * Records a deliberate change to an applied migration's history, with an audit record (old and
 * new checksum, when, user and host) in `_migration_events`:
 *
 * - after an intentional edit of an applied file: its new checksum, saying whether the edit
 *   touches only whitespace and comments or changes SQL (so later runs stop reporting the
 *   mismatch);
 * - for a migration that stopped part way where DDL commits implicitly (MySQL): `as: 'applied'`
 *   (finished by hand), `as: 'pending'` (undone by hand: it runs again from the start), or
 *   `through: k` (statements 1…k took effect: it resumes after them).
 *
 * Nothing runs against the schema. Under the migration lock; the ledger row and the audit record
 * commit together.
 *
 * @example
 * ```ts
 * const accepted = await acceptMigration({ database: 'agent.db', skill: 'notes', migrationsDir: 'skills/notes/migrations', version: 3 })
 * accepted.change // 'whitespace-and-comments' | 'sql' | 'unknown'
 * ```
 * @throws {AcceptError | InvalidOptionError | MigrationFileError | DatabaseError | LockTimeoutError}
 */
export async function acceptMigration(options: AcceptOptions): Promise<AcceptResult> {
  const skill = assertSkillName(options.skill)
  const dir = resolve(options.migrationsDir)
  if (!Number.isSafeInteger(options.version) || options.version < 1) {
    throw new InvalidOptionError(`accept needs a migration version ≥ 1, got ${String(options.version)}`)
  }
  if (options.as !== undefined && options.through !== undefined) {
    throw new InvalidOptionError('accept takes "as" or "through", not both')
  }
  if (options.through !== undefined && (!Number.isSafeInteger(options.through) || options.through < 0)) {
    throw new InvalidOptionError(`accept "through" must be a statement number ≥ 0, got ${String(options.through)}`)
  }
  const folder = listMigrationFolder(dir, skill)
  if (folder.problems[0]) throw folder.problems[0]
  const file = folder.files.find((candidate) => candidate.version === options.version)
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.writable()
    const { dialect } = session
    const migration = file
      ? prepareMigration(dialect, skill, file, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)
      : undefined
    return await withLedgerTransaction(session, lockTimeoutOf(options), async ({ conn, write }) => {
      const row = (await readLedger(conn, dialect, [skill])).find((candidate) => candidate.version === options.version)
      if (!row) {
        throw new AcceptError(
          `skill "${skill}": migration version ${options.version} is not in the ledger, so there is nothing to accept: run it ("glorious migrate run")`,
          { skill },
        )
      }
      if (!migration || !file) {
        throw new AcceptError(
          `skill "${skill}": migration "${row.filename}" (version ${options.version}) has no file in ${dir}: accept records the file's checksum, so restore it first`,
          { skill, file: join(dir, row.filename) },
        )
      }
      const who = whoAmI()
      const at = appliedMigration(migration, 0).appliedAt
      const event = eventFor(row, options, skill)
      let next: LedgerRow | undefined
      let change: EditKind | null = null
      switch (event) {
        case 'accept':
          if (row.checksum === migration.checksum) {
            throw new AcceptError(
              `skill "${skill}": migration "${row.filename}" is unchanged since it was applied (checksum ${row.checksum}): nothing to accept`,
              { skill, file: file.path },
            )
          }
          change =
            row.sqlChecksum === null
              ? 'unknown'
              : row.sqlChecksum === migration.sqlChecksum
                ? 'whitespace-and-comments'
                : 'sql'
          next = { ...row, filename: file.filename, checksum: migration.checksum, sqlChecksum: migration.sqlChecksum }
          break
        case 'resolve-applied':
          next = {
            ...row,
            filename: file.filename,
            checksum: migration.checksum,
            sqlChecksum: migration.sqlChecksum,
            status: 'applied',
            source: 'resolved',
            typesPending: true,
            progress: progressThrough(migration.statements.length, migration, null),
          }
          break
        case 'resolve-through': {
          const through = options.through as number
          if (through > migration.statements.length) {
            throw new InvalidOptionError(
              `"${file.filename}" has ${migration.statements.length} statements: "through" must be at most that`,
            )
          }
          next = {
            ...row,
            filename: file.filename,
            checksum: migration.checksum,
            sqlChecksum: migration.sqlChecksum,
            status: 'failed',
            progress: progressThrough(through, migration, row.progress?.error ?? null),
          }
          break
        }
        case 'resolve-pending':
          next = undefined
          break
        case 'baseline':
          throw new Error('internal: baseline is not an accept')
      }
      await write(async () => {
        await ensureLedger(conn, dialect)
        if (next) await updateLedgerRow(conn, next)
        else await deleteLedgerRows(conn, skill, [row])
        await insertEvent(conn, {
          skill,
          version: row.version,
          event,
          at,
          oldChecksum: row.checksum,
          newChecksum: migration.checksum,
          change,
          user: who.user,
          host: who.host,
          detail:
            event === 'resolve-through'
              ? `statements 1-${options.through} recorded as applied (was ${row.progress?.applied ?? 0} of ${row.progress?.total ?? '?'})`
              : event === 'resolve-pending'
                ? `row removed; it was ${row.status} after ${row.progress?.applied ?? 0} statement(s)`
                : null,
        })
      })
      return Object.freeze({
        skill,
        version: row.version,
        filename: file.filename,
        event,
        oldChecksum: row.checksum,
        newChecksum: migration.checksum,
        change,
        at,
      })
    })
  } finally {
    await sessions.close()
  }
}

function eventFor(row: LedgerRow, options: AcceptOptions, skill: string): LedgerEventKind {
  const unfinished = row.status !== 'applied'
  if (!unfinished && (options.as !== undefined || options.through !== undefined)) {
    throw new AcceptError(
      `skill "${skill}": migration "${row.filename}" is applied completely: "as" and "through" are for a migration that stopped part way`,
      { skill },
    )
  }
  if (unfinished && options.as === undefined && options.through === undefined) {
    throw new AcceptError(
      `skill "${skill}": migration "${row.filename}" stopped after statement ${row.progress?.applied ?? 0} of ${row.progress?.total ?? '?'}: ` +
        'say what happened: --as applied (finished by hand), --as pending (undone: run it again), or --through <k> (statements 1-k took effect)',
      { skill },
    )
  }
  if (!unfinished) return 'accept'
  if (options.through !== undefined) return 'resolve-through'
  return options.as === 'applied' ? 'resolve-applied' : 'resolve-pending'
}

function progressThrough(
  applied: number,
  migration: ReturnType<typeof prepareMigration>,
  error: string | null,
): LedgerRow['progress'] {
  return Object.freeze({
    applied,
    total: migration.statements.length,
    checksums: Object.freeze(migration.statements.slice(0, applied).map(statementChecksum)),
    error,
    probe: null,
  })
}

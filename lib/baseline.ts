import { resolve } from 'node:path'
import type { DatabaseOptions } from './connection/database-options.js'
import { lockTimeoutOf } from './connection/database-options.js'
import { SessionHolder } from './connection/session-holder.js'
import type { SchemaObjectChange } from './dialects/dialect.js'
import { GloriousMigrateError, InvalidOptionError } from './errors.js'
import { listMigrationFolder } from './files/migration-folder.js'
import { DEFAULT_MAX_FILE_BYTES } from './files/migration-source.js'
import { assertSkillName } from './files/skill-name.js'
import { insertEvent, whoAmI } from './ledger/events.js'
import { type LedgerRow, RESERVED_TABLES, ensureLedger, insertLedgerRow, readLedger } from './ledger/ledger.js'
import { declaredOwnershipChanges, knownObjects } from './ledger/ownership.js'
import { nameKeyOf, recordOwnership } from './ledger/ownership-rows.js'
import { appliedMigration, ledgerRow } from './runner/applied-migration.js'
import { withLedgerTransaction } from './runner/ledger-transaction.js'
import { recordSchemaFingerprints } from './drift/record-fingerprints.js'
import { type PreparedMigration, prepareMigration } from './runner/prepared-migration.js'

export interface BaselineOptions extends DatabaseOptions {
  readonly skill: string
  /** The skill's migrations folder. */
  readonly migrationsDir: string
  /** Record versions up to and including this one (a version of a file in the folder). */
  readonly to: number
  readonly maxFileBytes?: number | undefined
}

export interface BaselineResult {
  readonly skill: string
  /** The ledger rows recorded, in version order. */
  readonly recorded: readonly LedgerRow[]
  /** Tables and views the files create that exist in the database, now recorded as the skill's. */
  readonly owned: readonly string[]
  readonly warnings: readonly string[]
}

/** A baseline would record a version the ledger already has. */
export class BaselineConflictError extends GloriousMigrateError {
  readonly code = 'baseline-conflict'
  constructor(
    skill: string,
    readonly versions: readonly number[],
  ) {
    super(
      `skill "${skill}": version(s) ${versions.join(', ')} are already recorded in the ledger, so the database is not ` +
        'one made outside the toolkit: nothing was recorded; baseline only versions the ledger does not have, or look at "glorious migrate history"',
      { skill },
    )
  }
}

/**
 * Adopts a database whose schema was made outside the toolkit: records the skill's migrations
 * 1…`to` as applied without running them (their checksums from the files), marked `baseline`
 * in the ledger and in its audit records, so that later migrations apply on top. Refuses when
 * any of those versions is already recorded. The tables and views the files create that exist
 * in the database become the skill's, for its generated types.
 *
 * @example
 * ```ts
 * const { recorded } = await baselineSkill({ database: 'agent.db', skill: 'notes', migrationsDir: 'skills/notes/migrations', to: 3 })
 * ```
 * @throws {BaselineConflictError | InvalidOptionError | MigrationFileError | DatabaseError | LockTimeoutError}
 */
export async function baselineSkill(options: BaselineOptions): Promise<BaselineResult> {
  const skill = assertSkillName(options.skill)
  const dir = resolve(options.migrationsDir)
  if (!Number.isSafeInteger(options.to) || options.to < 1) {
    throw new InvalidOptionError(`baseline needs a version ≥ 1 to record up to, got ${String(options.to)}`)
  }
  const folder = listMigrationFolder(dir, skill)
  if (folder.problems[0]) throw folder.problems[0]
  if (!folder.files.some((file) => file.version === options.to)) {
    throw new InvalidOptionError(
      `skill "${skill}" has no migration with version ${options.to} in ${dir}: pick one of ${folder.files.map((file) => file.version).join(', ') || '(none)'}`,
    )
  }
  const files = folder.files.filter((file) => file.version <= options.to)
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.writable()
    const { dialect } = session
    // Read and check every file before anything is written: a bad file stops the baseline whole.
    const prepared: PreparedMigration[] = files.map((file) =>
      prepareMigration(dialect, skill, file, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES),
    )
    const result = await withLedgerTransaction(session, lockTimeoutOf(options), async ({ conn, write }) => {
      const existing = await readLedger(conn, dialect, [skill])
      const taken = existing.filter((row) => row.version <= options.to).map((row) => row.version)
      if (taken.length > 0) throw new BaselineConflictError(skill, taken)
      const nameKey = nameKeyOf(dialect)
      const live = knownObjects(await dialect.listSchemaObjects(conn), RESERVED_TABLES, nameKey)
      const warnings: string[] = []
      const recorded: LedgerRow[] = []
      // Which objects the files create, followed through their renames and drops, by the version
      // that created each.
      const created = new Map<string, { name: string; type: string; version: number }>()
      for (const migration of prepared) {
        const row: LedgerRow = { ...ledgerRow(appliedMigration(migration, 0)), durationMs: null, source: 'baseline' }
        recorded.push(row)
        const declared = migration.analysis.objectChanges
        if (declared === undefined) {
          warnings.push(
            `${migration.file.filename}: its statements do not say which tables it creates, so they are not recorded as the skill's`,
          )
          continue
        }
        followChanges(created, declared, migration.file.version, nameKey)
      }
      const owned = [...created.values()].filter((object) => live.has(nameKey(object.name)))
      await write(async () => {
        await ensureLedger(conn, dialect)
        for (const row of recorded) await insertLedgerRow(conn, row)
        for (const object of owned) {
          const name = live.get(nameKey(object.name))?.name ?? object.name
          await recordOwnership(conn, {
            skill,
            version: object.version,
            created: [{ name, type: object.type }],
            dropped: [],
            renamed: [],
          })
        }
        const who = whoAmI()
        await insertEvent(conn, {
          skill,
          version: options.to,
          event: 'baseline',
          at: recorded.at(-1)?.appliedAt ?? new Date().toISOString(),
          oldChecksum: null,
          newChecksum: null,
          change: null,
          user: who.user,
          host: who.host,
          detail: `versions ${recorded.map((row) => row.version).join(', ')} recorded as applied without running them`,
        })
      })
      return Object.freeze({
        skill,
        recorded: Object.freeze(recorded),
        owned: Object.freeze(owned.map((object) => object.name)),
        warnings: Object.freeze(warnings),
      })
    })
    // The adopted schema is the skill's from now on: status tells when it changes by hand.
    await recordSchemaFingerprints(session, lockTimeoutOf(options)).catch(() => undefined)
    return result
  } finally {
    await sessions.close()
  }
}

function followChanges(
  created: Map<string, { name: string; type: string; version: number }>,
  declared: readonly SchemaObjectChange[],
  version: number,
  nameKey: (name: string) => string,
): void {
  const { changes } = declaredOwnershipChanges(declared, undefined, RESERVED_TABLES, nameKey)
  for (const name of changes.dropped) created.delete(nameKey(name))
  for (const rename of changes.renamed) {
    const before = created.get(nameKey(rename.from))
    if (!before) continue
    created.delete(nameKey(rename.from))
    created.set(nameKey(rename.to), { ...before, name: rename.to })
  }
  for (const object of changes.created) created.set(nameKey(object.name), { ...object, version })
}

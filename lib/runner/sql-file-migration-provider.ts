import { resolve } from 'node:path'
import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { sqliteDialect } from '../dialects/sqlite/sqlite-dialect.js'
import { listMigrationFolder } from '../files/migration-folder.js'
import { DEFAULT_MAX_FILE_BYTES } from '../files/migration-source.js'
import { InvalidMigrationNameError } from '../errors.js'
import { prepareMigration } from './prepared-migration.js'

export interface SqlFileMigrationProviderProps {
  /** The skill's `migrations/` folder. */
  readonly migrationsDir: string
  /** Used in error messages. */
  readonly skill?: string | undefined
  /** @default SQLite */
  readonly dialect?: MigrationDialect | undefined
  readonly maxFileBytes?: number | undefined
}

/**
 * One migration as Kysely's `Migrator` runs it. Declared here rather than imported, so that the
 * provider fits the Migrator of every Kysely version we support: 0.28 exports `Migration` and
 * `MigrationProvider` from `kysely`, 0.29 only from `kysely/migration` (its root export keeps
 * the names as type errors).
 */
export interface SqlFileMigration {
  up(db: Kysely<any>): Promise<void>
}

/**
 * A Kysely `MigrationProvider` for a folder of `{version}_{description}.sql` files, for use with
 * Kysely's own `Migrator`. It enforces the naming rules (an invalid name or a duplicate version
 * throws), splits each file into statements the way the database's client would, refuses what
 * the runner refuses, and runs each file inside a savepoint so it applies completely or not at
 * all. Migration names are the file names without `.sql`. Kysely's Migrator orders names as
 * strings, so the provider refuses a folder where that order differs from the numeric one
 * (`10_y` before `9_x`): pad versions to one width, as `glorious migrate create` does.
 *
 * Kysely's Migrator does not store checksums and takes no lock on SQLite; `createMigrator`
 * (which shares this provider's building blocks) does both.
 *
 * It has the shape of Kysely's `MigrationProvider` without naming it, so Kysely 0.28's and 0.29's
 * Migrator both accept it.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { Kysely, SqliteDialect } from 'kysely'
 * import { Migrator } from 'kysely/migration' // Kysely 0.28: import { Migrator } from 'kysely'
 * import { SqlFileMigrationProvider } from 'glorious-migrate'
 *
 * const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database('agent.db') }) })
 * const migrator = new Migrator({
 *   db,
 *   provider: new SqlFileMigrationProvider({ migrationsDir: './src/notes/migrations' }),
 * })
 * const { error, results } = await migrator.migrateToLatest()
 * if (error) throw error
 * console.log(results?.map((result) => `${result.migrationName}: ${result.status}`))
 * await db.destroy()
 * ```
 */
export class SqlFileMigrationProvider {
  readonly #props: Required<Omit<SqlFileMigrationProviderProps, 'skill'>> & { skill: string | undefined }

  constructor(props: SqlFileMigrationProviderProps) {
    this.#props = Object.freeze({
      migrationsDir: resolve(props.migrationsDir),
      skill: props.skill,
      dialect: props.dialect ?? sqliteDialect,
      maxFileBytes: props.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    })
  }

  /** The folder's migrations by name (the file name without `.sql`), as Kysely's Migrator asks. */
  async getMigrations(): Promise<Record<string, SqlFileMigration>> {
    const { migrationsDir, skill, dialect, maxFileBytes } = this.#props
    const folder = listMigrationFolder(migrationsDir, skill)
    if (folder.problems[0]) throw folder.problems[0]
    const names = folder.files.map((file) => file.filename.replace(/\.sql$/, ''))
    const asStrings = [...names].sort()
    const misplaced = names.findIndex((name, index) => name !== asStrings[index])
    if (misplaced >= 0) {
      throw new InvalidMigrationNameError(
        folder.files[misplaced]?.filename ?? '',
        folder.files[misplaced]?.path ?? migrationsDir,
        `Kysely's Migrator orders names as strings, so "${asStrings[misplaced]}" would run before "${names[misplaced]}"; pad the versions to one width`,
        skill,
      )
    }
    const migrations: Record<string, SqlFileMigration> = {}
    for (const file of folder.files) {
      migrations[file.filename.replace(/\.sql$/, '')] = {
        async up(db: Kysely<any>): Promise<void> {
          const migration = prepareMigration(dialect, skill ?? '(provider)', file, maxFileBytes)
          if (migration.analysis.mode !== 'transaction') {
            for (const statement of migration.statements) await dialect.executeStatement(db, statement.sql)
            return
          }
          await dialect.savepoint(db, 'glorious_provider_up')
          try {
            for (const statement of migration.statements) await dialect.executeStatement(db, statement.sql)
            await dialect.releaseSavepoint(db, 'glorious_provider_up')
          } catch (error) {
            await dialect.rollbackToSavepoint(db, 'glorious_provider_up')
            throw error
          }
        },
      }
    }
    return migrations
  }
}

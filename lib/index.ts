/**
 * glorious-migrate: versioned SQL migrations for Glorious Agents skills.
 *
 * @module
 */
export { createMigrator } from './runner/migrator.js'
export type { Migrator, MigratorOptions, MigrationResult, MigrationResultSet } from './runner/migrator.js'
export { migrateSkills, loadSkill, initSkillSchema } from './skills.js'
export type { SkillMigrations, MigrateSkillsOptions, SkillsRunResult, LoadSkillResult } from './skills.js'
export { getStatus, statusFromRows } from './status.js'
export type { SkillStatus, SkillState, StatusOptions } from './status.js'
export { getHistory } from './history.js'
export type { HistoryOptions } from './history.js'
export { verifyMigrations } from './verify.js'
export type { VerifyOptions, VerifyReport } from './verify.js'
export { ROLLBACK_WARNING } from './runner/rollback.js'
export type { RollbackOptions, RollbackResult } from './runner/rollback.js'
export type { AppliedMigration, SkillRunResult, RunReport } from './runner/run-migrations.js'
export type { ApplyOptions } from './runner/run-options.js'
export type { MigrationInfo, MigrationStatus } from './runner/plan.js'
export type { LedgerRow } from './runner/ledger.js'
export { LEDGER_TABLE, OWNERSHIP_TABLE } from './runner/ledger.js'
export { SqlFileMigrationProvider } from './runner/sql-file-migration-provider.js'
export type { SqlFileMigrationProviderProps } from './runner/sql-file-migration-provider.js'
export { planDryRun } from './runner/dry-run.js'
export type { DryRunPlan, DryRunMigration } from './runner/dry-run.js'

export { readSkill, discoverSkills, findSkill } from './files/skill.js'
export type { Skill } from './files/skill.js'
export { createMigrationFile, slugify } from './files/create-migration.js'
export type { CreateMigrationOptions, CreatedMigration } from './files/create-migration.js'
export { parseMigrationName } from './files/migration-name.js'
export { migrationChecksum, canonicalBytes } from './files/checksum.js'
export { NO_TRANSACTION_MARKER } from './files/directives.js'

export { DEFAULT_LOCK_TIMEOUT_MS, resolveDatabasePath } from './database.js'
export type { DatabaseOptions } from './database.js'
export type { MigrationDialect, SqlStatement, TransactionMode } from './dialects/dialect.js'
export { sqliteDialect } from './dialects/sqlite/sqlite-dialect.js'
export { splitSqliteStatements } from './dialects/sqlite/sqlite-splitter.js'

export * from './errors.js'

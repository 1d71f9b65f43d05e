/**
 * glorious-migrate: versioned SQL migrations for Glorious Agents skills.
 *
 * @module
 */
export { createMigrator } from './migrator.js'
export type { Migrator, MigratorOptions, MigrationResult, MigrationResultSet } from './migrator.js'
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
export type { AfterRunOptions, TypesOptions, GeneratedTypesFile } from './after-run.js'
export type { MigrationInfo, MigrationStatus } from './runner/plan.js'
export type { LedgerRow } from './ledger/ledger.js'
export { LEDGER_TABLE, OWNERSHIP_TABLE, FINGERPRINTS_TABLE } from './ledger/ledger.js'
export { SqlFileMigrationProvider } from './runner/sql-file-migration-provider.js'
export type { SqlFileMigration, SqlFileMigrationProviderProps } from './runner/sql-file-migration-provider.js'
export { planDryRun } from './dry-run.js'
export type { DryRunPlan, DryRunMigration, DryRunOptions, PlannedStatement, PlannedLock } from './dry-run.js'
export { detectDrift } from './drift/detect-drift.js'
export type { DriftOptions, DriftReport, SkillDrift, ObjectDrift } from './drift/detect-drift.js'

export { readSkill, discoverSkills, findSkill, searchSkills, skillAt } from './files/skill.js'
export type { Skill, SkillSearch, SearchSkillsOptions, FindSkillOptions } from './files/skill.js'
export { createMigrationFile, slugify } from './files/create-migration.js'
export type { CreateMigrationOptions, CreatedMigration } from './files/create-migration.js'
export { parseMigrationName } from './files/migration-name.js'
export { migrationChecksum, canonicalBytes } from './files/checksum.js'
export { NO_TRANSACTION_MARKER } from './files/directives.js'

export {
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_STATEMENT_LOCK_TIMEOUT_MS,
  resolveDatabasePath,
  resolveDatabaseTarget,
} from './connection/database-options.js'
export type { DatabaseTarget } from './connection/database-options.js'
export { redactUrl } from './connection/redact-url.js'
export { enableDriverCodeCache } from './connection/driver-code-cache.js'
export type { DatabaseOptions } from './connection/database-options.js'
export type {
  DialectCapabilities,
  EngineName,
  MigrationDialect,
  SqlStatement,
  TransactionMode,
} from './dialects/dialect.js'
export { sqliteDialect } from './dialects/sqlite/sqlite-dialect.js'
export { splitSqliteStatements } from './dialects/sqlite/sqlite-splitter.js'
export { splitPostgresStatements } from './dialects/postgres/postgres-splitter.js'
export { splitMysqlStatements } from './dialects/mysql/mysql-splitter.js'

export * from './errors.js'
export { resolveSkillsRoots, skillsSearchRoots } from './files/skills-roots.js'
export type { SkillsRootsOptions } from './files/skills-roots.js'
export { previewRollback, rollbackMigrations } from './rollback.js'
export { baselineSkill, BaselineConflictError } from './baseline.js'
export type { BaselineOptions, BaselineResult } from './baseline.js'
export { acceptMigration, AcceptError } from './accept.js'
export type { AcceptOptions, AcceptResult } from './accept.js'
export { getEvents } from './history.js'
export type { LedgerEvent, LedgerEventKind, EditKind } from './ledger/events.js'
export type { RollbackMigrationsOptions } from './rollback.js'
export { generateSkillTypes } from './types.js'
export type { GenerateTypesOptions } from './types.js'
export type { CodegenFileResult } from '../codegen/index.js'
export { StaleTypesError, TypesFileError } from '../codegen/errors.js'
export { lintMigrations } from './lint/lint-migrations.js'
export type { LintOptions, LintReport } from './lint/lint-migrations.js'
export type { LintFinding, LintRuleInfo, LintSeverity } from './lint/finding.js'
export { LINT_RULES } from './lint/rule-catalog.js'
export { ALLOW_DIRECTIVE } from './lint/allow-directives.js'
export { LintParserMissingError } from './lint/lint-errors.js'

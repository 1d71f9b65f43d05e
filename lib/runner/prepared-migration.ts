import { createHash } from 'node:crypto'
import type { MigrationAnalysis, MigrationDialect, SqlStatement } from '../dialects/dialect.js'
import { ForbiddenStatementError, SqlSyntaxError } from '../errors.js'
import type { MigrationFileRef } from '../files/migration-folder.js'
import { type FileSignature, readMigrationSource } from '../files/migration-source.js'
import { hasNoTransactionMarker } from '../files/directives.js'
import { RESERVED_TABLES } from '../ledger/ledger.js'

/** A migration file read, split into statements and checked, ready to run. */
export interface PreparedMigration {
  readonly skill: string
  readonly file: MigrationFileRef
  readonly checksum: string
  /** A checksum of its SQL without comments and spacing (see `LedgerRow.sqlChecksum`). */
  readonly sqlChecksum: string
  /** The file's signature when it was read (see `MigrationSource.signature`). */
  readonly signature: FileSignature | undefined
  readonly statements: readonly SqlStatement[]
  readonly analysis: MigrationAnalysis
  /** The file opted out of a transaction (`-- glorious:no-transaction` on its first line). */
  readonly noTransaction: boolean
  /** Notes for the user that do not stop the migration (an empty file, …). */
  readonly warnings: readonly string[]
}

/**
 * Reads a migration file and prepares it. Its text is held only until it has run, so a run of
 * thousands of migrations holds only a few files in memory (on a server, at most a message's
 * worth running and the next, read while the server works: see per-migration-transaction.ts).
 *
 * @throws {MigrationFileError | SqlSyntaxError | ForbiddenStatementError}
 */
export function prepareMigration(
  dialect: MigrationDialect,
  skill: string,
  file: MigrationFileRef,
  maxFileBytes: number,
): PreparedMigration {
  const source = readMigrationSource(file.path, maxFileBytes, skill)
  return prepareSource(dialect, skill, file, source.text, source.checksum, source.signature)
}

/** {@link prepareMigration} for text already in memory. */
export function prepareSource(
  dialect: MigrationDialect,
  skill: string,
  file: MigrationFileRef,
  text: string,
  checksum: string,
  signature?: FileSignature,
): PreparedMigration {
  const split = dialect.split(text)
  if (split.problem) throw new SqlSyntaxError(file.filename, file.path, split.problem.line, split.problem.reason, skill)
  const noTransaction = hasNoTransactionMarker(text)
  const analysis = dialect.analyze(split.statements, { noTransaction, reservedTables: RESERVED_TABLES })
  const problem = analysis.problems[0]
  if (problem) {
    throw new ForbiddenStatementError(
      file.filename,
      file.path,
      problem.statement.index,
      problem.statement.line,
      problem.reason,
      problem.hint,
      skill,
    )
  }
  const warnings: string[] = []
  if (split.statements.length === 0) {
    warnings.push(
      `skill "${skill}": migration "${file.filename}" has no SQL statements (empty or only comments); it is recorded as applied`,
    )
  }
  if (noTransaction) {
    warnings.push(
      `skill "${skill}": migration "${file.filename}" runs outside a transaction (-- glorious:no-transaction); if it fails, the statements before the failure stay applied`,
    )
  }
  return Object.freeze({
    skill,
    file,
    checksum,
    sqlChecksum: sqlChecksum(dialect, split.statements),
    signature,
    statements: split.statements,
    analysis,
    noTransaction,
    warnings: Object.freeze(warnings),
  })
}

/** The checksum of a migration's SQL as the engine reads it: its statements' tokens, without comments or spacing. */
export function sqlChecksum(dialect: MigrationDialect, statements: readonly SqlStatement[]): string {
  const hash = createHash('sha256')
  for (const statement of statements) hash.update(`${dialect.significantTokens(statement.sql).join(' ')}\n;\n`)
  return hash.digest('hex')
}

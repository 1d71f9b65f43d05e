import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type EngineName, type LintFinding, type LintReport, lintMigrations } from '../../lib/index.js'
import { migrationsDir, tempDir } from './temp.js'

/**
 * Lints one skill's migrations, written as real files in a temporary folder, with no database
 * unless one is given (an empty home, so no default database is found).
 */
export async function lintFiles(
  engine: EngineName,
  files: Record<string, string>,
  options: { database?: string; skill?: string; statementLockTimeoutMs?: number; strict?: boolean } = {},
): Promise<LintReport> {
  const root = tempDir('glorious-lint-')
  const home = join(root, 'home')
  mkdirSync(home)
  const dir = migrationsDir(root, files)
  return lintMigrations({
    skills: [{ name: options.skill ?? 'notes', migrationsDir: dir }],
    engine: options.database === undefined ? engine : undefined,
    database: options.database,
    home,
    env: {},
    statementLockTimeoutMs: options.statementLockTimeoutMs,
    strict: options.strict,
  })
}

/** Lints one file's text and returns its findings' rule ids (sorted, repeated per finding). */
export async function ruleIds(
  engine: EngineName,
  text: string,
  options: Parameters<typeof lintFiles>[2] = {},
): Promise<string[]> {
  const report = await lintFiles(engine, { '001_test.sql': text }, options)
  if (report.problems.length > 0) throw report.problems[0]
  return report.findings.map((finding) => finding.ruleId).sort()
}

/** The findings of one file. */
export async function findingsOf(
  engine: EngineName,
  text: string,
  options: Parameters<typeof lintFiles>[2] = {},
): Promise<readonly LintFinding[]> {
  const report = await lintFiles(engine, { '001_test.sql': text }, options)
  if (report.problems.length > 0) throw report.problems[0]
  return report.findings
}

/** A rule's case: SQL that makes it fire, and the safer SQL that does not. */
export interface RuleCase {
  readonly rule: string
  readonly fires: string
  readonly safe: string
  readonly options?: Parameters<typeof lintFiles>[2]
}

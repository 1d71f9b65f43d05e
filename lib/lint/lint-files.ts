import type { LedgerRow } from '../ledger/ledger.js'
import type { GloriousMigrateError } from '../errors.js'
import { MigrationFileError, SqlSyntaxError } from '../errors.js'
import type { MigrationFileRef } from '../files/migration-folder.js'
import { listMigrationFolder } from '../files/migration-folder.js'
import { hasNoTransactionMarker } from '../files/directives.js'
import { readMigrationSource } from '../files/migration-source.js'
import { isAllowed, readDirectives } from './allow-directives.js'
import type { LintFinding, LintRuleInfo } from './finding.js'
import { isKnownRule, rulesOf } from './rule-catalog.js'
import type { LintContext, LintRuleSet } from './rule-set.js'

/** A skill's migrations folder to lint. */
export interface LintTarget {
  readonly skill: string
  readonly dir: string
}

export interface LintRun {
  readonly ruleSet: LintRuleSet
  readonly context: LintContext
  readonly strict: boolean
  readonly maxFileBytes: number
  /** `pending`: only files not recorded as applied in `rows` (applied files cannot change any more). */
  readonly only: 'all' | 'pending'
  readonly rows: readonly LedgerRow[]
}

/** What linting found. */
export interface LintResult {
  readonly findings: readonly LintFinding[]
  /** Files that could not be read or split (they are not linted). */
  readonly problems: readonly GloriousMigrateError[]
  /** Notes that are not findings: an allow directive naming no known rule, … */
  readonly notes: readonly string[]
  /** How many files were linted. */
  readonly files: number
  /** The engine's rules that ran, and those skipped with why. */
  readonly rules: readonly LintRuleInfo[]
  readonly skippedRules: readonly { readonly id: string; readonly reason: string }[]
}

/** Lints the migration files of the targets, in skill and version order. */
export function lintTargets(targets: readonly LintTarget[], run: LintRun): LintResult {
  const findings: LintFinding[] = []
  const problems: GloriousMigrateError[] = []
  const notes: string[] = []
  let files = 0
  const rules = rulesOf(run.ruleSet.engine)
  const skippedRules =
    run.context.database === undefined
      ? rules
          .filter((rule) => rule.needsDatabase)
          .map((rule) => ({ id: rule.id, reason: 'needs the database (give --db or --url of one that exists)' }))
      : []
  const skipped = new Set(skippedRules.map((rule) => rule.id))
  for (const target of targets) {
    const folder = listMigrationFolder(target.dir, target.skill)
    const applied = new Set(
      run.rows.filter((row) => row.skill === target.skill && row.status === 'applied').map((row) => row.version),
    )
    for (const file of folder.files) {
      if (run.only === 'pending' && applied.has(file.version)) continue
      files++
      const result = lintFile(target.skill, file, run)
      if (result instanceof Error) problems.push(result)
      else {
        findings.push(...result.findings.filter((finding) => !skipped.has(finding.ruleId)))
        notes.push(...result.notes)
      }
    }
  }
  return {
    findings,
    problems,
    notes,
    files,
    rules: rules.filter((rule) => !skipped.has(rule.id)),
    skippedRules,
  }
}

function lintFile(
  skill: string,
  file: MigrationFileRef,
  run: LintRun,
): { findings: LintFinding[]; notes: string[] } | GloriousMigrateError {
  let text: string
  try {
    text = readMigrationSource(file.path, run.maxFileBytes, skill).text
  } catch (error) {
    if (error instanceof MigrationFileError) return error
    throw error
  }
  const split = run.ruleSet.split(text)
  if (!split.ok) return new SqlSyntaxError(file.filename, file.path, split.line, split.reason, skill)
  const directives = readDirectives(text, run.ruleSet.comments(text), split.statements)
  const lines = lineStarts(text)
  const directiveNotes = directives.named
    .filter((named) => !isKnownRule(named.id))
    .map(
      (named) =>
        `skill "${skill}", ${file.filename} line ${lineOf(lines, named.offset).line}: "glorious:allow ${named.id}" names no lint rule`,
    )
  const { hits, notes: ruleNotes = [] } = run.ruleSet.lintFile(
    { skill, filename: file.filename, text, statements: split.statements, noTransaction: hasNoTransactionMarker(text) },
    run.context,
  )
  const findings = hits
    .filter((hit) => !isAllowed(directives, hit.statement.index, hit.ruleId))
    .map((hit): LintFinding => {
      const statement = split.statements.find((candidate) => candidate.index === hit.statement.index)
      const offset = (statement?.offset ?? 0) + (hit.at ?? 0)
      const where = lineOf(lines, offset)
      return Object.freeze({
        ruleId: hit.ruleId,
        severity: run.strict ? 'error' : 'warning',
        skill,
        file: file.path,
        filename: file.filename,
        line: where.line,
        column: where.column,
        statementIndex: hit.statement.index,
        message: hit.message,
        hint: hit.hint,
      })
    })
    .sort((a, b) => a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : 1))
  return {
    findings,
    notes: [...directiveNotes, ...ruleNotes.map((note) => `skill "${skill}", ${file.filename}: ${note}`)],
  }
}

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

/** 1-based line and column (UTF-16 code units) of an offset. */
function lineOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if ((starts[mid] as number) <= offset) low = mid
    else high = mid - 1
  }
  return { line: low + 1, column: offset - (starts[low] as number) + 1 }
}

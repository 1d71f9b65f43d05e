import type { LintFinding, LintReport } from '../../lib/index.js'
import type { CliContext } from '../context.js'
import { type SafeText, line } from './safe.js'

/** One finding as one line: `file:line: rule-id: message — hint`. */
export function findingLine(ctx: CliContext, finding: LintFinding): SafeText {
  const rule = finding.severity === 'error' ? ctx.out.red(finding.ruleId) : ctx.out.yellow(finding.ruleId)
  return line`${ctx.shown(finding.file)}:${finding.line}: ${rule}: ${finding.message} — ${finding.hint}`
}

/** A finding in `--json` output. */
export function jsonFinding(finding: LintFinding): Record<string, unknown> {
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    skill: finding.skill,
    file: finding.file,
    filename: finding.filename,
    line: finding.line,
    column: finding.column,
    statementIndex: finding.statementIndex,
    message: finding.message,
    hint: finding.hint,
  }
}

/** How many findings of each rule, most frequent first: `{ "sqlite-drop-table": 2, … }`. */
export function countsByRule(findings: readonly LintFinding[]): Record<string, number> {
  const counts = new Map<string, number>()
  for (const finding of findings) counts.set(finding.ruleId, (counts.get(finding.ruleId) ?? 0) + 1)
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
}

/** The `meta` of a lint report in `--json` output: which rules ran and which did not, and why. */
export function jsonLintMeta(report: LintReport): Record<string, unknown> {
  return {
    engine: report.engine,
    rules: report.rules.map((rule) => rule.id),
    skippedRules: report.skippedRules,
    notes: report.notes,
  }
}

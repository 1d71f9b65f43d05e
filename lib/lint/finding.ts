import type { EngineName, SqlStatement } from '../dialects/dialect.js'

/**
 * How a finding counts: `warning` (the default: risky, the migration still runs) or `error`
 * (`strict`: CI fails on it).
 */
export type LintSeverity = 'warning' | 'error'

/** One risky statement: which rule, where, why it is risky and the safer way. */
export interface LintFinding {
  /** The rule's stable id (`sqlite-drop-table`, `pg-index-without-concurrently`, …): what `-- glorious:allow` names. */
  readonly ruleId: string
  readonly severity: LintSeverity
  readonly skill: string
  /** Absolute path of the migration file. */
  readonly file: string
  readonly filename: string
  /** 1-based line of what the finding points at (the statement, or the column inside it). */
  readonly line: number
  /** 1-based column (in UTF-16 code units, as JavaScript counts). */
  readonly column: number
  /** 1-based position of the statement in its file. */
  readonly statementIndex: number
  /** Why it is risky. */
  readonly message: string
  /** The safer way. */
  readonly hint: string
}

/** A rule as documented: its id, the engine it belongs to, and what it looks for. */
export interface LintRuleInfo {
  readonly id: string
  readonly engine: EngineName
  readonly summary: string
  /** Needs the database (`sqlite-rename-used-elsewhere`): skipped, and said so, without one. */
  readonly needsDatabase?: boolean
}

/** What a rule reports, before the directives and the file's facts are applied. */
export interface RuleHit {
  readonly ruleId: string
  readonly statement: SqlStatement
  /** Offset in the statement's text of what the hit points at (default: the statement's start). */
  readonly at?: number
  readonly message: string
  readonly hint: string
}

import type { DatabaseSession } from '../connection/session.js'
import type { EngineName, SqlStatement } from '../dialects/dialect.js'
import type { RuleHit } from './finding.js'

/** A statement with its offset in the file, so comments around it can be found. */
export interface LocatedStatement extends SqlStatement {
  readonly offset: number
}

/** A comment of a migration file (its text as written, `--` or `/*` included) and where it starts. */
export interface SqlComment {
  readonly offset: number
  readonly text: string
}

/** One migration file, split, as the rules see it. */
export interface LintFileInput {
  readonly skill: string
  readonly filename: string
  readonly text: string
  readonly statements: readonly LocatedStatement[]
  /** The file's first line is `-- glorious:no-transaction`. */
  readonly noTransaction: boolean
}

/** What the rules may know beyond the file. */
export interface LintContext {
  /**
   * The run's statement lock timeout (server databases), in milliseconds; 0 means the user
   * turned the toolkit's `lock_timeout` off.
   */
  readonly statementLockTimeoutMs: number
  /** What the rule set read from the database (see {@link LintRuleSet.readDatabase}), when there is one. */
  readonly database: unknown
}

/** Split text, or why it cannot be split. */
export type LintSplit =
  | { readonly ok: true; readonly statements: readonly LocatedStatement[] }
  | { readonly ok: false; readonly line: number; readonly reason: string }

/**
 * One engine's lint rules: how its files are split and where their comments are (the engine's
 * own splitter and lexer, so nothing is ever matched inside a string or a comment), and the
 * rules themselves.
 */
export interface LintRuleSet {
  readonly engine: EngineName
  split(text: string): LintSplit
  /** Every comment of the text, in order. */
  comments(text: string): readonly SqlComment[]
  /** Reads what the database-bound rules need; rules that need it are skipped without it. */
  readDatabase?(session: DatabaseSession): Promise<unknown>
  /** Prepares anything slow to load (a parser), once, before the first file. */
  load?(): Promise<void>
  lintFile(file: LintFileInput, context: LintContext): LintFileResult
}

/** What the rules found in one file, and notes on what they could not read. */
export interface LintFileResult {
  readonly hits: readonly RuleHit[]
  readonly notes?: readonly string[]
}

import type { LocatedStatement, SqlComment } from './rule-set.js'

/** The comment that silences lint rules: `-- glorious:allow <rule-id>[, <rule-id>…]`. */
export const ALLOW_DIRECTIVE = '-- glorious:allow'

const DIRECTIVE = /glorious:allow[ \t]+([A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*)/g

/** The rule ids a comment allows (none when it holds no directive). */
export function allowedIn(comment: string): string[] {
  const ids: string[] = []
  for (const match of comment.matchAll(DIRECTIVE)) ids.push(...(match[1] as string).split(/[ \t]*,[ \t]*/))
  return ids.map((id) => id.toLowerCase())
}

/** Where each allow directive of a file applies. */
export interface FileDirectives {
  /** Allowed for the whole file: directives before its first statement. */
  readonly file: ReadonlySet<string>
  /** Allowed for one statement (by index): directives just above it (after the previous one) or inside it. */
  readonly statements: ReadonlyMap<number, ReadonlySet<string>>
  /** Every id named, with the offset of its comment (to report unknown ones). */
  readonly named: readonly { readonly id: string; readonly offset: number }[]
}

/**
 * Reads a file's allow directives. A directive in the comments before the first statement
 * applies to the whole file; one inside a statement, or after it on the same line, applies to
 * that statement; one on a line of its own between two statements applies to the one after it.
 */
export function readDirectives(
  text: string,
  comments: readonly SqlComment[],
  statements: readonly LocatedStatement[],
): FileDirectives {
  const file = new Set<string>()
  const byStatement = new Map<number, Set<string>>()
  const named: { id: string; offset: number }[] = []
  const first = statements[0]
  for (const comment of comments) {
    const ids = allowedIn(comment.text)
    if (ids.length === 0) continue
    for (const id of ids) named.push({ id, offset: comment.offset })
    if (first === undefined || comment.offset < first.offset) {
      for (const id of ids) file.add(id)
      continue
    }
    // The statement the comment is in; or the one it trails on the same line (`DROP TABLE x; -- …`);
    // or the next one after it.
    const inside = statements.find((statement) => comment.offset < statement.offset + statement.sql.length)
    const before = [...statements]
      .reverse()
      .find((statement) => statement.offset + statement.sql.length <= comment.offset)
    const trailing =
      before !== undefined && !text.slice(before.offset + before.sql.length, comment.offset).includes('\n')
    const owner = trailing ? before : inside
    if (owner === undefined) continue // after the last statement, on a line of its own: applies to nothing
    const set = byStatement.get(owner.index) ?? new Set<string>()
    for (const id of ids) set.add(id)
    byStatement.set(owner.index, set)
  }
  return { file, statements: byStatement, named }
}

/** Whether a directive silences `ruleId` on the statement. */
export function isAllowed(directives: FileDirectives, statementIndex: number, ruleId: string): boolean {
  return directives.file.has(ruleId) || (directives.statements.get(statementIndex)?.has(ruleId) ?? false)
}

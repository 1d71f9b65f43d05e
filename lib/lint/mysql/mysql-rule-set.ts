import {
  TokenKind,
  type LexerState,
  identifierName,
  scanToken,
  significantTokens,
} from '../../dialects/mysql/mysql-lexer.js'
import type { SignificantToken } from '../../dialects/mysql/mysql-lexer.js'
import { splitMysqlStatements } from '../../dialects/mysql/mysql-splitter.js'
import { analyzeMysqlMigration } from '../../dialects/mysql/mysql-statement-rules.js'
import type { RuleHit } from '../finding.js'
import type { LintFileInput, LintRuleSet, LocatedStatement, SqlComment } from '../rule-set.js'

/** The MySQL/MariaDB lint rules (see `LINT_RULES` for the list). */
export const mysqlRuleSet: LintRuleSet = Object.freeze<LintRuleSet>({
  engine: 'mysql',
  split(text) {
    const split = splitMysqlStatements(text)
    if (split.problem) return { ok: false, line: split.problem.line, reason: split.problem.reason }
    return { ok: true, statements: split.statements }
  },
  comments: mysqlComments,
  lintFile(file) {
    const tokens = file.statements.map((statement) => significantTokens(statement.sql))
    return { hits: [...withoutAlgorithm(file, tokens), ...atomicity(file, tokens)] }
  },
})

/** Comments (`#`, `-- `, `/* *\/`, not the executable `/*! *\/` ones), read with the server's own token rules. */
function mysqlComments(text: string): SqlComment[] {
  const comments: SqlComment[] = []
  const state: LexerState = { kind: TokenKind.Space, inExecutableComment: false }
  for (let pos = 0; pos < text.length;) {
    const end = scanToken(text, pos, state)
    const c = text[pos]
    if (state.kind === TokenKind.Space && (c === '#' || c === '-' || c === '/'))
      comments.push({ offset: pos, text: text.slice(pos, end) })
    pos = end
  }
  return comments
}

type Change = { readonly clause: string; readonly algorithm: 'INSTANT' | 'INPLACE' }

/**
 * What each top-level clause of an ALTER TABLE asks for, and the algorithm that can do it
 * without copying the table (MariaDB 10.3+/MySQL 8.0: instant column and default changes,
 * in-place index builds).
 */
function clauseChange(words: readonly string[]): Change | undefined {
  const [first, second] = words
  const indexWords = new Set(['INDEX', 'KEY', 'UNIQUE', 'FULLTEXT', 'SPATIAL'])
  switch (first) {
    case 'ADD':
      if (second !== undefined && indexWords.has(second)) return { clause: `ADD ${second}`, algorithm: 'INPLACE' }
      if (second === 'CONSTRAINT' || second === 'PRIMARY' || second === 'FOREIGN' || second === 'CHECK')
        return undefined
      return { clause: 'ADD COLUMN', algorithm: 'INSTANT' }
    case 'DROP':
      if (second === 'INDEX' || second === 'KEY') return { clause: `DROP ${second}`, algorithm: 'INPLACE' }
      if (second === 'PRIMARY' || second === 'FOREIGN' || second === 'CONSTRAINT' || second === 'CHECK')
        return undefined
      return { clause: 'DROP COLUMN', algorithm: 'INSTANT' }
    case 'RENAME':
      if (second === 'COLUMN') return { clause: 'RENAME COLUMN', algorithm: 'INSTANT' }
      if (second === 'INDEX' || second === 'KEY') return { clause: `RENAME ${second}`, algorithm: 'INPLACE' }
      return undefined
    case 'ALTER':
      return { clause: 'ALTER COLUMN … DEFAULT', algorithm: 'INSTANT' }
    case 'MODIFY':
    case 'CHANGE':
      return { clause: first, algorithm: 'INPLACE' }
  }
  return undefined
}

/** Top-level clauses of a statement's tokens from `from` on, split at commas outside parentheses. */
function clauses(tokens: readonly SignificantToken[], from: number): string[][] {
  const result: string[][] = [[]]
  let depth = 0
  for (const token of tokens.slice(from)) {
    if (token.kind === TokenKind.Other && token.text === '(') depth++
    if (token.kind === TokenKind.Other && token.text === ')') depth--
    if (depth === 0 && token.kind === TokenKind.Other && token.text === ',') result.push([])
    else if (token.kind !== TokenKind.Semi) (result[result.length - 1] as string[]).push(token.upper)
  }
  return result.filter((clause) => clause.length > 0)
}

/** `name` or `db.name` at `at`: the table name and the index after it. */
function tableName(tokens: readonly SignificantToken[], at: number): { name: string; next: number } | undefined {
  const first = tokens[at]
  const name = first && identifierName(first)
  if (name === undefined) return undefined
  const second = tokens[at + 2]
  if (tokens[at + 1]?.text === '.' && second && identifierName(second) !== undefined)
    return { name: identifierName(second) as string, next: at + 3 }
  return { name, next: at + 1 }
}

function withoutAlgorithm(file: LintFileInput, tokens: readonly SignificantToken[][]): RuleHit[] {
  const hits: RuleHit[] = []
  const created = new Set<string>()
  file.statements.forEach((statement, i) => {
    const statementTokens = tokens[i] as SignificantToken[]
    const words = statementTokens.map((token) => token.upper)
    if (words[0] === 'CREATE') {
      let at = 1
      if (words[at] === 'OR' && words[at + 1] === 'REPLACE') at += 2
      if (words[at] === 'TEMPORARY') at++
      if (words[at] === 'TABLE') {
        at++
        if (words[at] === 'IF' && words[at + 1] === 'NOT' && words[at + 2] === 'EXISTS') at += 3
        const name = tableName(statementTokens, at)
        if (name) created.add(name.name.toLowerCase())
        return
      }
      // CREATE [ONLINE|OFFLINE] [UNIQUE|FULLTEXT|SPATIAL] INDEX name ON table …
      const index = words.indexOf('INDEX')
      const on = words.indexOf('ON')
      if (index < 0 || index > 3 || on < 0) return
      const table = tableName(statementTokens, on + 1)
      if (!table || created.has(table.name.toLowerCase()) || words.includes('ALGORITHM')) return
      hits.push(algorithmHit(statement, table.name, [{ clause: 'CREATE INDEX', algorithm: 'INPLACE' }]))
      return
    }
    if (words[0] !== 'ALTER') return
    let at = 1
    if (words[at] === 'ONLINE' || words[at] === 'IGNORE') at++
    if (words[at] !== 'TABLE') return
    at++
    if (words[at] === 'IF' && words[at + 1] === 'EXISTS') at += 2
    const table = tableName(statementTokens, at)
    if (!table || created.has(table.name.toLowerCase())) return
    const parts = clauses(statementTokens, table.next)
    if (parts.some((clause) => clause[0] === 'ALGORITHM')) return
    const changes = parts.map(clauseChange).filter((change) => change !== undefined)
    if (changes.length > 0) hits.push(algorithmHit(statement, table.name, changes))
  })
  return hits
}

function algorithmHit(statement: LocatedStatement, table: string, changes: readonly Change[]): RuleHit {
  // INSTANT only when every clause can be instant; else INPLACE (which covers instant changes too).
  const algorithm = changes.every((change) => change.algorithm === 'INSTANT') ? 'INSTANT' : 'INPLACE'
  const names = [...new Set(changes.map((change) => change.clause))].join(', ')
  return {
    ruleId: 'mysql-alter-without-algorithm',
    statement,
    message: `${names} on "${table}" without ALGORITHM: when the server cannot make the change ${algorithm === 'INSTANT' ? 'instantly' : 'in place'}, it silently copies the whole table, blocking writes to it until the copy ends`,
    hint: `add ALGORITHM=${algorithm}${algorithm === 'INPLACE' ? ', LOCK=NONE' : ''}: the server then refuses the change instead of copying the table (and you choose when to copy)`,
  }
}

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE'])

/**
 * Statements that commit implicitly (from the dialect's own list) make a migration
 * non-atomic: data changes mixed with them cannot be undone together, and commits other than
 * plain DDL (`LOCK TABLES`, `CALL`, account management, …) surprise.
 */
function atomicity(file: LintFileInput, tokens: readonly SignificantToken[][]): RuleHit[] {
  const analysis = analyzeMysqlMigration(file.statements, { noTransaction: file.noTransaction, reservedTables: [] })
  const hits: RuleHit[] = []
  const committing = analysis.statements.filter((statement) => statement.commitsImplicitly)
  if (committing.length > 0) {
    const dmlIndex = tokens.findIndex((statementTokens) => DML.has(statementTokens[0]?.upper ?? ''))
    const dml = file.statements[dmlIndex]
    if (dml !== undefined) {
      const count = tokens.filter((statementTokens) => DML.has(statementTokens[0]?.upper ?? '')).length
      hits.push({
        ruleId: 'mysql-dml-with-ddl',
        statement: dml,
        message: `changes data (${count} statement${count === 1 ? '' : 's'}) in a migration whose statement ${committing[0]?.statement.index} commits implicitly (${committing[0]?.commitReason}): the migration cannot be atomic, and a failure part way leaves the schema and the data half changed`,
        hint: 'put the data changes in a migration of their own (a file of only DML runs in one transaction)',
      })
    }
  }
  if (file.statements.length > 1) {
    for (const statement of committing) {
      if (statement.commitReason?.startsWith('DDL ')) continue
      hits.push({
        ruleId: 'mysql-implicit-commit',
        statement: statement.statement as LocatedStatement,
        message: `commits implicitly: ${statement.commitReason}; the statements before it are committed whatever happens after`,
        hint: 'move it to a migration of its own, or make sure the statements around it can be re-run',
      })
    }
  }
  return hits
}

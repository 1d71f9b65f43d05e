import { PgTokenKind, scanPostgresToken } from '../../dialects/postgres/postgres-lexer.js'
import { splitPostgresStatements } from '../../dialects/postgres/postgres-splitter.js'
import { classifyPostgresStatement } from '../../dialects/postgres/postgres-statement-rules.js'
import type { RuleHit } from '../finding.js'
import type { LintContext, LintFileInput, LintRuleSet, SqlComment } from '../rule-set.js'
import { type PgNode, charOffset, loadPgParser, parsePgStatement } from './pg-parser.js'

/** The PostgreSQL lint rules (the squawk/eugene class; see `LINT_RULES`), read from PostgreSQL's own parse tree. */
export const postgresRuleSet: LintRuleSet = Object.freeze<LintRuleSet>({
  engine: 'postgres',
  split(text) {
    const split = splitPostgresStatements(text)
    if (split.problem) return { ok: false, line: split.problem.line, reason: split.problem.reason }
    return { ok: true, statements: split.statements }
  },
  comments: postgresComments,
  load: loadPgParser,
  lintFile: lintPostgresFile,
})

function postgresComments(text: string): SqlComment[] {
  const comments: SqlComment[] = []
  const out = { kind: PgTokenKind.Space }
  for (let pos = 0; pos < text.length;) {
    const end = scanPostgresToken(text, pos, out)
    if (out.kind === PgTokenKind.Comment) comments.push({ offset: pos, text: text.slice(pos, end) })
    pos = end
  }
  return comments
}

/** What the rules know about the file up to the current statement. */
interface FileState {
  /** Tables created earlier in the file (new and empty: nothing else can be using them). */
  readonly created: Set<string>
  /** A `BEGIN`/`START TRANSACTION` came earlier in the file. */
  inTransactionBlock: boolean
  /** A `SET lock_timeout` to a non-zero value came earlier in the file. */
  lockTimeoutSet: boolean
}

function lintPostgresFile(file: LintFileInput, context: LintContext): { hits: RuleHit[]; notes: string[] } {
  const hits: RuleHit[] = []
  const notes: string[] = []
  const state: FileState = { created: new Set(), inTransactionBlock: false, lockTimeoutSet: false }
  const classes = file.statements.map((statement) => classifyPostgresStatement(statement))
  const mixed = classes.some((klass) => klass.kind === 'transactional')
  for (const statement of file.statements) {
    const parsed = parsePgStatement(statement.sql)
    if ('error' in parsed) {
      notes.push(
        `statement ${statement.index} (line ${statement.line}) not linted: PostgreSQL 15's parser says "${parsed.error}"`,
      )
      continue
    }
    if (parsed.node === undefined) continue
    const klass = classes[statement.index - 1]
    const add = (ruleId: string, location: number | undefined, message: string, hint: string): void => {
      hits.push({ ruleId, statement, at: charOffset(statement.sql, location) ?? 0, message, hint })
    }
    if (klass?.kind === 'non-transactional' && /CONCURRENTLY/.test(klass.label ?? '')) {
      if (state.inTransactionBlock || (mixed && !file.noTransaction)) {
        add(
          'pg-concurrently-in-transaction',
          undefined,
          `${klass.label} cannot run inside a transaction block, and this file ${state.inTransactionBlock ? 'opens one with BEGIN before it' : 'mixes it with statements that run in a transaction'}: PostgreSQL refuses it`,
          'put it in a migration file of its own (the toolkit runs a file of only such statements outside a transaction)',
        )
      }
    }
    lintStatement(parsed.node, state, add)
    const lock = strongLock(parsed.node, state)
    if (lock !== undefined && context.statementLockTimeoutMs === 0 && !state.lockTimeoutSet) {
      add(
        'pg-lock-without-timeout',
        lock.location,
        `takes ${lock.mode} lock on "${lock.table}" with no lock_timeout (the toolkit's statement lock timeout is off): while it waits behind a long transaction, every query on "${lock.table}" queues behind it`,
        `start the migration with SET lock_timeout = '5s' (and retry on timeout), or run with --statement-lock-timeout above 0 (default 5000)`,
      )
    }
    track(parsed.node, state)
  }
  return { hits, notes }
}

type Add = (ruleId: string, location: number | undefined, message: string, hint: string) => void

function lintStatement(node: PgNode, state: FileState, add: Add): void {
  if (node.IndexStmt) {
    const index = node.IndexStmt
    const table = index.relation?.relname as string | undefined
    if (!index.concurrent && table !== undefined && !state.created.has(table)) {
      add(
        'pg-index-without-concurrently',
        index.relation?.location,
        `CREATE INDEX on existing table "${table}" without CONCURRENTLY: holds a SHARE lock on it for the whole build, blocking every INSERT, UPDATE and DELETE`,
        'use CREATE INDEX CONCURRENTLY in a migration file of its own (the toolkit runs such a file outside a transaction); if it fails, drop the INVALID index it leaves before retrying',
      )
    }
  } else if (node.AlterTableStmt) {
    alterTable(node.AlterTableStmt, state, add)
  } else if (node.CreateStmt) {
    const create = node.CreateStmt
    const elements: PgNode[] = create.tableElts ?? []
    const tablePrimaryKeys = elements
      .filter((element) => element.Constraint?.contype === 'CONSTR_PRIMARY')
      .map((element) => (element.Constraint.keys ?? []).map((key: PgNode) => key.String?.sval as string))
    for (const element of elements) {
      const column = element.ColumnDef
      if (!column) continue
      const primaryKey =
        (column.constraints ?? []).some((c: PgNode) => c.Constraint?.contype === 'CONSTR_PRIMARY') ||
        tablePrimaryKeys.some((keys: string[]) => keys.length === 1 && keys[0] === column.colname)
      columnChecks(column, create.relation?.relname, primaryKey, add)
    }
  } else if (node.RenameStmt) {
    const rename = node.RenameStmt
    const table = rename.relation?.relname as string | undefined
    if (table === undefined || state.created.has(table)) return
    if (rename.renameType === 'OBJECT_TABLE' || rename.renameType === 'OBJECT_COLUMN') {
      const what = rename.renameType === 'OBJECT_TABLE' ? `table "${table}"` : `column "${table}"."${rename.subname}"`
      add(
        'pg-rename',
        rename.relation?.location,
        `renames ${what} to "${rename.newname}": application code still using the old name fails from the moment this commits`,
        'add the new name beside the old one (a view, or a new column kept in sync), move the code over, and drop the old name in a later release',
      )
    }
  } else if (node.DropStmt) {
    const drop = node.DropStmt
    if (drop.removeType !== 'OBJECT_TABLE') return
    for (const object of drop.objects ?? []) {
      const parts: string[] = (object.List?.items ?? []).map((item: PgNode) => item.String?.sval as string)
      const table = parts[parts.length - 1]
      if (table === undefined || state.created.has(table)) continue
      add(
        'pg-drop',
        undefined,
        `drops table "${parts.join('.')}" and all its rows; code still using it fails`,
        'make sure nothing reads it any more and the data is not needed (or copied elsewhere), then allow it',
      )
    }
  }
}

function alterTable(alter: PgNode, state: FileState, add: Add): void {
  const table = alter.relation?.relname as string | undefined
  if (table === undefined || alter.objtype !== 'OBJECT_TABLE') return
  const existing = !state.created.has(table)
  for (const item of alter.cmds ?? []) {
    const cmd = item.AlterTableCmd
    if (!cmd) continue
    switch (cmd.subtype) {
      case 'AT_AddConstraint': {
        const constraint = cmd.def?.Constraint
        const kind =
          constraint?.contype === 'CONSTR_FOREIGN'
            ? 'FOREIGN KEY'
            : constraint?.contype === 'CONSTR_CHECK'
              ? 'CHECK'
              : undefined
        if (kind === undefined || constraint.skip_validation || !existing) break
        add(
          'pg-constraint-without-not-valid',
          constraint.location,
          kind === 'FOREIGN KEY'
            ? `adds a FOREIGN KEY to "${table}" without NOT VALID: checks every row while holding SHARE ROW EXCLUSIVE locks on "${table}" and on "${constraint.pktable?.relname}", blocking their writes`
            : `adds a CHECK constraint to "${table}" without NOT VALID: checks every row under an ACCESS EXCLUSIVE lock, blocking reads and writes`,
          `add it with NOT VALID, then ALTER TABLE "${table}" VALIDATE CONSTRAINT … in a later migration (validation takes only a SHARE UPDATE EXCLUSIVE lock)`,
        )
        break
      }
      case 'AT_AddColumn': {
        const column = cmd.def?.ColumnDef
        if (!column) break
        const primaryKey = (column.constraints ?? []).some((c: PgNode) => c.Constraint?.contype === 'CONSTR_PRIMARY')
        columnChecks(column, table, primaryKey, add)
        if (!existing) break
        const volatile = volatileDefault(column)
        if (volatile !== undefined) {
          add(
            'pg-volatile-default',
            column.location,
            `adds column "${column.colname}" with a volatile default (${volatile}): PostgreSQL computes it for every row, rewriting "${table}" under an ACCESS EXCLUSIVE lock`,
            'add the column without a default (or with a constant one), set the default with ALTER COLUMN … SET DEFAULT, and fill existing rows in batches',
          )
        }
        break
      }
      case 'AT_AlterColumnType': {
        const column = cmd.def?.ColumnDef
        if (column && isTimestamp(column.typeName)) timestampHit(table, cmd.name, column.typeName?.location, add)
        if (!existing) break
        add(
          'pg-alter-column-type',
          column?.location,
          `changes the type of "${table}"."${cmd.name}": unless the new type is binary-compatible (varchar(n) to a longer varchar or text), PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock`,
          'add a column of the new type, fill it in batches (and keep it in sync with a trigger), then switch over and drop the old column',
        )
        break
      }
      case 'AT_SetNotNull':
        if (!existing) break
        add(
          'pg-set-not-null',
          undefined,
          `sets "${table}"."${cmd.name}" NOT NULL: PostgreSQL scans every row under an ACCESS EXCLUSIVE lock to check it`,
          `add CHECK ("${cmd.name}" IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL (PostgreSQL 12+ skips the scan when a valid CHECK proves it) and drop the CHECK`,
        )
        break
      case 'AT_DropColumn':
        if (!existing) break
        add(
          'pg-drop',
          undefined,
          `drops column "${table}"."${cmd.name}" and its data; code still using it fails`,
          'stop using the column first and drop it in a later release',
        )
        break
    }
  }
}

const INT_TYPES = new Set(['int4', 'int2', 'serial', 'serial4', 'smallserial', 'serial2', 'int', 'integer', 'smallint'])

function columnChecks(column: PgNode, table: string | undefined, primaryKey: boolean, add: Add): void {
  const type = typeNameOf(column.typeName)
  if (primaryKey && type !== undefined && INT_TYPES.has(type)) {
    add(
      'pg-int-primary-key',
      column.location,
      `primary key "${table}"."${column.colname}" is ${type}: it runs out at ${type.includes('2') || type.startsWith('small') ? '32 767' : '2 147 483 647'} rows, and widening it later rewrites the table and every foreign key to it`,
      'use bigint (bigint GENERATED ALWAYS AS IDENTITY, or bigserial)',
    )
  }
  if (isTimestamp(column.typeName)) timestampHit(table, column.colname, column.typeName?.location, add)
}

function timestampHit(table: string | undefined, column: string, location: number | undefined, add: Add): void {
  add(
    'pg-timestamp-without-time-zone',
    location,
    `"${table}"."${column}" is timestamp without time zone: it stores wall-clock times with no zone, so values from clients in other zones (or across DST changes) cannot be compared`,
    "use timestamptz (timestamp with time zone): it stores an instant and converts to each session's zone",
  )
}

function typeNameOf(typeName: PgNode | undefined): string | undefined {
  const names: PgNode[] = typeName?.names ?? []
  return names[names.length - 1]?.String?.sval
}

function isTimestamp(typeName: PgNode | undefined): boolean {
  return typeNameOf(typeName) === 'timestamp'
}

/** Functions PostgreSQL marks VOLATILE that appear in defaults. now() and CURRENT_TIMESTAMP are STABLE: no rewrite. */
const VOLATILE = new Set([
  'random',
  'clock_timestamp',
  'timeofday',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'nextval',
  'setseed',
])

/** The volatile function a column's default calls (serial types call nextval), if any. */
function volatileDefault(column: PgNode): string | undefined {
  const type = typeNameOf(column.typeName)
  if (type !== undefined && /serial/.test(type)) return `${type}, whose default is nextval()`
  for (const c of column.constraints ?? []) {
    if (c.Constraint?.contype !== 'CONSTR_DEFAULT') continue
    const found = findFunction(c.Constraint.raw_expr)
    if (found !== undefined) return `${found}()`
  }
  return undefined
}

function findFunction(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findFunction(item)
      if (found !== undefined) return found
    }
    return undefined
  }
  const record = node as PgNode
  if (record.FuncCall) {
    const names: PgNode[] = record.FuncCall.funcname ?? []
    const name = names[names.length - 1]?.String?.sval as string | undefined
    if (name !== undefined && VOLATILE.has(name)) return name
  }
  for (const value of Object.values(record)) {
    const found = findFunction(value)
    if (found !== undefined) return found
  }
  return undefined
}

/** The strong lock a statement takes on an existing table, if any. */
function strongLock(
  node: PgNode,
  state: FileState,
): { mode: string; table: string; location: number | undefined } | undefined {
  const existing = (relation: PgNode | undefined): string | undefined => {
    const name = relation?.relname as string | undefined
    return name !== undefined && !state.created.has(name) ? name : undefined
  }
  if (node.AlterTableStmt) {
    const table = existing(node.AlterTableStmt.relation)
    if (table) return { mode: 'an ACCESS EXCLUSIVE', table, location: node.AlterTableStmt.relation.location }
  }
  if (node.IndexStmt && !node.IndexStmt.concurrent) {
    const table = existing(node.IndexStmt.relation)
    if (table) return { mode: 'a SHARE', table, location: node.IndexStmt.relation.location }
  }
  if (node.RenameStmt) {
    const table = existing(node.RenameStmt.relation)
    if (table) return { mode: 'an ACCESS EXCLUSIVE', table, location: node.RenameStmt.relation.location }
  }
  if (node.DropStmt?.removeType === 'OBJECT_TABLE') {
    const items: PgNode[] = node.DropStmt.objects?.[0]?.List?.items ?? []
    const table = items[items.length - 1]?.String?.sval as string | undefined
    if (table && !state.created.has(table)) return { mode: 'an ACCESS EXCLUSIVE', table, location: undefined }
  }
  if (node.TruncateStmt) {
    const table = existing(node.TruncateStmt.relations?.[0]?.RangeVar)
    if (table) return { mode: 'an ACCESS EXCLUSIVE', table, location: undefined }
  }
  return undefined
}

/** Updates what is known about the file after a statement. */
function track(node: PgNode, state: FileState): void {
  if (node.CreateStmt?.relation?.relname) state.created.add(node.CreateStmt.relation.relname)
  if (node.CreateTableAsStmt?.into?.rel?.relname) state.created.add(node.CreateTableAsStmt.into.rel.relname)
  const transaction = node.TransactionStmt?.kind
  if (transaction === 'TRANS_STMT_BEGIN' || transaction === 'TRANS_STMT_START') state.inTransactionBlock = true
  if (transaction === 'TRANS_STMT_COMMIT' || transaction === 'TRANS_STMT_ROLLBACK') state.inTransactionBlock = false
  const set = node.VariableSetStmt
  if (set?.name === 'lock_timeout') {
    const value = set.args?.[0]?.A_Const
    const zero = value === undefined || (value.ival !== undefined && !value.ival.ival) || value.sval?.sval === '0'
    state.lockTimeoutSet = set.kind === 'VAR_SET_VALUE' && !zero
  }
}

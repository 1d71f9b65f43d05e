/**
 * PostgreSQL's table lock levels, and the lock each statement takes on which table, read from the
 * statement's parse tree (libpg-query's JSON). Sources: PostgreSQL 15 documentation, "Explicit
 * Locking" (13.3.1) and the lock notes of ALTER TABLE; checked against `pg_locks` on a 15 server
 * (test/engines/plan-trace.test.ts). Only objects that exist before the statement are listed: the
 * lock on a table the statement creates blocks nobody.
 */

/** PostgreSQL's table lock modes, weakest first. */
export const PG_LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const

export type PgLockMode = (typeof PG_LOCK_MODES)[number]

/** What each mode makes other sessions wait for (from the conflict table, 13.3.1 Table 13.2). */
const BLOCKS: Readonly<Record<PgLockMode, (on: string) => string>> = {
  'ACCESS SHARE': (on) => `blocks only ACCESS EXCLUSIVE (most ALTER TABLE, DROP, TRUNCATE) on ${on}`,
  'ROW SHARE': (on) => `blocks only EXCLUSIVE and ACCESS EXCLUSIVE on ${on}; reads and writes continue`,
  'ROW EXCLUSIVE': (on) => `blocks CREATE INDEX and ALTER TABLE on ${on}; reads and writes continue`,
  'SHARE UPDATE EXCLUSIVE': (on) => `blocks ALTER TABLE, CREATE INDEX and VACUUM on ${on}; reads and writes continue`,
  SHARE: (on) => `blocks writes on ${on}`,
  'SHARE ROW EXCLUSIVE': (on) => `blocks writes on ${on}`,
  EXCLUSIVE: (on) => `blocks writes on ${on}`,
  'ACCESS EXCLUSIVE': (on) => `blocks reads and writes on ${on}`,
}

export function blocksText(mode: PgLockMode, on: string): string {
  return BLOCKS[mode](on)
}

export function strongerMode(a: PgLockMode, b: PgLockMode): PgLockMode {
  return PG_LOCK_MODES.indexOf(a) >= PG_LOCK_MODES.indexOf(b) ? a : b
}

/** One table lock a statement takes. */
export interface PgTableLock {
  readonly mode: PgLockMode
  /** The relation as written (`notes`, `app.notes`); for `indexTable`, the index's name. */
  readonly relation: string
  /** The lock is on the table of the index named `relation` (DROP INDEX, REINDEX INDEX). */
  readonly indexTable?: boolean
}

export interface PgStatementLocks {
  /** The strongest lock per relation, in the order the statement names them. */
  readonly locks: readonly PgTableLock[]
  /** What the list leaves out (locks only the catalog can tell), when anything. */
  readonly note: string | undefined
}

type Node = Record<string, any>

/** ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (tablecmds.c AlterTableGetLockLevel). */
const ALTER_TABLE_LEVELS: Readonly<Record<string, PgLockMode>> = {
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_SetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_DetachPartitionFinalize: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableAlwaysTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableReplicaTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
}

/** Storage parameters whose change needs ACCESS EXCLUSIVE; the others take SHARE UPDATE EXCLUSIVE (reloptions.c). */
const EXCLUSIVE_RELOPTIONS = new Set(['user_catalog_table', 'security_barrier', 'security_invoker', 'check_option'])

/** `LOCK TABLE … IN … MODE`: the parse tree numbers the modes 1 (ACCESS SHARE) to 8. */
const LOCK_STMT_MODES: readonly PgLockMode[] = PG_LOCK_MODES

const RELATION_DROPS = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_SEQUENCE',
])

/** Statements that take no lock on any table. */
const NO_TABLE_LOCK = new Set([
  'VariableSetStmt',
  'VariableShowStmt',
  'GrantStmt',
  'GrantRoleStmt',
  'CreateSchemaStmt',
  'CreateExtensionStmt',
  'CreateFunctionStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'CreateSeqStmt',
  'DefineStmt',
  'CreateRangeStmt',
  'TransactionStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterDefaultPrivilegesStmt',
])

/** Statements that run code: their locks cannot be read from the text. */
const RUNS_CODE = new Set(['DoStmt', 'CallStmt', 'ExecuteStmt'])

/**
 * The table locks one parsed statement takes (`stmt` is one entry of libpg-query's `stmts[].stmt`).
 */
export function postgresStatementLocks(stmt: Node): PgStatementLocks {
  const collector = new LockCollector()
  const [type, node] = (Object.entries(stmt)[0] ?? ['', {}]) as [string, Node]
  const note = describe(type, node, collector)
  return Object.freeze({ locks: collector.result(), note })
}

class LockCollector {
  private readonly locks = new Map<string, PgTableLock>()

  add(mode: PgLockMode, relation: string, indexTable = false): void {
    const key = `${indexTable ? 'index:' : ''}${relation}`
    const known = this.locks.get(key)
    this.locks.set(key, { mode: known ? strongerMode(known.mode, mode) : mode, relation, indexTable })
  }

  /** ACCESS SHARE on every table a query reads (its FROM items, subqueries included; CTE names left out). */
  reads(node: unknown): void {
    const ctes = new Set<string>()
    walk(node, (key, value) => {
      if (key === 'CommonTableExpr' && typeof value.ctename === 'string') ctes.add(value.ctename)
    })
    walk(node, (key, value) => {
      if (key !== 'RangeVar') return
      if (value.schemaname === undefined && ctes.has(value.relname)) return
      this.add('ACCESS SHARE', rangeVarName(value))
    })
  }

  result(): readonly PgTableLock[] {
    return Object.freeze([...this.locks.values()].map((lock) => Object.freeze(lock)))
  }
}

function describe(type: string, node: Node, locks: LockCollector): string | undefined {
  switch (type) {
    case 'AlterTableStmt':
      return alterTable(node, locks)
    case 'RenameStmt':
      return rename(node, locks)
    case 'AlterObjectSchemaStmt':
      if (node.relation) locks.add('ACCESS EXCLUSIVE', rangeVarName(node.relation))
      return undefined
    case 'IndexStmt':
      locks.add(node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', rangeVarName(node.relation))
      return undefined
    case 'CreateStmt':
      return createTable(node, locks)
    case 'CreateTableAsStmt':
      locks.reads(node.query)
      return undefined
    case 'ViewStmt':
      if (node.replace) locks.add('ACCESS EXCLUSIVE', rangeVarName(node.view))
      locks.reads(node.query)
      return undefined
    case 'RefreshMatViewStmt':
      locks.add(node.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', rangeVarName(node.relation))
      return 'and ACCESS SHARE on the tables the view reads'
    case 'DropStmt':
      return drop(node, locks)
    case 'TruncateStmt':
      for (const relation of list(node.relations)) locks.add('ACCESS EXCLUSIVE', rangeVarName(relation.RangeVar))
      return node.behavior === 'DROP_CASCADE' ? 'and every table that references them (CASCADE)' : undefined
    case 'VacuumStmt':
      return vacuum(node, locks)
    case 'ClusterStmt':
      if (!node.relation) return 'ACCESS EXCLUSIVE on every table clustered before, one at a time'
      locks.add('ACCESS EXCLUSIVE', rangeVarName(node.relation))
      return undefined
    case 'ReindexStmt':
      return reindex(node, locks)
    case 'CreateTrigStmt':
      locks.add('SHARE ROW EXCLUSIVE', rangeVarName(node.relation))
      if (node.constrrel) locks.add('SHARE ROW EXCLUSIVE', rangeVarName(node.constrrel))
      return undefined
    case 'RuleStmt':
      locks.add('ACCESS EXCLUSIVE', rangeVarName(node.relation))
      return undefined
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      locks.add('ACCESS EXCLUSIVE', rangeVarName(node.table))
      return undefined
    case 'CommentStmt':
      return comment(node, locks)
    case 'CreateStatsStmt':
      for (const relation of list(node.relations)) locks.add('SHARE UPDATE EXCLUSIVE', rangeVarName(relation.RangeVar))
      return undefined
    case 'LockStmt': {
      const mode = LOCK_STMT_MODES[(node.mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE'
      for (const relation of list(node.relations)) locks.add(mode, rangeVarName(relation.RangeVar))
      return undefined
    }
    case 'InsertStmt':
      locks.add('ROW EXCLUSIVE', rangeVarName(node.relation))
      locks.reads(node.selectStmt)
      locks.reads(node.withClause)
      return 'and ROW SHARE on the tables its foreign keys reference'
    case 'UpdateStmt':
    case 'DeleteStmt':
      locks.add('ROW EXCLUSIVE', rangeVarName(node.relation))
      locks.reads([node.fromClause, node.usingClause, node.whereClause, node.withClause, node.targetList])
      return type === 'UpdateStmt'
        ? 'and ROW SHARE on the tables its foreign keys reference'
        : 'and the tables whose foreign keys reference it (ON DELETE actions)'
    case 'MergeStmt':
      locks.add('ROW EXCLUSIVE', rangeVarName(node.relation))
      locks.reads([node.sourceRelation, node.joinCondition, node.withClause])
      return undefined
    case 'SelectStmt':
      return select(node, locks)
    default:
      if (NO_TABLE_LOCK.has(type)) return undefined
      if (RUNS_CODE.has(type)) return 'runs code: its locks cannot be read from the statement'
      return `locks not known for ${type.replace(/Stmt$/, '')} statements`
  }
}

function alterTable(node: Node, locks: LockCollector): string | undefined {
  const cmds: Node[] = list(node.cmds).map((item) => item.AlterTableCmd ?? {})
  // The whole statement takes the strongest of its subcommands' levels; the table comes first.
  locks.add(
    cmds.reduce<PgLockMode>((mode, cmd) => strongerMode(mode, alterTableCmdLevel(cmd)), 'ACCESS SHARE'),
    rangeVarName(node.relation),
  )
  const notes: string[] = []
  for (const cmd of cmds) {
    const constraint: Node | undefined = cmd.def?.Constraint
    // A foreign key puts triggers on the referenced table too: SHARE ROW EXCLUSIVE there.
    if (constraint?.contype === 'CONSTR_FOREIGN') locks.add('SHARE ROW EXCLUSIVE', rangeVarName(constraint.pktable))
    for (const column of list(cmd.def?.ColumnDef?.constraints))
      if (column.Constraint?.contype === 'CONSTR_FOREIGN')
        locks.add('SHARE ROW EXCLUSIVE', rangeVarName(column.Constraint.pktable))
    const partition: Node | undefined = cmd.def?.PartitionCmd?.name
    if (cmd.subtype === 'AT_AttachPartition' && partition) locks.add('ACCESS EXCLUSIVE', rangeVarName(partition))
    if (cmd.subtype === 'AT_DetachPartition' && partition)
      locks.add(
        cmd.def.PartitionCmd.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
        rangeVarName(partition),
      )
    if (cmd.subtype === 'AT_AddInherit' && cmd.def?.RangeVar)
      locks.add('SHARE UPDATE EXCLUSIVE', rangeVarName(cmd.def.RangeVar))
    if (cmd.subtype === 'AT_ValidateConstraint')
      notes.push('and ROW SHARE on the referenced table if the constraint is a foreign key')
    if (cmd.subtype === 'AT_DropConstraint')
      notes.push('and ACCESS EXCLUSIVE on the referenced table if the constraint is a foreign key')
  }
  return notes.length > 0 ? notes.join('; ') : undefined
}

function alterTableCmdLevel(cmd: Node): PgLockMode {
  const fixed = ALTER_TABLE_LEVELS[cmd.subtype]
  if (fixed) return fixed
  switch (cmd.subtype) {
    case 'AT_AddConstraint':
      return cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE'
    case 'AT_DetachPartition':
      return cmd.def?.PartitionCmd?.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE'
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
      return list(cmd.def).some((option) => EXCLUSIVE_RELOPTIONS.has(option.DefElem?.defname))
        ? 'ACCESS EXCLUSIVE'
        : 'SHARE UPDATE EXCLUSIVE'
    default:
      return 'ACCESS EXCLUSIVE'
  }
}

function rename(node: Node, locks: LockCollector): string | undefined {
  if (!node.relation) return undefined // schemas, types, functions: no table lock
  // Renaming an index needs only SHARE UPDATE EXCLUSIVE (PostgreSQL 12 and later).
  locks.add(
    node.renameType === 'OBJECT_INDEX' ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
    rangeVarName(node.relation),
  )
  return undefined
}

function createTable(node: Node, locks: LockCollector): string | undefined {
  const partitionOf = node.partbound !== undefined
  for (const parent of list(node.inhRelations))
    // PARTITION OF locks the parent out entirely; INHERITS only against concurrent schema changes.
    locks.add(partitionOf ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', rangeVarName(parent.RangeVar))
  for (const element of list(node.tableElts)) {
    const constraints = element.ColumnDef ? list(element.ColumnDef.constraints) : [element]
    for (const constraint of constraints)
      if (constraint.Constraint?.contype === 'CONSTR_FOREIGN')
        locks.add('SHARE ROW EXCLUSIVE', rangeVarName(constraint.Constraint.pktable))
    if (element.TableLikeClause) locks.add('ACCESS SHARE', rangeVarName(element.TableLikeClause.relation))
  }
  return undefined
}

function drop(node: Node, locks: LockCollector): string | undefined {
  const names = list(node.objects).map((object) => list(object.List?.items).map((item) => item.String?.sval ?? ''))
  const cascade = node.behavior === 'DROP_CASCADE' ? 'and everything CASCADE drops' : undefined
  switch (node.removeType) {
    case 'OBJECT_INDEX':
      for (const name of names)
        locks.add(node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', name.join('.'), true)
      return cascade
    case 'OBJECT_TRIGGER':
    case 'OBJECT_RULE':
    case 'OBJECT_POLICY':
      // The last name is the trigger's, the ones before it its table's.
      for (const name of names) locks.add('ACCESS EXCLUSIVE', name.slice(0, -1).join('.'))
      return undefined
    default:
      if (!RELATION_DROPS.has(node.removeType)) return cascade
      for (const name of names) locks.add('ACCESS EXCLUSIVE', name.join('.'))
      return node.removeType === 'OBJECT_TABLE'
        ? ['and ACCESS EXCLUSIVE on the tables its foreign keys reference', cascade].filter(Boolean).join('; ')
        : cascade
  }
}

function vacuum(node: Node, locks: LockCollector): string | undefined {
  const options = new Set(list(node.options).map((option) => option.DefElem?.defname))
  const mode: PgLockMode = node.is_vacuumcmd && options.has('full') ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE'
  const relations = list(node.rels)
  if (relations.length === 0) return `${mode} on every table of the database, one at a time`
  for (const relation of relations) locks.add(mode, rangeVarName(relation.VacuumRelation?.relation))
  return undefined
}

function reindex(node: Node, locks: LockCollector): string | undefined {
  const concurrently = list(node.params).some((param) => param.DefElem?.defname === 'concurrently')
  const name = rangeVarName(node.relation)
  if (node.kind === 'REINDEX_OBJECT_INDEX') {
    // The index is rebuilt under ACCESS EXCLUSIVE; its table allows reads (SHARE).
    locks.add(concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', name, true)
    if (!concurrently) locks.add('ACCESS EXCLUSIVE', name)
    return undefined
  }
  if (node.kind === 'REINDEX_OBJECT_TABLE') {
    locks.add(concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', name)
    return concurrently ? undefined : 'and ACCESS EXCLUSIVE on each of its indexes (queries using them wait)'
  }
  return 'every table of the schema or database, one at a time'
}

function comment(node: Node, locks: LockCollector): string | undefined {
  const names = list(node.object?.List?.items).map((item) => item.String?.sval ?? '')
  switch (node.objtype) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_INDEX':
    case 'OBJECT_FOREIGN_TABLE':
      locks.add('SHARE UPDATE EXCLUSIVE', names.join('.'))
      return undefined
    case 'OBJECT_COLUMN':
      locks.add('SHARE UPDATE EXCLUSIVE', names.slice(0, -1).join('.'))
      return undefined
    default:
      return undefined
  }
}

function select(node: Node, locks: LockCollector): string | undefined {
  const locking = list(node.lockingClause)
  locks.reads(node)
  if (locking.length > 0) {
    // FOR UPDATE / FOR SHARE: ROW SHARE on the tables it locks rows of (all of them, when no OF list).
    const named = locking.flatMap((clause) => list(clause.LockingClause?.lockedRels))
    const targets = named.length > 0 ? named.map((relation) => rangeVarName(relation.RangeVar)) : undefined
    for (const lock of locks.result())
      if (!targets || targets.includes(lock.relation)) locks.add('ROW SHARE', lock.relation)
  }
  return undefined
}

function rangeVarName(rangeVar: Node | undefined): string {
  if (!rangeVar) return '?'
  return [rangeVar.catalogname, rangeVar.schemaname, rangeVar.relname].filter((part) => part !== undefined).join('.')
}

function list(value: unknown): Node[] {
  return Array.isArray(value) ? (value as Node[]) : []
}

/** Calls `visit` for every keyed node under `node` (`{ RangeVar: {…} }` gives `('RangeVar', {…})`). */
function walk(node: unknown, visit: (key: string, value: Node) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit)
    return
  }
  if (node === null || typeof node !== 'object') return
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) visit(key, value as Node)
    walk(value, visit)
  }
}

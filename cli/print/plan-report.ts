import type { DryRunMigration, DryRunPlan, PlannedLock } from '../../lib/index.js'
import type { CliContext } from '../context.js'
import { SafeText, line } from './safe.js'
import { type Cell, plainTable } from './table.js'

/**
 * The plan of each migration a run would apply: how it runs (the runner's strategy, atomic or
 * not), then its statements with their line, first line, and the locks they take and what those
 * block; then the locks of the whole run and notes about locks, each once.
 */
export function printMigrationPlans(ctx: CliContext, plan: DryRunPlan): void {
  for (const migration of plan.migrations) {
    ctx.print()
    ctx.print(line`${migration.skill} ${migration.filename} (${migration.strategy}): ${migration.transaction}`)
    if (migration.steps.length > 0) ctx.print(new SafeText(indent(statementTable(migration).text)))
  }
  if (plan.migrations.length > 0 && plan.runLocks.length + plan.lockNotes.length > 0) ctx.print()
  for (const lock of plan.runLocks) ctx.print(line`Lock for the run: ${describeLock(lock)}`)
  for (const note of plan.lockNotes) ctx.print(line`Note: ${note}`)
}

function statementTable(migration: DryRunMigration) {
  const commits = migration.steps.some((step) => step.commitsImplicitly === true)
  // SQLite's statements take no lock of their own (the run holds the database's): no empty column.
  const anyLocks = migration.steps.some((step) => step.locks.length > 0 || step.lockNote !== undefined)
  const header = ['#', 'line', 'statement', ...(commits ? ['commits'] : []), ...(anyLocks ? ['locks'] : [])]
  const rows: Cell[][] = []
  for (const step of migration.steps) {
    const lines = [...step.locks.map(describeLock), ...(step.lockNote ? [step.lockNote] : [])]
    const first = [
      { text: String(step.index), align: 'right' as const },
      { text: String(step.line), align: 'right' as const },
      step.summary,
      ...(commits ? [step.commitsImplicitly ? 'implicitly' : ''] : []),
      ...(anyLocks ? [lines[0] ?? '-'] : []),
    ]
    rows.push(first)
    for (const more of lines.slice(1)) rows.push(['', '', '', ...(commits ? [''] : []), more])
  }
  return plainTable(header, rows)
}

/** `ACCESS EXCLUSIVE on notes: blocks reads and writes on notes (detail)`. */
export function describeLock(lock: PlannedLock): string {
  const on = lock.on === undefined ? '' : ` on ${lock.on}`
  return `${lock.mode}${on}: ${lock.blocks}${lock.detail ? ` (${lock.detail})` : ''}`
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((row) => `  ${row}`)
    .join('\n')
}

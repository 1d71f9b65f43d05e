import type {
  AppliedMigration,
  DryRunPlan,
  GloriousMigrateError,
  PlannedLock,
  SkillsRunResult,
} from '../../lib/index.js'
import type { CliContext } from '../context.js'
import { duration, plural } from './format.js'
import { type JsonError, jsonError } from './json.js'
import { line } from './safe.js'
import { describeLock, printMigrationPlans } from './plan-report.js'
import { alignedRows, plainTable } from './table.js'

/** The `--json` document of `run`. */
export interface RunJson {
  readonly ok: boolean
  readonly dryRun: false
  readonly database: string
  readonly applied: readonly {
    readonly skill: string
    readonly version: number
    readonly filename: string
    readonly statements: number
    readonly durationMs: number
    readonly mode: string
  }[]
  readonly skills: readonly {
    readonly skill: string
    readonly applied: number
    readonly failed: string | null
    readonly notExecuted: readonly string[]
    readonly error: JsonError | null
  }[]
  readonly types: readonly { readonly skill: string; readonly path: string; readonly status: string }[]
  readonly warnings: readonly string[]
  /** Skill folders that could not be read (the other skills ran). */
  readonly problems: readonly JsonError[]
  readonly error: JsonError | null
}

export function runJson(
  result: SkillsRunResult,
  database: string,
  problems: readonly GloriousMigrateError[] = [],
): RunJson {
  const error = result.error ?? problems[0]
  return {
    ok: error === undefined,
    dryRun: false,
    database,
    applied: result.applied.map((m: AppliedMigration) => ({
      skill: m.skill,
      version: m.version,
      filename: m.filename,
      statements: m.statements,
      durationMs: m.durationMs,
      mode: m.mode,
    })),
    skills: result.skills.map((s) => ({
      skill: s.skill,
      applied: s.applied.length,
      failed: s.failed?.filename ?? null,
      notExecuted: s.notExecuted.map((f) => f.filename),
      error: s.error ? jsonError(s.error) : null,
    })),
    types: result.types.map((file) => ({ skill: file.skill, path: file.path, status: file.status })),
    warnings: result.warnings,
    problems: problems.map(jsonError),
    error: error ? jsonError(error) : null,
  }
}

/**
 * Prints what a run did: a line per applied migration, warnings, errors, a summary that never
 * calls a run up to date when something stopped it.
 */
export function printRun(
  ctx: CliContext,
  result: SkillsRunResult,
  database: string,
  elapsedMs: number,
  unreadableSkills = 0,
  /** What was done instead of migrations (reload of a skill with a legacy schema.sql). */
  done?: string,
): void {
  const lines = result.applied.map((m) => [
    ctx.out.green('applied'),
    m.skill,
    m.filename,
    `${plural(m.statements, 'statement')}, ${duration(m.durationMs)}${m.mode === 'transaction' ? '' : `, ${m.mode}`}`,
  ])
  const types = result.types.map((file) => [ctx.out.dim('types'), file.skill, ctx.shown(file.path), file.status])
  if (lines.length + types.length > 0) ctx.print(alignedRows([...lines, ...types]))
  for (const warning of result.warnings) ctx.warn(warning)
  const reported = new Set<unknown>()
  for (const skill of result.skills) {
    for (const problem of skill.problems) {
      if (reported.has(problem)) continue
      reported.add(problem)
      ctx.error(problem)
    }
  }
  if (result.error && !reported.has(result.error)) ctx.error(result.error)
  const skills = result.skills.length
  const failed = result.skills.filter((s) => s.error).length
  const applied = result.applied.length
  const stopped = [
    failed > 0 ? `${plural(failed, 'skill')} stopped with errors` : '',
    result.error && failed === 0 ? 'the run stopped with an error' : '',
    unreadableSkills > 0 ? `${plural(unreadableSkills, 'skill folder')} could not be read` : '',
  ].filter((part) => part !== '')
  const summary =
    done !== undefined && stopped.length === 0 && applied === 0
      ? done
      : applied > 0
        ? [`Applied ${plural(applied, 'migration')} in ${duration(elapsedMs)}`, ...stopped].join('; ')
        : stopped.length > 0
          ? ['No migrations applied', ...stopped].join('; ')
          : `Nothing to migrate: ${plural(skills, 'skill')} up to date`
  ctx.print(line`${summary} (${ctx.shown(database)})`)
}

/** Prints what a run would do. */
export function printDryRun(ctx: CliContext, plan: DryRunPlan, database: string): void {
  if (plan.migrations.length > 0) {
    ctx.print(
      plainTable(
        ['skill', 'migration', 'statements', 'transaction'],
        plan.migrations.map((m) => [m.skill, m.filename, { text: String(m.statements), align: 'right' }, m.mode]),
      ),
    )
  }
  printMigrationPlans(ctx, plan)
  for (const warning of plan.migrations.flatMap((m) => m.warnings)) ctx.warn(warning)
  for (const problem of plan.problems) ctx.error(problem)
  ctx.print(
    line`Dry run: ${plural(plan.migrations.length, 'migration')} would be applied; nothing was changed (${ctx.shown(database)})`,
  )
}

export function dryRunJson(plan: DryRunPlan, database: string) {
  return {
    ok: plan.problems.length === 0,
    dryRun: true,
    database,
    migrations: plan.migrations.map((m) => ({
      skill: m.skill,
      version: m.version,
      filename: m.filename,
      statements: m.statements,
      mode: m.mode,
      strategy: m.strategy,
      transaction: m.transaction,
      checksum: m.checksum,
      steps: m.steps.map((step) => ({
        index: step.index,
        line: step.line,
        summary: step.summary,
        ...(step.commitsImplicitly === undefined ? {} : { commitsImplicitly: step.commitsImplicitly }),
        locks: step.locks.map(jsonLock),
        lockNote: step.lockNote ?? null,
      })),
    })),
    runLocks: plan.runLocks.map(jsonLock),
    lockNotes: plan.lockNotes,
    warnings: plan.migrations.flatMap((m) => m.warnings),
    problems: plan.problems.map(jsonError),
    error: plan.problems[0] ? jsonError(plan.problems[0]) : null,
  }
}

function jsonLock(lock: PlannedLock) {
  return {
    mode: lock.mode,
    on: lock.on ?? null,
    blocks: lock.blocks,
    detail: lock.detail ?? null,
    text: describeLock(lock),
  }
}

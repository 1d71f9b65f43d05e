import type { DatabaseSession } from '../database.js'
import type { RunReport } from './run-migrations.js'

/** What happens after migrations were applied (type generation). */
export interface AfterRunOptions {
  /**
   * Generate each skill's `db-types.ts` after a run that applied something (`false` to skip).
   * @default true
   */
  readonly codegen?: boolean | undefined
}

/**
 * Runs the steps that follow a migration run that applied something. Returns warnings to show.
 */
export async function afterRun(
  _session: DatabaseSession,
  _report: RunReport,
  _skills: readonly { readonly skill: string; readonly dir: string }[],
  _options: AfterRunOptions,
): Promise<readonly string[]> {
  return []
}

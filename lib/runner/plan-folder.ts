import { cachedChecksum } from '../files/checksum-cache.js'
import { type MigrationFolder, listMigrationFolder } from '../files/migration-folder.js'
import type { LedgerRow } from '../ledger/ledger.js'
import { type SkillPlan, planSkill } from './plan.js'

export interface PlanFolderInput {
  readonly skill: string
  /** The skill's migrations folder. */
  readonly dir: string
  /** This skill's ledger rows. */
  readonly rows: readonly LedgerRow[]
  readonly maxFileBytes: number
  readonly allowMissing?: boolean | undefined
  readonly allowOutOfOrder?: boolean | undefined
  readonly toVersion?: number | undefined
  readonly checksumPending?: boolean | undefined
}

/** Lists a skill's migrations folder and compares it with its ledger rows (see {@link planSkill}). */
export function planSkillFolder(input: PlanFolderInput): SkillPlan & { readonly folder: MigrationFolder } {
  const folder = listMigrationFolder(input.dir, input.skill)
  const plan = planSkill({
    skill: input.skill,
    dir: input.dir,
    files: folder.files,
    folderProblems: folder.problems,
    rows: input.rows,
    checksumOf: (file) => cachedChecksum(file.path, input.maxFileBytes, input.skill),
    checksumPending: input.checksumPending,
    allowMissing: input.allowMissing,
    allowOutOfOrder: input.allowOutOfOrder,
    toVersion: input.toVersion,
  })
  return { ...plan, folder }
}

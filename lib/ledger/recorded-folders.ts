import { statSync } from 'node:fs'
import type { LedgerRow } from './ledger.js'

/**
 * Skills of the ledger that were not found on disk, with the migrations folder their newest
 * ledger row was applied from, when that folder still exists: a skill migrated with `--dir` is
 * then still checked by `status` and `verify` (an edited file is reported as a mismatch), not
 * shown as "skill not found".
 */
export function recordedSkillFolders(
  rows: readonly LedgerRow[],
  found: readonly { readonly name: string }[],
): readonly { readonly name: string; readonly migrationsDir: string }[] {
  const known = new Set(found.map((skill) => skill.name))
  const newest = new Map<string, LedgerRow>()
  for (const row of rows) {
    if (known.has(row.skill) || row.migrationsDir === null) continue
    const current = newest.get(row.skill)
    if (!current || row.appliedAt > current.appliedAt) newest.set(row.skill, row)
  }
  const folders: { name: string; migrationsDir: string }[] = []
  for (const [name, row] of newest) {
    if (isDirectory(row.migrationsDir as string)) folders.push({ name, migrationsDir: row.migrationsDir as string })
  }
  return folders.sort((a, b) => (a.name < b.name ? -1 : 1))
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InvalidOptionError } from '../errors.js'
import { listMigrationFolder } from './migration-folder.js'
import { assertSkillName } from './skill-name.js'

export interface CreateMigrationOptions {
  readonly skill: string
  /** What the migration does, in words; slugged into the file name. */
  readonly description: string
  /** The skill's migrations folder (created when missing). */
  readonly migrationsDir: string
  /** Creation time written in the header. @default now */
  readonly now?: Date | undefined
}

export interface CreatedMigration {
  readonly path: string
  readonly filename: string
  readonly version: number
}

/**
 * Writes the next numbered migration file with the guide's template header. The version is one
 * above the highest in the folder, padded to 3 digits or to the width the folder already uses.
 * The description becomes `[a-z0-9_]` (anything else turns into `_`), so it can never leave the
 * folder. An existing file is never overwritten.
 *
 * @example
 * ```ts
 * createMigrationFile({ skill: 'notes', description: 'add user preferences', migrationsDir: 'src/notes/migrations' })
 * // → { filename: '001_add_user_preferences.sql', version: 1, … }
 * ```
 * @throws {SkillError | InvalidOptionError | MigrationFileError}
 */
export function createMigrationFile(options: CreateMigrationOptions): CreatedMigration {
  const skill = assertSkillName(options.skill)
  const slug = slugify(options.description)
  if (slug === '') {
    throw new InvalidOptionError(
      `description ${JSON.stringify(options.description)} has no letters or digits: describe the change, e.g. "add user preferences"`,
    )
  }
  const dir = resolve(options.migrationsDir)
  const folder = listMigrationFolder(dir, skill)
  if (folder.problems[0]) throw folder.problems[0]
  const highest = folder.files.reduce((max, file) => Math.max(max, file.version), 0)
  const width = folder.files.reduce((max, file) => Math.max(max, file.filename.indexOf('_')), 3)
  const version = highest + 1
  const filename = `${String(version).padStart(width, '0')}_${slug}.sql`
  const path = join(dir, filename)
  const description = options.description.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  const text = [
    `-- Migration: ${description}`,
    `-- Skill: ${skill}`,
    `-- Version: ${version}`,
    `-- Created: ${(options.now ?? new Date()).toISOString()}`,
    '',
    '-- Add your migration SQL here, for example:',
    '-- ALTER TABLE my_table ADD COLUMN my_column TEXT;',
    '',
  ].join('\n')
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(path, text, { flag: 'wx' })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InvalidOptionError(
      code === 'EEXIST'
        ? `${path} already exists (another migration was created at the same moment?): run the command again`
        : `cannot write ${path} (${code ?? String(error)}): check that the folder is writable`,
    )
  }
  return Object.freeze({ path, filename, version })
}

/** `"Add user preferences!"` → `add_user_preferences` (at most 80 characters). */
export function slugify(description: string): string {
  return description
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80)
    .replace(/_+$/, '')
}

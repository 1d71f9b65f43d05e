import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { DuplicateVersionError, InvalidOptionError, SkillError } from '../errors.js'
import { listMigrationFolder } from './migration-folder.js'
import { assertSkillName } from './skill-name.js'

export interface CreateMigrationOptions {
  readonly skill: string
  /** What the migration does, in words; slugged into the file name. */
  readonly description: string
  /** The skill's migrations folder (created when missing; its parent must exist). */
  readonly migrationsDir: string
  /** Creation time written in the header. @default now */
  readonly now?: Date | undefined
}

export interface CreatedMigration {
  readonly path: string
  readonly filename: string
  readonly version: number
}

/** How many times a create retries when other processes keep taking its version number. */
const MAX_ATTEMPTS = 50

/**
 * Writes the next numbered migration file with the guide's template header. The version is one
 * above the highest in the folder, padded to 3 digits or to the width the folder already uses.
 * The description becomes Unicode letters, digits and `_` (anything else turns into `_`), so it
 * can never leave the folder. The migrations folder is made when missing, but not its parent.
 *
 * Safe in parallel: the file is created exclusively (an existing file is never overwritten), and
 * when another file with the same version appears meanwhile (another `create` at the same moment)
 * this one steps aside and takes the next free number, so no two files share a version.
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
  makeFolder(dir, skill)
  const description = options.description.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim()
  const created = (options.now ?? new Date()).toISOString()
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const folder = listMigrationFolder(dir, skill)
    // A duplicate may be another create's file that is about to step aside; run and verify report real ones.
    const problem = folder.problems.find((candidate) => !(candidate instanceof DuplicateVersionError))
    if (problem) throw problem
    const highest = folder.files.reduce((max, file) => Math.max(max, file.version), 0)
    const width = folder.files.reduce((max, file) => Math.max(max, file.filename.indexOf('_')), 3)
    const version = highest + 1
    if (!Number.isSafeInteger(version)) {
      throw new InvalidOptionError(
        `the next version after ${highest} is too large: ${dir} already has the highest version a migration can have (${Number.MAX_SAFE_INTEGER})`,
      )
    }
    const filename = `${String(version).padStart(width, '0')}_${slug}.sql`
    const path = join(dir, filename)
    try {
      writeFileSync(path, template(description, skill, version, created), { flag: 'wx' })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') {
        pause(attempt)
        continue
      }
      throw new InvalidOptionError(`cannot write ${path} (${code ?? String(error)}): check that the folder is writable`)
    }
    // Of two files that share a version, each creator that sees the other steps aside: at least
    // one always sees the other (each lists after it wrote), so two never both stay.
    const clash = listMigrationFolder(dir, skill).files.some(
      (file) => file.version === version && file.filename !== filename,
    )
    if (!clash) return Object.freeze({ path, filename, version })
    rmSync(path, { force: true })
    pause(attempt)
  }
  throw new InvalidOptionError(
    `no free version number in ${dir} after ${MAX_ATTEMPTS} attempts (other processes keep creating migrations there): run the command again`,
  )
}

function template(description: string, skill: string, version: number, created: string): string {
  return [
    `-- Migration: ${description}`,
    `-- Skill: ${skill}`,
    `-- Version: ${version}`,
    `-- Created: ${created}`,
    '',
    '-- Add your migration SQL here, for example:',
    '-- ALTER TABLE my_table ADD COLUMN my_column TEXT;',
    '',
  ].join('\n')
}

/** The migrations folder is made when missing; a missing parent is a mistyped path, never made. */
function makeFolder(dir: string, skill: string): void {
  try {
    mkdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return
    throw new SkillError(
      code === 'ENOENT'
        ? `cannot create the migrations folder ${dir}: its parent ${dirname(dir)} does not exist: check the path (--dir)`
        : code === 'EEXIST'
          ? `${dir} is not a folder: give the skill's migrations folder (--dir)`
          : `cannot create the migrations folder ${dir} (${code ?? String(error)}): check that its parent is writable`,
      { skill },
    )
  }
}

/** A short random wait, longer with each attempt, so racing creators stop colliding. */
function pause(attempt: number): void {
  const ms = 1 + Math.floor(Math.random() * 5 * Math.min(attempt, 10))
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * `"Add user preferences!"` → `add_user_preferences`; `"Добавить теги"` → `добавить_теги`.
 * Letters and digits of every script are kept (lower-cased, NFC); anything else becomes `_`.
 * At most 80 characters and 200 bytes of UTF-8, so the file name fits every file system.
 */
export function slugify(description: string): string {
  const words = description
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '_')
    // A combining mark belongs to the letter before it: one with none (at the start, after a
    // "_") would sit on the "_" or stand alone, and a description of marks alone has no words.
    .replace(/(^|_)\p{M}+/gu, '$1')
    .replace(/^_+|_+$/g, '')
  let slug = ''
  let characters = 0
  for (const character of words) {
    if (characters === 80 || Buffer.byteLength(slug + character) > 200) break
    slug += character
    characters++
  }
  return slug.replace(/_+$/, '')
}

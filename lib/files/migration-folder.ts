import { readdirSync } from 'node:fs'
import { join, sep } from 'node:path'
import { DuplicateVersionError, type GloriousMigrateError, InvalidMigrationNameError, SkillError } from '../errors.js'
import { isMigrationCandidate, parseMigrationName } from './migration-name.js'

/** A migration file found in a skill's migrations folder (its contents are read only when needed). */
export interface MigrationFileRef {
  readonly version: number
  readonly description: string
  readonly filename: string
  /** Absolute path. */
  readonly path: string
}

export interface MigrationFolder {
  /** Valid migration files in version order. */
  readonly files: readonly MigrationFileRef[]
  /** Naming problems and duplicate versions; a skill with problems is not migrated. */
  readonly problems: readonly GloriousMigrateError[]
}

/**
 * Lists a migrations folder: every `.sql` file must be named `{version}_{description}.sql` and
 * versions must be unique (compared as numbers). Other files are ignored; a folder named like a
 * migration is reported when it is read.
 *
 * @param dir absolute path of the folder; a missing folder means "no migrations".
 */
export function listMigrationFolder(dir: string, skill?: string): MigrationFolder {
  let entries
  try {
    entries = readdirSync(dir) // names only: a stat per entry would double the cost of a no-op check
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return Object.freeze({ files: [], problems: [] })
    return Object.freeze({
      files: [],
      problems: [
        new SkillError(
          `${skill === undefined ? '' : `skill "${skill}": `}migrations folder ${dir} cannot be read (${code ?? String(error)}): check its permissions`,
          { skill },
        ),
      ],
    })
  }
  const files: MigrationFileRef[] = []
  const problems: GloriousMigrateError[] = []
  // join(dir, name) for every entry, with the folder normalised once: an entry name holds no
  // separator and is never "." or "..", so appending it is what join would give.
  const base = join(dir, '.')
  const prefix = base === '.' ? '' : base.endsWith(sep) ? base : base + sep
  for (const name of entries) {
    if (!isMigrationCandidate(name)) continue
    const path = prefix + name
    const parsed = parseMigrationName(name)
    if (typeof parsed === 'string') {
      problems.push(new InvalidMigrationNameError(name, path, parsed, skill))
      continue
    }
    files.push(Object.freeze({ ...parsed, filename: name, path }))
  }
  files.sort((a, b) => a.version - b.version || (a.filename < b.filename ? -1 : 1))
  for (let i = 1; i < files.length; i++) {
    const previous = files[i - 1] as MigrationFileRef
    const current = files[i] as MigrationFileRef
    if (previous.version === current.version) {
      problems.push(
        new DuplicateVersionError(current.version, [previous.filename, current.filename], current.path, skill),
      )
    }
  }
  return Object.freeze({ files: Object.freeze(files), problems: Object.freeze(problems) })
}

/** What a valid migration file name says: `{version}_{description}.sql`. */
export interface MigrationName {
  readonly version: number
  readonly description: string
}

// Letters and digits of any script (and their combining marks), as `create` slugs descriptions.
const NAME = /^(\d+)_([\p{L}\p{M}\p{N}_-]+)\.sql$/u
// The same for ASCII names, tried first: nearly every name is ASCII, and the no-op check parses
// every file name at every start, where the Unicode classes cost three times as much.
const ASCII_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/

/**
 * Whether a directory entry is a migration candidate: a `.sql` file (any letter case) that is
 * not hidden. Hidden files (`.#001_x.sql` editor locks, `._001_x.sql` macOS forks) and other
 * extensions (`README.md`, `001_x.sql~`, `001_x.sql.bak`) are not migrations and are ignored.
 */
export function isMigrationCandidate(filename: string): boolean {
  return !filename.startsWith('.') && filename.toLowerCase().endsWith('.sql')
}

/**
 * Parses `{version}_{description}.sql`. The version is decimal digits compared as a number
 * (`001` and `1` are the same version, `9` runs before `10`); it must be at least 1. The
 * description is letters and digits of any script, `_` and `-`.
 *
 * @example
 * ```ts
 * parseMigrationName('010_add_index.sql') // { version: 10, description: 'add_index' }
 * parseMigrationName('add_index.sql')     // 'the name must start with a version number …'
 * ```
 * @returns the parsed name, or the reason it is invalid.
 */
export function parseMigrationName(filename: string): MigrationName | string {
  const match = ASCII_NAME.exec(filename) ?? NAME.exec(filename)
  if (!match) return reasonFor(filename)
  const version = Number(match[1])
  if (!Number.isSafeInteger(version)) return `version ${match[1]} is too large`
  if (version === 0) return 'version 0 is not allowed, versions start at 1'
  return Object.freeze({ version, description: match[2] as string })
}

function reasonFor(filename: string): string {
  if (!filename.endsWith('.sql')) return 'the extension must be ".sql" in lower case'
  if (!/^\d/.test(filename)) return 'the name must start with a version number'
  if (!/^\d+_/.test(filename)) return 'the version must be followed by "_"'
  if (/^\d+_\.sql$/.test(filename)) return 'the description is empty'
  return 'the description may only contain letters, digits, "_" and "-"'
}

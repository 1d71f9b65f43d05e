import { GloriousMigrateError } from '../lib/errors.js'

/** A file of the `--check` run that differs from what codegen would write. */
export interface StaleTypesFile {
  readonly skill: string
  readonly path: string
  readonly status: 'stale' | 'missing'
  /** Unified diff, on-disk → expected. */
  readonly diff: string
}

/**
 * `codegen --check` found generated type files that are out of date or missing. The library
 * reports these as results ({@link generateTypes} never throws for them); the CLI raises this
 * error to print one message and exit 1.
 */
export class StaleTypesError extends GloriousMigrateError {
  readonly code = 'stale-types'
  constructor(readonly files: readonly StaleTypesFile[]) {
    const first = files[0]
    super(
      `${files.length} generated type file(s) out of date` +
        (first ? ` (first: ${first.path}, ${first.status})` : '') +
        `: run "glorious migrate codegen" and commit the result`,
      { skill: first?.skill, file: first?.path },
    )
  }
}

/** A generated type file that cannot be read or written. */
export class TypesFileError extends GloriousMigrateError {
  readonly code = 'types-file'
  constructor(
    file: string,
    readonly reason: string,
    skill?: string,
    cause?: unknown,
  ) {
    super(
      `${skill === undefined ? '' : `skill "${skill}": `}type file ${file} ${reason}: check the path and its permissions, or choose another --out`,
      {
        skill,
        file,
        cause,
      },
    )
  }
}

import { GloriousMigrateError } from '../errors.js'

/** PostgreSQL files are linted with PostgreSQL's own parser, which is an optional package. */
export class LintParserMissingError extends GloriousMigrateError {
  readonly code = 'lint-parser-missing'
  constructor(
    readonly packageName: string,
    cause: unknown,
  ) {
    super(
      `install ${packageName} to lint PostgreSQL migrations (npm install ${packageName}@15): it is PostgreSQL's own parser, loaded only by lint`,
      { cause },
    )
  }
}

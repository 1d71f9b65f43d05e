import { SkillError } from '../errors.js'

const SKILL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/**
 * Checks a skill name. It is a ledger key, a folder name (`src/<name>/`) and a CLI argument, so
 * it is limited to letters, digits, `_` and `-` (at most 64, not starting with `_` or `-`):
 * nothing that could escape a folder (`/`, `\`, `..`) or need quoting.
 *
 * @throws {SkillError}
 */
export function assertSkillName(name: unknown, source?: string): string {
  if (typeof name === 'string' && SKILL_NAME.test(name)) return name
  const shown = typeof name === 'string' ? JSON.stringify(name) : String(name)
  throw new SkillError(
    `invalid skill name ${shown}${source === undefined ? '' : ` in ${source}`}: ` +
      `use 1-64 letters, digits, "_" or "-", starting with a letter or digit`,
    { file: source },
  )
}

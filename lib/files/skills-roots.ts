import { delimiter, resolve } from 'node:path'
import { envSetting, expandHome, gloriousHome } from './glorious-home.js'

export interface SkillsRootsOptions {
  /** Skills folders given explicitly (`--skills`, repeatable). */
  readonly skills?: readonly string[] | undefined
  readonly home?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  readonly cwd?: string | undefined
}

/**
 * The folders searched for skills. Precedence: explicit folders > `GLORIOUS_SKILLS` (a list
 * separated by `:` on POSIX, `;` on Windows) > `./skills` and `<GLORIOUS_HOME or ~/.glorious>/skills`.
 */
export function resolveSkillsRoots(options: SkillsRootsOptions = {}): readonly string[] {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  if (options.skills && options.skills.length > 0) return options.skills.map((dir) => resolve(cwd, expandHome(dir)))
  const fromEnv = envSetting(env, 'GLORIOUS_SKILLS')
  if (fromEnv) {
    return fromEnv
      .split(delimiter)
      .filter((dir) => dir !== '')
      .map((dir) => resolve(cwd, expandHome(dir)))
  }
  return [resolve(cwd, 'skills'), resolve(cwd, gloriousHome(options.home, env), 'skills')]
}

/**
 * The folders searched for skills ({@link resolveSkillsRoots}), and whether the user named them
 * (explicit folders or `GLORIOUS_SKILLS`): a named folder that does not exist is a mistake to
 * report, while the default folders may simply not exist yet.
 */
export function skillsSearchRoots(options: SkillsRootsOptions = {}): {
  readonly roots: readonly string[]
  readonly named: boolean
} {
  const env = options.env ?? process.env
  return {
    roots: resolveSkillsRoots(options),
    named: (options.skills !== undefined && options.skills.length > 0) || Boolean(env.GLORIOUS_SKILLS),
  }
}

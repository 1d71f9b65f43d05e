import { homedir } from 'node:os'
import { join } from 'node:path'

type Env = Readonly<Record<string, string | undefined>>

/**
 * A setting from the environment: an empty value is no value (`GLORIOUS_HOME=` in an env file, or
 * `export GLORIOUS_AGENT=`), as for every other variable the toolkit reads.
 */
export function envSetting(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

/**
 * Whether a switch in the environment is turned off: `off`, `0`, `false` or `no`, in any case
 * (`GLORIOUS_CHECKSUM_CACHE=off`, `GLORIOUS_DRIVER_CACHE=0`).
 */
export function isOff(env: Env, name: string): boolean {
  const value = envSetting(env, name)?.trim().toLowerCase()
  return value === 'off' || value === '0' || value === 'false' || value === 'no'
}

/**
 * `~` or `~/…` at the start of a path means the user's home folder, as a shell would expand it.
 * Values from env files (systemd, Docker, dotenv) and `--db=~/x.db` reach us unexpanded; taken
 * literally they name a folder called `~` in the working folder, which a run would create.
 */
export function expandHome(path: string): string {
  if (path === '~') return homedir()
  if (path.startsWith('~/') || (process.platform === 'win32' && path.startsWith('~\\')))
    return join(homedir(), path.slice(2))
  return path
}

/** The toolkit's home folder: the `home` option > `GLORIOUS_HOME` > `~/.glorious`. */
export function gloriousHome(home: string | undefined, env: Env): string {
  const given = home === '' ? undefined : (home ?? envSetting(env, 'GLORIOUS_HOME'))
  return given === undefined ? join(homedir(), '.glorious') : expandHome(given)
}

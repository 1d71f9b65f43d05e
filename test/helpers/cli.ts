import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built CLI bundle, as `npx glorious` runs it. */
export const GLORIOUS = fileURLToPath(new URL('../../bin/glorious.js', import.meta.url))

/**
 * Permissions do not stop root, so tests of unwritable files run the CLI as `nobody` when the
 * suite runs as root (as in CI here); otherwise as the current user.
 */
export const OTHER_USER: { uid?: number; gid?: number } = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}

let emptyHome: string | undefined

/**
 * The HOME a CLI child gets unless the test names one: an empty folder of this test process,
 * removed when it exits, so that nothing a test leaves out (GLORIOUS_HOME, --db) reaches the
 * real home, nor a made-up path that root could create (it was `/nonexistent-home`).
 */
function childHome(): string {
  if (emptyHome === undefined) {
    const home = mkdtempSync(join(tmpdir(), 'glorious-test-home-'))
    process.once('exit', () => rmSync(home, { recursive: true, force: true }))
    emptyHome = home
  }
  return emptyHome
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `glorious <args>` as a real child process, without a terminal (pipes), with a clean
 * GLORIOUS_* environment plus `env`.
 */
export function glorious(
  args: readonly string[],
  options: {
    env?: Record<string, string>
    cwd?: string
    input?: string
    asOtherUser?: boolean
    /** Kills a child that hangs (a safety net so a hang fails its test instead of the suite). */
    killAfterMs?: number
  } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('GLORIOUS_')) env[key] = value
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [GLORIOUS, ...args],
      {
        env: { ...env, HOME: options.env?.HOME ?? childHome(), ...options.env },
        cwd: options.cwd,
        encoding: 'utf8',
        ...(options.killAfterMs !== undefined ? { timeout: options.killAfterMs, killSignal: 'SIGKILL' as const } : {}),
        ...(options.asOtherUser ? OTHER_USER : {}),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
    else child.stdin?.end()
  })
}

/** Runs `glorious <args>` inside a pseudo-terminal (util-linux `script`), feeding `input`. */
export function gloriousInTerminal(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): Promise<CliResult> {
  const quoted = [process.execPath, GLORIOUS, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', quoted, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', COLUMNS: '120', ...options.env },
      cwd: options.cwd,
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr: '' }))
    if (options.input !== undefined) setTimeout(() => child.stdin.write(options.input), 400)
  })
}

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'

export interface ProcessResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Starts `count` copies of a worker script, waits until every one has printed "ready", then
 * releases them all at once by writing to their stdin: a barrier, not a sleep.
 */
export async function raceProcesses(script: string, args: readonly string[], count: number): Promise<ProcessResult[]> {
  const children: ChildProcessWithoutNullStreams[] = []
  const results: Promise<ProcessResult>[] = []
  const ready: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'pipe' })
    children.push(child)
    let stdout = ''
    let stderr = ''
    ready.push(
      new Promise((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          stdout += chunk.toString()
          if (stdout.includes('ready\n')) {
            child.stdout.off('data', onData)
            child.stdout.on('data', (more: Buffer) => (stdout += more.toString()))
            resolve()
          }
        }
        child.stdout.on('data', onData)
        child.once('exit', () => reject(new Error(`worker exited before ready: ${stderr}`)))
      }),
    )
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    results.push(
      new Promise((resolve) =>
        child.once('close', (code, signal) => resolve({ code, signal, stdout: stdout.replace('ready\n', ''), stderr })),
      ),
    )
  }
  try {
    await withTimeout(Promise.all(ready), 60_000, 'workers did not all get ready within 60 s')
  } catch (error) {
    // Never leave workers waiting for a "go" that will not come: they would keep the test alive.
    for (const child of children) child.kill('SIGKILL')
    throw error
  }
  for (const child of children) child.stdin.write('go\n')
  return Promise.all(results)
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

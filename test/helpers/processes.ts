import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'

export interface ProcessResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface WorkerOptions {
  /** Extra environment variables (added to this process's environment). */
  readonly env?: Readonly<Record<string, string>> | undefined
  /**
   * The child prints "ready" when it is loaded and then waits for a line on stdin before it
   * starts (see test/helpers/migrate-worker.ts). Without it, the child starts at once.
   */
  readonly barrier?: boolean | undefined
}

/** A child process started by {@link startWorker}. */
export interface WorkerHandle {
  readonly child: ChildProcessWithoutNullStreams
  /** Resolves when the child printed "ready" (at once without a barrier); rejects if it exits first. */
  readonly ready: Promise<void>
  /** Resolves when the child has exited and its output is complete. */
  readonly result: Promise<ProcessResult>
  /** Releases a child waiting at the barrier. */
  go(): void
  /** `kill -9`, if it is still running. */
  kill(): void
  /** Whether the child has exited. */
  readonly exited: boolean
  /** What the child printed so far. */
  stdout(): string
}

/** Every child started here and not yet exited, killed if this process exits (a failed test must not leave them). */
const live = new Set<ChildProcessWithoutNullStreams>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** Starts `node <script> <args>` with pipes; see {@link WorkerOptions.barrier}. */
export function startWorker(script: string, args: readonly string[], options: WorkerOptions = {}): WorkerHandle {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: 'pipe',
    env: options.env ? { ...process.env, ...options.env } : process.env,
  })
  live.add(child)
  let stdout = ''
  let stderr = ''
  let exited = false
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  // A child killed early may find its stdin closed: that is not an error of the test.
  child.stdin.on('error', () => undefined)
  const result = new Promise<ProcessResult>((resolve) =>
    child.once('close', (code, signal) => {
      exited = true
      live.delete(child)
      resolve({ code, signal, stdout: options.barrier ? stdout.replace('ready\n', '') : stdout, stderr })
    }),
  )
  child.once('exit', () => {
    exited = true
    live.delete(child)
  })
  const ready = options.barrier
    ? new Promise<void>((resolve, reject) => {
        const onData = () => {
          if (stdout.includes('ready\n')) {
            child.stdout.off('data', onData)
            resolve()
          }
        }
        child.stdout.on('data', onData)
        child.once('exit', () => reject(new Error(`worker exited before ready: ${stderr}`)))
      })
    : Promise.resolve()
  ready.catch(() => undefined) // observed by callers that wait for it
  return {
    child,
    ready,
    result,
    go: () => void child.stdin.write('go\n'),
    kill: () => {
      if (!exited) child.kill('SIGKILL')
    },
    get exited() {
      return exited
    },
    stdout: () => stdout,
  }
}

export interface RaceOptions extends Omit<WorkerOptions, 'barrier'> {
  /** Kill every worker and reject when they have not all exited this long after "go". @default 300000 */
  readonly timeoutMs?: number | undefined
}

/** Workers started and loading (or loaded and waiting at the barrier), not released yet. */
export interface PreparedRace {
  /** Waits until every worker is ready, releases them all at once, and waits until all have exited. */
  run(): Promise<ProcessResult[]>
  /** Kills every worker still running (safe to call at any time, and more than once). */
  kill(): void
}

/**
 * Starts `count` copies of a worker script that wait at the barrier (see {@link raceProcesses}),
 * so a test can load the next round's workers while it checks the last one.
 */
export function prepareRace(
  script: string,
  args: readonly string[],
  count: number,
  options: RaceOptions = {},
): PreparedRace {
  const workers: WorkerHandle[] = []
  const kill = () => {
    for (const worker of workers) worker.kill()
  }
  try {
    for (let i = 0; i < count; i++) workers.push(startWorker(script, args, { env: options.env, barrier: true }))
  } catch (error) {
    kill()
    throw error
  }
  return {
    kill,
    async run() {
      try {
        await withTimeout(
          Promise.all(workers.map((worker) => worker.ready)),
          60_000,
          'workers did not all get ready within 60 s',
        )
        for (const worker of workers) worker.go()
        const timeoutMs = options.timeoutMs ?? 300_000
        return await withTimeout(
          Promise.all(workers.map((worker) => worker.result)),
          timeoutMs,
          `workers did not all finish within ${timeoutMs} ms (a hang?)`,
        )
      } finally {
        // Never leave workers running or waiting for a "go" that will not come: they would keep the test alive.
        kill()
      }
    },
  }
}

/**
 * Starts `count` copies of a worker script, waits until every one has printed "ready", then
 * releases them all at once by writing to their stdin: a barrier, not a sleep. Never leaves a
 * worker running: on a timeout or an error every one is killed.
 */
export function raceProcesses(
  script: string,
  args: readonly string[],
  count: number,
  options: RaceOptions = {},
): Promise<ProcessResult[]> {
  return prepareRace(script, args, count, options).run()
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

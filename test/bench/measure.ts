import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** One timed run: wall time and, when GNU time is installed, peak resident set size. */
export interface Measured {
  readonly ms: number
  readonly peakMiB: number | undefined
}

/** One side of a comparison: what it runs, and the settings it runs with (printed beside it). */
export interface Contender {
  readonly name: string
  readonly settings: string
  readonly run: () => Measured
  /** Runs before every measurement of this contender, outside the timing (e.g. a fresh database). */
  readonly prepare?: () => void
}

/** The median (and worst peak RSS) of one contender's runs. */
export interface Summary extends Measured {
  readonly name: string
  readonly settings: string
  readonly runs: number
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
export const hasPeakMemory = TIME !== undefined

/** Runs a command once; returns its wall time and peak RSS. Fails loudly if it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Measured {
  const argv = TIME ? ['-f', '%M', command, ...args] : args
  const started = performance.now()
  const result = spawnSync(TIME ?? command, argv, {
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: options.env ?? process.env,
  })
  const ms = performance.now() - started
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ').slice(0, 300)} failed (${result.status}): ${result.stderr.slice(-2000)}`,
    )
  }
  const peakKiB = TIME ? Number(result.stderr.trim().split('\n').at(-1)) : Number.NaN
  return { ms, peakMiB: Number.isFinite(peakKiB) ? peakKiB / 1024 : undefined }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Measures the contenders alternately — A, B, C, A, B, C, … — one warm-up each, then `runs`
 * rounds, so that machine noise (other processes, a busy disk) falls on all of them alike.
 */
export function alternate(contenders: readonly Contender[], runs: number, warmUp = true): Summary[] {
  const times = contenders.map(() => [] as Measured[])
  for (let round = warmUp ? -1 : 0; round < runs; round++) {
    contenders.forEach((contender, index) => {
      contender.prepare?.()
      const measured = contender.run()
      if (round >= 0) times[index]?.push(measured)
    })
  }
  return contenders.map((contender, index) => {
    const list = times[index] ?? []
    return {
      name: contender.name,
      settings: contender.settings,
      runs: list.length,
      ms: median(list.map((m) => m.ms)),
      peakMiB: list[0]?.peakMiB === undefined ? undefined : Math.max(...list.map((m) => m.peakMiB ?? 0)),
    }
  })
}

export const seconds = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
export const mib = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(0))

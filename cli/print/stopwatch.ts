/**
 * Milliseconds since the stopwatch was started, for the "in 1.2 s" of a run's summary. Read from
 * `process.hrtime`, not `performance`: Node loads `perf_hooks` and its ten internal modules the
 * first time the `performance` global is touched, which every run would pay to print one figure.
 *
 * @example
 * ```ts
 * const elapsed = stopwatch()
 * console.log(`${elapsed().toFixed(0)} ms`)
 * ```
 */
export function stopwatch(): () => number {
  const started = process.hrtime.bigint()
  return () => Number(process.hrtime.bigint() - started) / 1e6
}

/**
 * An in-process queue per database: runs on one database from one process (two migrators,
 * `Promise.all` of two skill loads) take turns, without blocking the event loop. Without it, the
 * second would wait for the database's own lock synchronously (SQLite's busy handler) while the
 * first, on the same event loop, could never finish.
 */
const tails = new Map<string, Promise<void>>()

/**
 * Runs `fn` once every earlier call with the same `key` in this process has finished.
 * Two runs started together with one key (`Promise.all([withProcessLock(key, a), withProcessLock(key, b)])`)
 * run one after the other.
 */
export async function withProcessLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve()
  let release!: () => void
  const done = new Promise<void>((resolve) => (release = resolve))
  const tail = previous.then(() => done)
  tails.set(key, tail)
  await previous
  try {
    return await fn()
  } finally {
    release()
    if (tails.get(key) === tail) tails.delete(key)
  }
}

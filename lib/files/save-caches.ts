import { allowDriverCodeCacheWrite } from '../connection/driver-code-cache.js'
import { flushChecksumCache } from './checksum-cache.js'

/**
 * Called once a process has written to the database: its caches may be saved. The checksum cache
 * is written now, the driver code cache when the process exits (so that it holds every function
 * the run compiled). Read-only commands and a run with nothing to do never call this: looking
 * writes nothing, not even a cache.
 */
export function saveCaches(): void {
  flushChecksumCache()
  allowDriverCodeCacheWrite()
}

import { statSync } from 'node:fs'
import { readMigrationSource } from './migration-source.js'

interface Entry {
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly ino: number
  readonly checksum: string
}

// Checksums of files already read by this process, keyed by path and invalidated by any change of
// size, inode, mtime or ctime. It makes the "nothing pending" check on skill load cost a stat per
// file instead of a read and a hash.
const cache = new Map<string, Entry>()

// A file changed again within its timestamp's granularity (2 s on FAT) would keep its mtime, so,
// as git does with "racily clean" entries, files that young are not trusted from the cache.
const RACY_MS = 2000

/**
 * The checksum of a migration file, read and validated on first use and cached while the file's
 * size, inode, mtime and ctime stay the same.
 */
export function cachedChecksum(path: string, maxBytes: number, skill?: string): string {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return readMigrationSource(path, maxBytes, skill).checksum // reports the error
  const hit = cache.get(path)
  if (
    hit !== undefined &&
    hit.size === stat.size &&
    hit.mtimeMs === stat.mtimeMs &&
    hit.ctimeMs === stat.ctimeMs &&
    hit.ino === stat.ino
  ) {
    return hit.checksum
  }
  const { checksum } = readMigrationSource(path, maxBytes, skill)
  remember(path, stat, checksum)
  return checksum
}

/** Records a checksum computed while reading a file for execution. */
export function rememberChecksum(path: string, checksum: string): void {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat) remember(path, stat, checksum)
  else cache.delete(path)
}

function remember(
  path: string,
  stat: { size: number; mtimeMs: number; ctimeMs: number; ino: number },
  checksum: string,
): void {
  if (Date.now() - Math.max(stat.mtimeMs, stat.ctimeMs) < RACY_MS) {
    cache.delete(path)
    return
  }
  cache.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, checksum })
}

import { statSync } from 'node:fs'
import { readMigrationSource } from './migration-source.js'

interface Entry {
  readonly size: bigint
  readonly mtimeNs: bigint
  readonly ctimeNs: bigint
  readonly ino: bigint
  readonly checksum: string
}

// Checksums of files already read by this process, keyed by path and invalidated by any change of
// size, inode, mtime or ctime. It makes the "nothing pending" check on skill load cost a stat per
// file instead of a read and a hash.
const cache = new Map<string, Entry>()

/**
 * The checksum of a migration file, read and validated on first use and cached while the file's
 * size, inode, mtime and ctime stay the same.
 */
export function cachedChecksum(path: string, maxBytes: number, skill?: string): string {
  let stat
  try {
    stat = statSync(path, { bigint: true })
  } catch {
    return readMigrationSource(path, maxBytes, skill).checksum // reports the error
  }
  const hit = cache.get(path)
  if (
    hit !== undefined &&
    hit.size === stat.size &&
    hit.mtimeNs === stat.mtimeNs &&
    hit.ctimeNs === stat.ctimeNs &&
    hit.ino === stat.ino
  ) {
    return hit.checksum
  }
  const { checksum } = readMigrationSource(path, maxBytes, skill)
  cache.set(path, { size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, ino: stat.ino, checksum })
  return checksum
}

/** Records a checksum computed while reading a file for execution. */
export function rememberChecksum(path: string, checksum: string): void {
  try {
    const stat = statSync(path, { bigint: true })
    cache.set(path, { size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, ino: stat.ino, checksum })
  } catch {
    cache.delete(path)
  }
}

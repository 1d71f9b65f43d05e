import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, sep } from 'node:path'
import { gloriousHome, isOff } from './glorious-home.js'
import { type FileSignature as Signature, readMigrationSource } from './migration-source.js'
import { replaceFile } from './replace-file.js'

type Entry = readonly [...Signature, checksum: string]

/** The cached checksums of one migrations folder, by file name. */
interface FolderCache {
  readonly file: string | undefined
  readonly entries: Map<string, Entry>
  dirty: boolean
}

// Checksums of migration files, trusted only while a file's size, mtime, ctime, inode and device
// stay the same. They are kept in memory and, per migrations folder, in a small file under
// GLORIOUS_HOME/cache, so the "nothing pending" check on skill load costs a stat per file instead
// of a read and a hash, even in a new process, and reads only the caches of the folders it checks.
// The cache only ever saves work: a file whose signature changed is read and hashed again, and a
// lost or damaged cache file is simply rebuilt.
const folders = new Map<string, FolderCache>()

// A file changed again within its timestamp's granularity (2 s on FAT) could keep its signature,
// so, as git does with "racily clean" entries, files that young are never cached.
const RACY_MS = 2000

/**
 * The checksum of a migration file, read and validated on first use and cached while the file's
 * signature (size, mtime, ctime, inode, device) stays the same.
 *
 * @throws {MigrationFileError} when the file cannot be read or is not SQL text.
 */
export function cachedChecksum(path: string, maxBytes: number, skill?: string): string {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return readMigrationSource(path, maxBytes, skill).checksum // reports the error
  // The no-op check runs this once per file on every start: the hit path compares the fields
  // one by one, without building the signature, and splits a POSIX path once (as `dirname` and
  // `basename` would; Windows paths, which may mix separators, go through them).
  const slash = sep === '/' ? path.lastIndexOf('/') : -1
  const hit =
    slash > 0 && slash < path.length - 1
      ? folderCache(path.slice(0, slash)).entries.get(path.slice(slash + 1))
      : folderCache(dirname(path)).entries.get(basename(path))
  if (
    hit !== undefined &&
    hit[0] === stat.size &&
    hit[1] === stat.mtimeMs &&
    hit[2] === stat.ctimeMs &&
    hit[3] === stat.ino &&
    hit[4] === stat.dev
  ) {
    return hit[5]
  }
  const source = readMigrationSource(path, maxBytes, skill)
  remember(path, source.signature, source.checksum)
  return source.checksum
}

/**
 * Records a checksum computed while reading a file for execution, with the signature the file
 * had when it was read (never a later one: a file edited since must be read again).
 */
export function rememberChecksum(path: string, checksum: string, signature: Signature): void {
  remember(path, signature, checksum)
}

/** Writes changed folder caches to disk (atomically; a failure only costs speed later). */
export function flushChecksumCache(): void {
  for (const cache of folders.values()) {
    if (!cache.dirty || cache.file === undefined) continue
    cache.dirty = false
    try {
      mkdirSync(dirname(cache.file), { recursive: true })
      replaceFile(cache.file, JSON.stringify(Object.fromEntries(cache.entries)))
    } catch {
      // A read-only or missing home: the cache stays in memory for this process.
    }
  }
}

function remember(path: string, signature: Signature, checksum: string): void {
  const cache = folderCache(dirname(path))
  const name = basename(path)
  if (Date.now() - Math.max(signature[1], signature[2]) < RACY_MS) {
    if (cache.entries.delete(name)) cache.dirty = true
    return
  }
  const known = cache.entries.get(name)
  if (known?.[5] === checksum && signature.every((value, i) => value === known[i])) return
  cache.entries.set(name, [...signature, checksum])
  cache.dirty = true
}

function folderCache(folder: string): FolderCache {
  const known = folders.get(folder)
  if (known) return known
  const cache: FolderCache = { file: cacheFile(folder), entries: new Map(), dirty: false }
  folders.set(folder, cache)
  if (cache.file === undefined) return cache
  try {
    const parsed = JSON.parse(readFileSync(cache.file, 'utf8')) as Record<string, unknown>
    for (const [name, entry] of Object.entries(parsed)) if (isEntry(entry)) cache.entries.set(name, entry)
  } catch {
    // No cache yet, or an unreadable one: start empty.
  }
  return cache
}

function cacheFile(folder: string): string | undefined {
  if (isOff(process.env, 'GLORIOUS_CHECKSUM_CACHE')) return undefined
  const home = gloriousHome(undefined, process.env)
  const key = createHash('sha256').update(folder).digest('hex').slice(0, 32)
  return join(home, 'cache', 'checksums-v1', `${key}.json`)
}

function isEntry(value: unknown): value is Entry {
  return Array.isArray(value) && value.length === 6 && typeof value[5] === 'string' && value[5].length === 64
}

import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readMigrationSource } from './migration-source.js'

/** What identifies one version of a file without reading it: any write changes ctime. */
type Signature = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number, dev: number]
type Entry = readonly [...Signature, checksum: string]

// Checksums of migration files, keyed by path and trusted only while the file's size, mtime,
// ctime, inode and device stay the same. They are kept in memory and in a small cache file under
// GLORIOUS_HOME, so the "nothing pending" check on skill load costs a stat per file instead of a
// read and a hash, even in a new process. The cache only ever saves work: a file whose signature
// changed is read and hashed again, and a lost or damaged cache file is simply rebuilt.
const memory = new Map<string, Entry>()
let persisted: { readonly file: string | undefined; dirty: boolean } | undefined // loaded on first use

// A file changed again within its timestamp's granularity (2 s on FAT) could keep its signature,
// so, as git does with "racily clean" entries, files that young are never cached.
const RACY_MS = 2000
const MAX_ENTRIES = 100_000

/**
 * The checksum of a migration file, read and validated on first use and cached while the file's
 * signature (size, mtime, ctime, inode, device) stays the same.
 *
 * @throws {MigrationFileError} when the file cannot be read or is not SQL text.
 */
export function cachedChecksum(path: string, maxBytes: number, skill?: string): string {
  loadPersisted()
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return readMigrationSource(path, maxBytes, skill).checksum // reports the error
  const signature: Signature = [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, stat.dev]
  const hit = memory.get(path)
  if (hit !== undefined && signature.every((value, i) => value === hit[i])) return hit[5]
  const { checksum } = readMigrationSource(path, maxBytes, skill)
  remember(path, signature, checksum)
  return checksum
}

/** Records a checksum computed while reading a file for execution. */
export function rememberChecksum(path: string, checksum: string): void {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat) remember(path, [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, stat.dev], checksum)
  else memory.delete(path)
}

/** Writes new cache entries to the cache file (atomically; failures only cost speed later). */
export function flushChecksumCache(): void {
  if (!persisted?.dirty || persisted.file === undefined) return
  persisted.dirty = false
  const entries = [...memory].slice(-MAX_ENTRIES)
  const temporary = `${persisted.file}.${process.pid}.tmp`
  try {
    mkdirSync(join(persisted.file, '..'), { recursive: true })
    writeFileSync(temporary, JSON.stringify({ version: 1, entries: Object.fromEntries(entries) }))
    renameSync(temporary, persisted.file)
  } catch {
    // A read-only or missing home: the cache stays in memory for this process.
  }
}

function remember(path: string, signature: Signature, checksum: string): void {
  const store = loadPersisted()
  if (Date.now() - Math.max(signature[1], signature[2]) < RACY_MS) {
    memory.delete(path)
    return
  }
  const known = memory.get(path)
  if (known?.[5] === checksum && signature.every((value, i) => value === known[i])) return
  memory.delete(path) // re-insert: the Map's order is the least-recently-used order
  memory.set(path, [...signature, checksum])
  store.dirty = true
}

function loadPersisted(): { readonly file: string | undefined; dirty: boolean } {
  if (persisted) return persisted
  const home = process.env.GLORIOUS_HOME ?? join(homedir(), '.glorious')
  const file = process.env.GLORIOUS_CHECKSUM_CACHE === 'off' ? undefined : join(home, 'cache', 'checksums-v1.json')
  const store = { file, dirty: false }
  persisted = store
  if (file === undefined) return store
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, unknown> }
    if (parsed.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) return store
    for (const [path, entry] of Object.entries(parsed.entries)) {
      if (isEntry(entry) && !memory.has(path)) memory.set(path, entry)
    }
  } catch {
    // No cache yet, or an unreadable one: start empty.
  }
  return store
}

function isEntry(value: unknown): value is Entry {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    value.slice(0, 5).every((part) => typeof part === 'number') &&
    typeof value[5] === 'string' &&
    /^[0-9a-f]{64}$/.test(value[5])
  )
}

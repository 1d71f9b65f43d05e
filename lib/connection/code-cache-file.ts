import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** The compiled code of one file, as a V8 code cache, and the SHA-256 of the text it is for. */
export interface CachedCode {
  readonly textHash: string
  readonly data: Buffer
}

// The file: this line, the header's length (4 bytes, little-endian), the header (JSON), then the
// entries' code one after the other, in the header's order.
const MAGIC = 'glorious-driver-code-v1\n'

interface Header {
  readonly entries: readonly (readonly [file: string, textHash: string, bytes: number])[]
  /** SHA-256 of the code that follows: V8 checks a cache's header, not all of its bytes. */
  readonly code: string
}

// Leftovers of writers killed mid-write are removed by a later writer once this old.
const ABANDONED_MS = 10 * 60_000

/**
 * Reads a code cache file: its entries by file name, or none when there is no file, when it is
 * not byte for byte what was written (damaged code could crash V8, which does not check it), or
 * when it, or its folder, could have been written by another user (the code in it runs).
 */
export function readCodeCacheFile(file: string): Map<string, CachedCode> {
  const entries = new Map<string, CachedCode>()
  let fd: number | undefined
  try {
    if (!privateFolder(dirname(file))) return entries
    fd = openSync(file, 'r')
    if (!ownedAndPrivate(fstatSync(fd))) return entries
    const pack = readFileSync(fd)
    if (pack.toString('latin1', 0, MAGIC.length) !== MAGIC) return entries
    const headerBytes = pack.readUInt32LE(MAGIC.length)
    let offset = MAGIC.length + 4
    const header = JSON.parse(pack.toString('utf8', offset, offset + headerBytes)) as Header
    offset += headerBytes
    if (createHash('sha256').update(pack.subarray(offset)).digest('base64') !== header.code) return entries
    for (const [name, textHash, bytes] of header.entries) {
      if (offset + bytes > pack.length) break
      entries.set(name, { textHash, data: pack.subarray(offset, offset + bytes) })
      offset += bytes
    }
  } catch {
    // No cache yet, or a damaged one: every file is compiled and the cache made again.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return entries
}

/**
 * Writes a code cache file atomically: a new file of the user's own (never an existing one, nor
 * what a link planted under its name points to), renamed over the old one. A folder another user
 * may write to is not written in. Failures are silent: the cache only ever saves time.
 */
export function writeCodeCacheFile(file: string, entries: readonly (readonly [string, string, Buffer])[]): void {
  const folder = dirname(file)
  let temporary: string | undefined
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    if (!privateFolder(folder)) return
    removeAbandoned(folder, basename(file))
    const code = Buffer.concat(entries.map(([, , data]) => data))
    const header: Header = {
      entries: entries.map(([name, textHash, data]) => [name, textHash, data.length]),
      code: createHash('sha256').update(code).digest('base64'),
    }
    const headerBytes = Buffer.from(JSON.stringify(header))
    const size = Buffer.alloc(4)
    size.writeUInt32LE(headerBytes.length)
    temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    const fd = openSync(temporary, 'wx', 0o600)
    try {
      writeSync(fd, Buffer.concat([Buffer.from(MAGIC, 'latin1'), size, headerBytes, code]))
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
    temporary = undefined
  } catch {
    // A read-only or missing home: the driver is compiled on every start, as without a cache.
  } finally {
    if (temporary !== undefined) unlinkQuietly(temporary)
  }
}

/** A real folder (not a link) of the user's own that no one else may write to. */
function privateFolder(folder: string): boolean {
  const stat = lstatSync(folder, { throwIfNoEntry: false })
  return stat !== undefined && stat.isDirectory() && ownedAndPrivate(stat)
}

function ownedAndPrivate(stat: { uid: number; mode: number }): boolean {
  const uid = process.getuid?.()
  return (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0
}

function removeAbandoned(folder: string, cacheName: string): void {
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(`${cacheName}.`) || !name.endsWith('.tmp')) continue
    const path = join(folder, name)
    const stat = lstatSync(path, { throwIfNoEntry: false })
    if (stat !== undefined && Date.now() - stat.mtimeMs > ABANDONED_MS) unlinkQuietly(path)
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Gone already, or not ours to remove.
  }
}

import { createHash } from 'node:crypto'
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { replaceFile } from '../files/replace-file.js'

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
 * Writes a code cache file atomically (see `replaceFile`). A folder another user may write to is
 * not written in. Failures are silent: the cache only ever saves time.
 */
export function writeCodeCacheFile(file: string, entries: readonly (readonly [string, string, Buffer])[]): void {
  const folder = dirname(file)
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    if (!privateFolder(folder)) return
    const code = Buffer.concat(entries.map(([, , data]) => data))
    const header: Header = {
      entries: entries.map(([name, textHash, data]) => [name, textHash, data.length]),
      code: createHash('sha256').update(code).digest('base64'),
    }
    const headerBytes = Buffer.from(JSON.stringify(header))
    const size = Buffer.alloc(4)
    size.writeUInt32LE(headerBytes.length)
    replaceFile(file, Buffer.concat([Buffer.from(MAGIC, 'latin1'), size, headerBytes, code]))
  } catch {
    // A read-only or missing home: the driver is compiled on every start, as without a cache.
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

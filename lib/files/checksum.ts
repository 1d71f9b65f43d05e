import { createHash } from 'node:crypto'

/**
 * The canonical form of a migration file's bytes: a leading UTF-8 byte order mark removed and
 * every CRLF or lone CR turned into LF. Two checkouts of one file with different line endings
 * (git `autocrlf`, Windows editors) therefore have the same canonical form and checksum.
 */
export function canonicalBytes(bytes: Uint8Array): Buffer {
  let start = 0
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3
  const crAt = bytes.indexOf(13, start)
  if (crAt < 0) return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start)
  const out = Buffer.allocUnsafe(bytes.length - start)
  let length = 0
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i] as number
    if (byte === 13) {
      out[length++] = 10
      if (bytes[i + 1] === 10) i++
    } else {
      out[length++] = byte
    }
  }
  return out.subarray(0, length)
}

/**
 * A migration's checksum: the lowercase hex SHA-256 of its canonical bytes (see
 * {@link canonicalBytes}). Stored in the ledger's `checksum` column.
 *
 * @example
 * ```ts
 * migrationChecksum(Buffer.from('\uFEFFSELECT 1;\r\n')) === migrationChecksum(Buffer.from('SELECT 1;\n')) // true
 * ```
 */
export function migrationChecksum(bytes: Uint8Array): string {
  return sha256Hex(canonicalBytes(bytes))
}

export function sha256Hex(canonical: Uint8Array): string {
  return createHash('sha256').update(canonical).digest('hex')
}

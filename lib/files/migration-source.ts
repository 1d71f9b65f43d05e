import { isUtf8 } from 'node:buffer'
import { basename } from 'node:path'
import { MigrationFileError } from '../errors.js'
import { canonicalBytes, sha256Hex } from './checksum.js'
import { readRegularFile } from './regular-file.js'

/** The default largest migration file, in bytes. One file's text is held in memory while it runs. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024

/** What identifies one version of a file without reading it: any write changes ctime. */
export type FileSignature = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number, dev: number]

/** A migration file read from disk: its canonical text and its checksum. */
export interface MigrationSource {
  /** Canonical text (BOM removed, LF line endings): exactly what is checksummed and executed. */
  readonly text: string
  readonly checksum: string
  /**
   * The file's signature taken from the open file before it was read, so a checksum is only
   * ever cached with the signature of the version it was computed from: an edit during a run
   * changes the signature, and the next run reads the file again.
   */
  readonly signature: FileSignature
}

/**
 * Reads a migration file and checks that it is SQL text: a regular file (a symbolic link is
 * followed; its target must be a regular file), at most `maxBytes` (counted as read), valid
 * UTF-8 and free of NUL bytes (binary files).
 *
 * @throws {MigrationFileError} naming the file, the problem and what to do.
 */
export function readMigrationSource(path: string, maxBytes: number, skill?: string): MigrationSource {
  const read = readRegularFile(path, maxBytes)
  if (read.ok) {
    const { stats } = read
    const signature: FileSignature = [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino, stats.dev]
    return Object.freeze({ ...decodeMigration(read.bytes, path, skill), signature })
  }
  const { problem } = read
  const [reason, hint] = ((): [string, string] => {
    switch (problem.kind) {
      case 'too-large':
        return [
          `is ${problem.exact ? '' : 'more than '}${formatBytes(problem.exact ? problem.bytes : maxBytes)}, above the ${formatBytes(maxBytes)} limit for one migration`,
          'split it into several migrations, or raise the limit (maxFileBytes / --max-file-size <bytes>)',
        ]
      case 'not-regular':
        return problem.type === 'folder'
          ? ['is a folder, not a file', 'rename it so that it does not end in ".sql", or move it out of migrations/']
          : [
              `is a ${problem.type}, not a regular file, so it was not read`,
              'replace it with the SQL text file (or move it out of migrations/)',
            ]
      case 'dangling-link':
        return ['is a symbolic link to a file that does not exist', 'fix or remove the link']
      case 'os':
        return problem.code === 'ENOENT'
          ? ['disappeared while migrating', 'check the file and run again']
          : problem.code === 'EACCES'
            ? [`cannot be read (${problem.code})`, 'make it readable by this user']
            : [`cannot be read (${problem.code ?? String(problem.error)})`, 'check the file and run again']
    }
  })()
  throw new MigrationFileError(
    basename(path),
    path,
    reason,
    hint,
    skill,
    problem.kind === 'os' ? problem.error : undefined,
  )
}

/** Validates and decodes the bytes of a migration file; see {@link readMigrationSource}. */
export function decodeMigration(bytes: Buffer, path: string, skill?: string): Omit<MigrationSource, 'signature'> {
  const filename = basename(path)
  const wide = wideEncoding(bytes)
  if (wide !== undefined) {
    throw new MigrationFileError(
      filename,
      path,
      `is ${wide} text, not UTF-8`,
      'save it as UTF-8 (in the editor\'s "Save with encoding" or "Encoding" menu)',
      skill,
    )
  }
  const nul = bytes.indexOf(0)
  if (nul >= 0) {
    throw new MigrationFileError(
      filename,
      path,
      `contains a NUL byte at offset ${nul}, so it is binary, not SQL text`,
      'replace it with the SQL text file (or move it out of migrations/)',
      skill,
    )
  }
  const canonical = canonicalBytes(bytes)
  if (!isUtf8(canonical)) {
    throw new MigrationFileError(
      filename,
      path,
      `is not valid UTF-8 (first bad byte near offset ${firstInvalidUtf8(canonical)})`,
      're-save it as UTF-8',
      skill,
    )
  }
  return Object.freeze({ text: canonical.toString('utf8'), checksum: sha256Hex(canonical) })
}

/**
 * The encoding of text saved as UTF-16 or UTF-32 (as Windows tools often do): by its byte order
 * mark, or, without one, by NUL bytes in every other position (what ASCII looks like in UTF-16).
 */
function wideEncoding(bytes: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = bytes
  if (b0 === 0xff && b1 === 0xfe) return b2 === 0 && b3 === 0 ? 'UTF-32 (little-endian)' : 'UTF-16 (little-endian)'
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return 'UTF-32 (big-endian)'
  if (b0 === 0xfe && b1 === 0xff) return 'UTF-16 (big-endian)'
  const sample = Math.min(bytes.length, 4096) & ~1
  if (sample < 16) return undefined
  // In UTF-16, ASCII text is a NUL and a printable byte in every pair.
  let little = 0
  let big = 0
  for (let i = 0; i < sample; i += 2) {
    const first = bytes[i] as number
    const second = bytes[i + 1] as number
    if (second === 0 && isTextByte(first)) little++
    if (first === 0 && isTextByte(second)) big++
  }
  const pairs = sample / 2
  if (little >= pairs * 0.5 && big === 0) return 'UTF-16 (little-endian)'
  if (big >= pairs * 0.5 && little === 0) return 'UTF-16 (big-endian)'
  return undefined
}

function isTextByte(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b < 0x80) continue
    const need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k]
      if (next === undefined || (next & 0xc0) !== 0x80) return i
    }
    i += need
  }
  return bytes.length
}

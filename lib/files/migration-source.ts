import { isUtf8 } from 'node:buffer'
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { MigrationFileError } from '../errors.js'
import { canonicalBytes, sha256Hex } from './checksum.js'

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
 * Reads a migration file and checks that it is SQL text: readable, below the size limit, valid
 * UTF-8 and free of NUL bytes (binary files).
 *
 * @throws {MigrationFileError} naming the file, the problem and what to do.
 */
export function readMigrationSource(path: string, maxBytes: number, skill?: string): MigrationSource {
  const filename = basename(path)
  let bytes: Buffer
  let fd: number | undefined
  let signature: FileSignature
  try {
    // One open, then the size from the open file: the limit is checked before anything is read.
    fd = openSync(path, 'r')
    const stat = fstatSync(fd)
    signature = [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, stat.dev]
    const size = stat.size
    if (size > maxBytes) {
      throw new MigrationFileError(
        filename,
        path,
        `is ${formatBytes(size)}, above the ${formatBytes(maxBytes)} limit for one migration`,
        'split it into several migrations, or raise the limit (maxFileBytes / --max-file-size <bytes>)',
        skill,
      )
    }
    bytes = readFileSync(fd)
  } catch (error) {
    if (error instanceof MigrationFileError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const [reason, hint] =
      code === 'ENOENT'
        ? ['disappeared while migrating', 'check the file and run again']
        : code === 'EISDIR'
          ? ['is a folder, not a file', 'rename it so that it does not end in ".sql", or move it out of migrations/']
          : code === 'EACCES'
            ? [`cannot be read (${code})`, 'make it readable by this user']
            : [`cannot be read (${code ?? String(error)})`, 'check the file and run again']
    throw new MigrationFileError(filename, path, reason, hint, skill, error)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return Object.freeze({ ...decodeMigration(bytes, path, skill), signature })
}

/** Validates and decodes the bytes of a migration file; see {@link readMigrationSource}. */
export function decodeMigration(bytes: Buffer, path: string, skill?: string): Omit<MigrationSource, 'signature'> {
  const filename = basename(path)
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

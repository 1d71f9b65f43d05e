import { randomBytes } from 'node:crypto'
import { closeSync, lstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

// Temporary files of writers killed mid-write are removed by a later writer once this old.
const ABANDONED_MS = 10 * 60_000

/**
 * Replaces `file` with `bytes` atomically, for the toolkit's caches: a new file of the user's own
 * (created exclusively under a random name, mode 0600: never an existing file, nor what a link
 * planted under that name points to), renamed over the old one, so a reader sees the old file or
 * the new one, never a part. The folder must exist.
 *
 * @throws the file system's error; the temporary file is gone by then.
 */
export function replaceFile(file: string, bytes: string | Buffer): void {
  removeAbandoned(file)
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const fd = openSync(temporary, 'wx', 0o600)
    try {
      writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes) : bytes)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
  } catch (error) {
    unlinkQuietly(temporary)
    throw error
  }
}

function removeAbandoned(file: string): void {
  const folder = dirname(file)
  const prefix = `${basename(file)}.`
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
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

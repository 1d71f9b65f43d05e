import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs'

/** Why a file could not be read: what it is instead of a regular file, too large, or the OS error. */
export type FileReadProblem =
  | { readonly kind: 'not-regular'; readonly type: NonRegularType }
  | { readonly kind: 'too-large'; readonly bytes: number; readonly exact: boolean }
  | { readonly kind: 'dangling-link' }
  | { readonly kind: 'os'; readonly code: string | undefined; readonly error: unknown }

export type NonRegularType =
  'folder' | 'FIFO (named pipe)' | 'character device' | 'block device' | 'socket' | 'special file'

/** A regular file's bytes, or why they could not be read. */
export type FileRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly stats: Stats }
  | { readonly ok: false; readonly problem: FileReadProblem }

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer (it changes
// nothing for regular files); O_NOCTTY keeps a terminal device from becoming ours. Neither exists
// on Windows, where there are no FIFOs to open by accident.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)

/**
 * Reads a file that must be a regular file (a symbolic link is followed; its target must be a
 * regular file), holding at most `maxBytes`. The type is checked on the open descriptor before
 * anything is read, so a FIFO, a device (`/dev/zero`) or a socket is refused without blocking
 * or reading, and the limit holds by the bytes actually read, not by a size that may change.
 */
export function readRegularFile(path: string, maxBytes: number): FileRead {
  let fd: number
  try {
    fd = openSync(path, OPEN_FLAGS)
  } catch (error) {
    return { ok: false, problem: openProblem(path, error) }
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) return { ok: false, problem: { kind: 'not-regular', type: nonRegularType(stats) } }
    if (stats.size > maxBytes) return { ok: false, problem: { kind: 'too-large', bytes: stats.size, exact: true } }
    // One byte more than allowed tells a file that grew past the limit since fstat.
    let buffer = Buffer.allocUnsafe(Math.min(stats.size, maxBytes) + 1)
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) break
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1))
        buffer.copy(larger, 0, 0, length)
        buffer = larger
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
    }
    if (length > maxBytes) return { ok: false, problem: { kind: 'too-large', bytes: length, exact: false } }
    return { ok: true, bytes: buffer.subarray(0, length), stats }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EISDIR') return { ok: false, problem: { kind: 'not-regular', type: 'folder' } }
    return { ok: false, problem: { kind: 'os', code, error } }
  } finally {
    closeSync(fd)
  }
}

function openProblem(path: string, error: unknown): FileReadProblem {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink())
    return { kind: 'dangling-link' }
  if (code === 'ENXIO' || code === 'ENODEV' || code === 'EOPNOTSUPP') {
    // Opening a socket (or a device without a driver) fails; say what the file is.
    const stats = statSync(path, { throwIfNoEntry: false })
    if (stats && !stats.isFile()) return { kind: 'not-regular', type: nonRegularType(stats) }
  }
  if (code === 'EISDIR') return { kind: 'not-regular', type: 'folder' }
  return { kind: 'os', code, error }
}

/** What a file that is not a regular file is, in words. */
export function nonRegularType(stats: Stats): NonRegularType {
  if (stats.isDirectory()) return 'folder'
  if (stats.isFIFO()) return 'FIFO (named pipe)'
  if (stats.isCharacterDevice()) return 'character device'
  if (stats.isBlockDevice()) return 'block device'
  if (stats.isSocket()) return 'socket'
  return 'special file'
}

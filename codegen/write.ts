/**
 * Puts generated text on disk without needless writes, or compares it with what is there.
 *
 * @module
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { TypesFileError } from './errors.js'

export type WriteStatus = 'written' | 'unchanged'

export interface CheckResult {
  readonly status: 'unchanged' | 'stale' | 'missing'
  /** Unified diff from the file on disk (or nothing) to the expected text, unless unchanged. */
  readonly diff: string | undefined
}

/**
 * Writes `text` to `path` only when the bytes differ, so an unchanged file keeps its mtime (and
 * watchers and build caches stay quiet). The new content goes to a temporary file that is
 * renamed over the old one, so a reader never sees half a file.
 *
 * @throws {TypesFileError} when the file cannot be read or written.
 */
export async function writeIfChanged(path: string, text: string, skill?: string): Promise<WriteStatus> {
  const bytes = Buffer.from(text, 'utf8')
  const current = await readIfExists(path, skill)
  if (current !== undefined && current.equals(bytes)) return 'unchanged'
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  try {
    // A missing folder is never made: it is a mistyped path (--out, --dir), not a place for types.
    await writeFile(temporary, bytes)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {})
    const code = (error as NodeJS.ErrnoException).code
    throw new TypesFileError(
      path,
      code === 'ENOENT'
        ? `cannot be written: folder ${dirname(path)} does not exist`
        : `cannot be written (${code ?? String(error)})`,
      skill,
      error,
    )
  }
  return 'written'
}

/**
 * Compares the file at `path` with the expected text, writing nothing.
 *
 * @param label the file's name in the diff headers (`a/<label>`, `b/<label>`)
 */
export async function checkFile(path: string, expected: string, label: string, skill?: string): Promise<CheckResult> {
  const current = await readIfExists(path, skill)
  if (current === undefined) return { status: 'missing', diff: await unifiedDiff(undefined, expected, label) }
  if (current.equals(Buffer.from(expected, 'utf8'))) return { status: 'unchanged', diff: undefined }
  return { status: 'stale', diff: await unifiedDiff(current.toString('utf8'), expected, label) }
}

/**
 * A unified diff (`diff -u` / git format, 3 lines of context) from `before` to `after`. A
 * missing file is `/dev/null`. jsdiff is loaded only here: nothing else needs it.
 */
export async function unifiedDiff(before: string | undefined, after: string, label: string): Promise<string> {
  const { createTwoFilesPatch, FILE_HEADERS_ONLY } = await import('diff')
  return createTwoFilesPatch(
    before === undefined ? '/dev/null' : `a/${label}`,
    `b/${label}`,
    before ?? '',
    after,
    undefined,
    undefined,
    {
      context: 3,
      headerOptions: FILE_HEADERS_ONLY,
    },
  )
}

async function readIfExists(path: string, skill: string | undefined): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new TypesFileError(
      path,
      code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? String(error)})`,
      skill,
      error,
    )
  }
}

import type { GloriousMigrateError } from '../../lib/index.js'

/** An error as it appears in `--json` output. */
export interface JsonError {
  readonly code: string
  readonly message: string
  readonly skill: string | null
  readonly file: string | null
}

export function jsonError(error: GloriousMigrateError): JsonError {
  return { code: error.code, message: error.message, skill: error.skill ?? null, file: error.file ?? null }
}

/** Writes one JSON document (the only thing `--json` puts on stdout). */
export function writeJson(stream: NodeJS.WritableStream, document: unknown): void {
  stream.write(`${JSON.stringify(document, null, 2)}\n`)
}

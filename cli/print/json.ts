import type { GloriousMigrateError } from '../../lib/index.js'

/** An error as it appears in `--json` output. */
export interface JsonError {
  readonly code: string
  readonly message: string
  readonly skill: string | null
  readonly file: string | null
}

/** Any error as it appears in `--json` output (errors that are not ours are `unexpected`). */
export function jsonError(error: GloriousMigrateError | Error): JsonError {
  const facts = error as Partial<GloriousMigrateError>
  return {
    code: typeof facts.code === 'string' ? facts.code : 'unexpected',
    message: error.message,
    skill: facts.skill ?? null,
    file: facts.file ?? null,
  }
}

// JSON.stringify escapes C0 controls and lone surrogates; these it leaves raw, and a terminal
// showing the document would obey them (DEL, C1 controls, bidi and other invisible format
// characters, line and paragraph separators). They can only occur inside strings.
const INVISIBLE = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu

/** One JSON document as text, with every invisible or control character escaped (`\u202e`). */
export function jsonText(document: unknown): string {
  return `${JSON.stringify(document, null, 2).replace(INVISIBLE, (character) =>
    [...character]
      .flatMap((c) => {
        const code = c.codePointAt(0) as number
        return code > 0xffff ? [0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff)] : [code]
      })
      .map((unit) => `\\u${unit.toString(16).padStart(4, '0')}`)
      .join(''),
  )}\n`
}

/**
 * Terminal safety. Names of files and skills, and everything read from a database (ledger rows
 * can be written by anyone who can write the database), may hold characters a terminal obeys
 * instead of showing: ESC starts colour and cursor sequences, CR and LF forge lines, bidi
 * controls reorder what is shown. Every printer builds its output from {@link SafeText}, so such
 * characters are always shown escaped (`\x1b`, `\n`, `\u{202e}`) and no output can forge a line
 * or recolour the terminal.
 *
 * @module
 */

/** Text that may be written to a terminal as it is: data in it was escaped, styles are our own. */
export class SafeText {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text
  }
}

// C0 and C1 controls and DEL (Cc), invisible format characters such as bidi controls, zero-width
// characters and the BOM (Cf), line and paragraph separators, and lone surrogates.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
const UNSAFE_KEEPING_TABS = /(?!\t)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * Escapes the characters of `text` that a terminal would obey rather than show: `\n`, `\r`, `\t`,
 * `\xHH` for other controls below U+0100, `\u{HHHH}` for the rest.
 *
 * @param options.tabs keep tabs (for file contents shown in a diff)
 */
export function escapeForTerminal(text: string, options: { readonly tabs?: boolean } = {}): string {
  // Printable ASCII (U+0020–U+007E) holds none of the characters escaped below: such text, most
  // names and paths, is returned as it is, without the Unicode-property scan (which, run cold in
  // a new process, cost ~10 ms for the thousand lines of a large run's report).
  if (PRINTABLE_ASCII.test(text)) return text
  return text.replace(options.tabs ? UNSAFE_KEEPING_TABS : UNSAFE, (character) => {
    const named = NAMED[character]
    if (named !== undefined) return named
    const code = character.codePointAt(0) as number
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`
  })
}

/** Data (a name, a path, a message) as safe text. */
export function safe(value: string | number | SafeText): SafeText {
  return value instanceof SafeText ? value : new SafeText(escapeForTerminal(String(value)))
}

/**
 * A line built from trusted literal parts and data: every interpolated value is escaped unless
 * it is already {@link SafeText} (a style, a table).
 *
 * @example
 * ```ts
 * ctx.print(line`${ctx.out.red('✗')} ${problem.message}`)
 * ```
 */
export function line(parts: TemplateStringsArray, ...values: readonly (string | number | SafeText)[]): SafeText {
  let text = parts[0] as string
  values.forEach((value, i) => {
    text += safe(value).text + (parts[i + 1] as string)
  })
  return new SafeText(text)
}

/** Joins safe texts (lines of a table, …). */
export function joinSafe(texts: readonly SafeText[], separator: string): SafeText {
  return new SafeText(texts.map((text) => text.text).join(separator))
}

/** Removes our own colour codes, to measure what a terminal shows. */
export function visibleLength(text: SafeText): number {
  // Data in safe text has no ESC left (it was escaped), so every SGR sequence is a style of ours.
  return text.text.replace(/\u001b\[[0-9;]*m/g, '').length
}

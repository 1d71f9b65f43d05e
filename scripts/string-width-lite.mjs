// A light stand-in for the `string-width` package inside the CLI bundle. The real one builds an
// Intl.Segmenter and Unicode-property regexes when it loads, which costs ~25 ms of start-up for
// every command; help text only needs the width of ASCII-ish option descriptions.
import stripAnsi from 'strip-ansi'

export default function stringWidth(text) {
  if (typeof text !== 'string' || text.length === 0) return 0
  let width = 0
  for (const char of stripAnsi(text)) {
    const code = char.codePointAt(0)
    if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0x300 && code < 0x370)) continue
    // East Asian wide and emoji ranges take two columns in a terminal.
    width +=
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x1f300 && code <= 0x1faff) ||
      (code >= 0x20000 && code <= 0x3fffd)
        ? 2
        : 1
  }
  return width
}

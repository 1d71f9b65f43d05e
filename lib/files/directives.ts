/** The first-line comment that runs a migration outside a transaction. */
export const NO_TRANSACTION_MARKER = '-- glorious:no-transaction'

/**
 * Whether a migration opts out of the transaction: its first line is
 * `-- glorious:no-transaction` (any letter case, trailing spaces allowed).
 */
export function hasNoTransactionMarker(text: string): boolean {
  const newline = text.indexOf('\n')
  return /^--\s*glorious:no-transaction\s*$/i.test(newline < 0 ? text : text.slice(0, newline))
}

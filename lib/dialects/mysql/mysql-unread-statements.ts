/**
 * Whether a statement runs statements that cannot be read from its text: `CALL` (a routine),
 * `EXECUTE` (a prepared statement), or a compound statement outside a stored program (MariaDB's
 * `BEGIN NOT ATOMIC … END`, `IF`, `CASE`, `LOOP`, `WHILE`, `REPEAT`; a label before one, as
 * in stored programs, is taken for one too, though MariaDB refuses it outside them). What they
 * do — to the session, the schema or the locks — is known only by effect. `words` are the
 * statement's significant tokens, upper-cased.
 */
export function runsUnreadStatements(words: readonly (string | undefined)[]): boolean {
  switch (words[0]) {
    case 'CALL':
    case 'EXECUTE':
    case 'IF':
    case 'CASE':
    case 'LOOP':
    case 'WHILE':
    case 'REPEAT':
      return true
    case 'BEGIN':
      return words[1] === 'NOT'
    default:
      return words[1] === ':'
  }
}

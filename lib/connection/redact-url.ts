/**
 * A database URL with its password replaced by `***`, the only form of a URL that appears in
 * output, errors and JSON. Text that is not a URL is returned unchanged.
 *
 * @example
 * ```ts
 * redactUrl('postgres://app:s3cret@db:5432/agents') // 'postgres://app:***@db:5432/agents'
 * ```
 */
export function redactUrl(text: string): string {
  // Works on the text rather than through `new URL`, which rejects some valid connection
  // strings and would re-encode the rest: only the password part between ':' and '@' goes.
  const userinfo = userinfoOf(text)
  let redacted = text
  if (userinfo) {
    const colon = userinfo.text.indexOf(':')
    if (colon >= 0) redacted = `${text.slice(0, userinfo.start + colon)}:***${text.slice(userinfo.end)}`
  }
  // A password given as a query parameter (`?password=…`) is hidden too.
  return redacted.replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***')
}

/**
 * The user information of a URL (`user:password`), from just after `scheme://` to the `@` that
 * ends it: the last `@` before the first `/`, `?` or `#`, as the drivers' URL parser reads it
 * (`postgres://u:p@ss@host/db` has the password `p@ss`). A password with an unencoded `/`, `?`
 * or `#` ends that part early, and the URL then does not parse as its writer meant
 * (`postgres://u:pa/ss@host/db`): when no `@` comes before them, everything up to the last `@`
 * is taken for the user information (whether the text parses or not), so no part of such a
 * password shows either.
 */
function userinfoOf(text: string): { readonly text: string; readonly start: number; readonly end: number } | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)
  if (!scheme) return undefined
  const start = scheme[0].length
  const rest = text.slice(start)
  const authorityEnd = rest.search(/[/?#]/)
  let at = (authorityEnd < 0 ? rest : rest.slice(0, authorityEnd)).lastIndexOf('@')
  // Even when the text parses: `mysql://u:12#x@host/db` (or `12?x`, `12/x`) reads as host u,
  // port 12 and a fragment (query, path) holding the rest of the password. A '@' in a parameter
  // of a URL without a user hides more than the password, never less.
  if (at < 0 && authorityEnd >= 0) at = rest.lastIndexOf('@')
  return at < 0 ? undefined : { text: rest.slice(0, at), start, end: start + at }
}

/**
 * Removes every occurrence of secrets (the URL's password, raw and percent-decoded) from a
 * message, so that driver errors that echo the connection string cannot leak it.
 */
export function scrubSecrets(message: string, url: string): string {
  const secrets = passwordsOf(url)
  let scrubbed = message
  for (const secret of secrets) if (secret.length > 0) scrubbed = scrubbed.split(secret).join('***')
  return scrubbed
}

function passwordsOf(url: string): string[] {
  const found: string[] = []
  const userinfo = userinfoOf(url)?.text
  if (userinfo !== undefined && userinfo.includes(':')) found.push(userinfo.slice(userinfo.indexOf(':') + 1))
  for (const param of url.matchAll(/[?&](?:password|pass|pwd)=([^&#]*)/gi)) found.push(param[1] as string)
  const decoded = found.map((secret) => {
    try {
      return decodeURIComponent(secret)
    } catch {
      return secret
    }
  })
  return [...new Set([...found, ...decoded])].sort((a, b) => b.length - a.length)
}

/** What to do about a URL whose user or password holds a character that ends a URL's part. */
export const PERCENT_ENCODE_HINT =
  'percent-encode the special characters of the user name and password (@ as %40, : as %3A, / as %2F, ? as %3F, # as %23, % as %25)'

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
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i.exec(text)
  let redacted = text
  if (match) {
    const userinfo = match[2] as string
    const colon = userinfo.indexOf(':')
    if (colon >= 0) redacted = `${match[1]}${userinfo.slice(0, colon)}:***@${text.slice(match[0].length)}`
  }
  // A password given as a query parameter (`?password=…`) is hidden too.
  return redacted.replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***')
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
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(url)
  const userinfo = match?.[1]
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

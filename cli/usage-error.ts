/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  /** The `code` of the error in `--json` output. */
  readonly code = 'usage'
}

/**
 * yargs' own messages, reworded to name flags as the user typed them: "Unknown argument: colour"
 * → `unknown option --colour`, "Arguments to and steps are mutually exclusive" → `--to and --steps
 * cannot be given together: give one of them`, "Missing required argument: to" → `--to is
 * required`. Other messages are kept as they are.
 */
export function usageMessage(message: string, argv: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/s.exec(message)
  if (unknown) {
    const names = (unknown[1] as string).split(', ')
    // yargs lists a flag under its name and its camelCase alias: each is shown once, as typed.
    const shown = [...new Set(names.map((name) => typed(name, argv)))]
    const flags = shown.filter((item) => item.startsWith('-'))
    const positionals = shown.filter((item) => !item.startsWith('-'))
    return [
      flags.length > 0 ? `unknown option${flags.length > 1 ? 's' : ''} ${flags.join(', ')}` : '',
      positionals.length > 0 ? `unexpected argument${positionals.length > 1 ? 's' : ''} ${positionals.join(', ')}` : '',
    ]
      .filter((part) => part !== '')
      .join('; ')
  }
  const exclusive = /^Arguments (\S+) and (\S+) are mutually exclusive$/.exec(message)
  if (exclusive) {
    return `${typed(exclusive[1] as string, argv)} and ${typed(exclusive[2] as string, argv)} cannot be given together: give one of them`
  }
  const missing = /^Missing required arguments?: (.+)$/.exec(message)
  if (missing) {
    const flags = (missing[1] as string).split(', ').map((name) => `--${name}`)
    return `${flags.join(', ')} ${flags.length > 1 ? 'are' : 'is'} required`
  }
  return message
}

/** `--colour` when the user typed `--colour` (or `--colour=x`), `-c` for `-c`, else `"colour"`. */
function typed(name: string, argv: readonly string[]): string {
  const end = argv.indexOf('--')
  for (const arg of end < 0 ? argv : argv.slice(0, end)) {
    const flag = /^(--?)([^=]+)/.exec(arg)
    if (!flag) continue
    const spelled = flag[2] as string
    if (spelled === name || (flag[1] === '-' && spelled.length > 1 && spelled.includes(name)))
      return `${flag[1]}${name}`
    if (spelled.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) === name)
      return `${flag[1]}${spelled}`
  }
  return JSON.stringify(name)
}

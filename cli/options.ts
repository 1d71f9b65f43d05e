import { TYPES_FLAG_CHOICES } from './types-flags.js'
import { UsageError } from './usage-error.js'

/** How an option's value is checked beyond what yargs' types check. */
type Rule =
  | { readonly kind: 'integer'; readonly min: number; readonly max?: number; readonly unit?: string }
  | { readonly kind: 'choice'; readonly choices: readonly string[] }
  | { readonly kind: 'text' }
  | { readonly kind: 'list' }

const text: Rule = { kind: 'text' }
const list: Rule = { kind: 'list' }
const integer = (min: number, unit?: string, max = Number.MAX_SAFE_INTEGER): Rule => ({
  kind: 'integer',
  min,
  max,
  unit,
})

/** Options every migrate command takes. */
const GLOBAL_RULES: Readonly<Record<string, Rule>> = {
  db: text,
  url: text,
  schema: text,
  'statement-lock-timeout': integer(0, 'of milliseconds', 2 ** 31 - 1),
  'lock-retries': integer(0, undefined, 100),
  agent: text,
  skills: list,
  // better-sqlite3 takes the busy timeout as a 32-bit integer.
  'lock-timeout': integer(0, 'of milliseconds', 2 ** 31 - 1),
  'load-extension': list,
  'max-file-size': integer(1, 'of bytes'),
  'journal-mode': { kind: 'choice', choices: ['wal', 'delete'] },
}

/** The flags that choose how db-types.ts is typed (run, reload and codegen take them). */
const TYPES_RULES: Readonly<Record<string, Rule>> = Object.fromEntries(
  Object.entries(TYPES_FLAG_CHOICES).map(([flag, choices]) => [flag, { kind: 'choice', choices }]),
)

/** Options of one command (positionals included: a repeated or empty one is a mistake too). */
const COMMAND_RULES: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  create: { skill: text, description: text, dir: text },
  run: { skill: text, dir: text, to: integer(1), ...TYPES_RULES },
  status: { skill: text },
  history: { skill: text, limit: integer(1) },
  rollback: { skill: text, to: integer(0), steps: integer(1) },
  baseline: { skill: text, dir: text, to: integer(1) },
  accept: {
    skill: text,
    version: integer(1),
    dir: text,
    as: { kind: 'choice', choices: ['applied', 'pending'] },
    through: integer(0),
  },
  verify: { skill: text, dir: text },
  lint: { skill: text, dir: text, engine: { kind: 'choice', choices: ['sqlite', 'postgres', 'mysql'] } },
  reload: { skill: text, ...TYPES_RULES },
  codegen: { skill: text, dir: text, out: text, ...TYPES_RULES },
}

/** The choices of an enum option, for its help text. */
export function choicesOf(flag: string): string {
  const rule = GLOBAL_RULES[flag] ?? Object.values(COMMAND_RULES).find((rules) => rules[flag])?.[flag]
  return rule?.kind === 'choice' ? rule.choices.join(' | ') : ''
}

/**
 * Checks the values of every option the command was given: numbers are whole and in range,
 * enums are one of their choices, single-valued options are given once and not empty, switches
 * are given no value other than `true` or `false`. A bad
 * value is a usage error naming the flag as the user typed it (`--lockTimeout=-1`).
 *
 * @throws {UsageError}
 */
export function checkOptionValues(argv: Readonly<Record<string, unknown>>, args: readonly string[]): void {
  checkSwitchValues(argv, args)
  const command = String((argv._ as unknown[] | undefined)?.[1] ?? '')
  const rules = { ...GLOBAL_RULES, ...COMMAND_RULES[command] }
  for (const [flag, rule] of Object.entries(rules)) {
    const typed = typedFlag(args, flag)
    // A flag given without a value may leave no value at all: still a mistake.
    const value = argv[flag] ?? argv[camelCase(flag)] ?? (typed.given ? '' : undefined)
    if (value === undefined) continue
    if (rule.kind === 'list') {
      const items: unknown[] = Array.isArray(value) ? value : [value]
      if (items.length === 0 || items.some((item) => String(item) === ''))
        throw new UsageError(`${typed.name} needs a value`)
      continue
    }
    if (Array.isArray(value)) throw new UsageError(`${typed.name} was given ${value.length} times: give it once`)
    const shown = typed.raw === undefined ? 'no value' : JSON.stringify(typed.raw)
    switch (rule.kind) {
      case 'text':
        if (String(value) === '') throw new UsageError(`${typed.name} needs a value`)
        break
      case 'choice':
        if (!rule.choices.includes(String(value)))
          throw new UsageError(`${typed.name} must be ${rule.choices.join(' or ')}, got ${shown}`)
        break
      case 'integer':
        if (
          typeof value !== 'number' ||
          !Number.isSafeInteger(value) ||
          value < rule.min ||
          value > (rule.max ?? Number.MAX_SAFE_INTEGER) ||
          typed.raw === ''
        ) {
          const range = rule.max === Number.MAX_SAFE_INTEGER || rule.max === undefined ? '' : ` and ≤ ${rule.max}`
          throw new UsageError(
            `${typed.name} must be a whole number${rule.unit ? ` ${rule.unit}` : ''} ≥ ${rule.min}${range}, got ${shown}`,
          )
        }
        break
    }
  }
}

/**
 * A switch (`--dry-run`, `--yes`, `--check`, …) given a value: yargs reads every value but
 * `true` and `false` as false, so `--dry-run=yes` ran the migrations and `--check=1` wrote the
 * files. Only `=true` and `=false` are taken; anything else is a usage error naming the flag.
 *
 * @throws {UsageError}
 */
function checkSwitchValues(argv: Readonly<Record<string, unknown>>, args: readonly string[]): void {
  for (const arg of args) {
    if (arg === '--') break
    const match = /^--([^=]+)=(.*)$/s.exec(arg)
    if (!match) continue
    const [, name, value] = match as unknown as [string, string, string]
    const key = name.startsWith('no-') && !(name in argv) ? name.slice(3) : name
    const parsed = argv[key] ?? argv[camelCase(key)]
    if (typeof parsed !== 'boolean' || value === 'true' || value === 'false') continue
    throw new UsageError(
      `--${name} is a switch and takes no value, got ${JSON.stringify(value)}: give --${key} alone, or leave it out`,
    )
  }
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

/**
 * The flag as the user typed it (`--lock-timeout`, `--lockTimeout`) and its last value as typed.
 * A positional argument (no flag) is named by its place: `<skill>`.
 */
function typedFlag(
  args: readonly string[],
  flag: string,
): { readonly name: string; readonly raw: string | undefined; readonly given: boolean } {
  const names = new Set([flag, camelCase(flag)])
  let found: { name: string; raw: string | undefined; given: boolean } | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--') break
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg)
    if (!match || !names.has(match[1] as string)) continue
    const next = args[i + 1]
    found = { name: `--${match[1]}`, raw: match[2] ?? (next?.startsWith('--') ? undefined : next), given: true }
  }
  return found ?? { name: `<${flag}>`, raw: undefined, given: false }
}

/**
 * Names in the generated file: interface names made from table names, property keys (quoted
 * when they must be), and the exact camelCase transformation of Kysely's `CamelCasePlugin`.
 *
 * @module
 */
import { CamelCasePlugin } from 'kysely'
import { compareNames } from './model.js'

/**
 * A table name as a PascalCase identifier: words split at anything that is not an ASCII letter
 * or digit, each capitalised (`user_profiles` → `UserProfiles`, `"order items"` → `OrderItems`).
 * A name that would start with a digit gets a leading `_`; a name with no usable character
 * becomes `Unnamed`.
 */
export function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word !== '')
  const joined = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('')
  if (joined === '') return 'Unnamed'
  return /^[0-9]/.test(joined) ? `_${joined}` : joined
}

/**
 * Why Kysely cannot name a table or view by its name, if it cannot: a string table reference is
 * split at `" as "` (an alias) and at `"."` (schema.table), so `selectFrom('t.dot')` reads table
 * `dot` of schema `t`. Such a relation is left out of the types (with a warning) rather than
 * typed under a key every query with it would fail on.
 */
export function unaddressableTableReason(name: string): string | undefined {
  if (name.includes(' as '))
    return 'Kysely reads " as " in a table reference as an alias, so it cannot name it (rename it)'
  if (name.includes('.'))
    return 'Kysely reads a "." in a table reference as schema.table, so it cannot name it (rename it)'
  return undefined
}

/**
 * PascalCase names for a set of tables, unique within the set. When several tables give the
 * same name, the first in name order keeps it and the others get `2`, `3`, … (skipping any name
 * another table gives), so the result depends only on the set of names.
 */
export function uniquePascalNames(names: readonly string[]): ReadonlyMap<string, string> {
  const sorted = [...new Set(names)].sort(compareNames)
  const bases = new Map(sorted.map((name) => [name, pascalCase(name)]))
  const taken = new Set(bases.values())
  const owners = new Map<string, string>()
  const result = new Map<string, string>()
  for (const name of sorted) {
    const base = bases.get(name) as string
    if (!owners.has(base)) {
      owners.set(base, name)
      result.set(name, base)
      continue
    }
    let counter = 2
    while (taken.has(`${base}${counter}`)) counter++
    const unique = `${base}${counter}`
    taken.add(unique)
    result.set(name, unique)
  }
  return result
}

/**
 * A property key as Prettier prints it (`quoteProps: 'as-needed'`, `singleQuote: true`): bare
 * when it is an identifier, else a string in the quote that needs fewer escapes. A name holding
 * a character a reader cannot see (see {@link escapeInvisible}) is always quoted, with that
 * character escaped, even where JavaScript would accept it in an identifier (U+200D).
 *
 * @param isIdentifier whether a text is an identifier that Prettier leaves (or makes) bare
 */
export function propertyKey(name: string, isIdentifier: (text: string) => boolean): string {
  return isIdentifier(name) && !hasInvisible(name) ? name : quoteString(name)
}

/**
 * Characters a reader cannot see, or that change how the text around them is shown: controls
 * (C0, DEL, C1: ESC recolours a terminal), format characters (the bidi controls U+202A–U+202E and
 * U+2066–U+2069 that reorder a line, zero-width characters, the BOM, tags), line and paragraph
 * separators (U+2028 ends a `//` comment), and lone surrogates.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu')

/** Whether a text holds a character {@link escapeInvisible} escapes. */
export function hasInvisible(text: string): boolean {
  return INVISIBLE.test(text)
}

/**
 * The text with every character a reader cannot see written as a JavaScript escape (`\u202E`,
 * `\x1B`; astral ones as a surrogate pair, which every target accepts): the generated file shows
 * what a name really holds and nothing in it can reorder or recolour what is around it.
 *
 * @example
 * escapeInvisible('abc\u202Etxt') // 'abc\\u202Etxt'
 */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE_ALL, unicodeEscape)
}

function unicodeEscape(char: string): string {
  const code = char.codePointAt(0) as number
  if (code < 0x100) return `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
  let escaped = ''
  for (let index = 0; index < char.length; index++) {
    escaped += `\\u${char.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0')}`
  }
  return escaped
}

/** A string literal with single quotes, or double quotes when the text has more `'` than `"`. */
export function quoteString(text: string): string {
  const singles = text.split("'").length - 1
  const doubles = text.split('"').length - 1
  const quote = singles > doubles ? '"' : "'"
  let out = quote
  for (const char of text) {
    if (char === quote || char === '\\') out += `\\${char}`
    else if (char === '\n') out += '\\n'
    else if (char === '\r') out += '\\r'
    else if (char === '\t') out += '\\t'
    else if (INVISIBLE.test(char)) out += unicodeEscape(char)
    else out += char
  }
  return out + quote
}

/** Exposes the protected mappers of Kysely's own plugin, so names are transformed exactly as it does. */
class CamelCaseProbe extends CamelCasePlugin {
  toCamel(name: string): string {
    return this.camelCase(name)
  }
  toSnake(name: string): string {
    return this.snakeCase(name)
  }
}

const plainCamelCase = new CamelCaseProbe()
const digitsCamelCase = new CamelCaseProbe({ underscoreBeforeDigits: true })

/** How a database name appears through `CamelCasePlugin` (default options). */
export interface CamelCaseName {
  /** The key the plugin gives result rows, and so the key to use in the types. */
  readonly key: string
  /**
   * Whether the plugin turns `key` back into the database name in queries. When it does not
   * (kysely-codegen #189: `item_1` → `item1` → `item1`), `problem` says what to do.
   */
  readonly roundTrips: boolean
  readonly problem: string | undefined
}

/**
 * The key `CamelCasePlugin` gives a column or table, and whether it maps back to the same name.
 *
 * @example
 * camelCaseName('created_at') // { key: 'createdAt', roundTrips: true }
 * camelCaseName('checklist_item_1').roundTrips // false: the plugin sends `checklist_item1`
 */
export function camelCaseName(name: string, what: 'column' | 'table' = 'column'): CamelCaseName {
  const key = plainCamelCase.toCamel(name)
  const back = plainCamelCase.toSnake(key)
  if (back === name) return Object.freeze({ key, roundTrips: true, problem: undefined })
  const withDigits = digitsCamelCase.toSnake(digitsCamelCase.toCamel(name)) === name
  const problem =
    `CamelCasePlugin maps "${key}" back to "${back}", not "${name}": ` +
    (withDigits
      ? `use new CamelCasePlugin({ underscoreBeforeDigits: true }) or rename the ${what}`
      : `rename the ${what}, or reach it with sql\`…\` or .withoutPlugins()`)
  return Object.freeze({ key, roundTrips: false, problem })
}

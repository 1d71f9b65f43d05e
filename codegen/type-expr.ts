/**
 * A tiny TypeScript type syntax tree: enough for the column types codegen emits, and enough to
 * know which names a file uses (so it imports and defines only those) and where Prettier would
 * break a long line.
 *
 * @module
 */
import { quoteString } from './names.js'

export type TypeExpr =
  /** A keyword (`string`, `null`) or a reference to a named type (`Buffer`, `Json`). */
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'union'; readonly members: readonly TypeExpr[] }
  /** A generic reference with type arguments: `Generated<number>`. */
  | { readonly kind: 'generic'; readonly name: string; readonly args: readonly TypeExpr[] }
  /** A string literal type (`'draft'`), for enum values. */
  | { readonly kind: 'literal'; readonly value: string }
  /** An array of its element: `string[]`, `(A | B)[]`. */
  | { readonly kind: 'array'; readonly element: TypeExpr }

const KEYWORDS: ReadonlySet<string> = new Set([
  'any',
  'bigint',
  'boolean',
  'never',
  'null',
  'number',
  'object',
  'string',
  'symbol',
  'undefined',
  'unknown',
  'void',
])

export function named(name: string): TypeExpr {
  return Object.freeze({ kind: 'name', name })
}

/** A string literal type, printed as Prettier prints it. */
export function literal(value: string): TypeExpr {
  return Object.freeze({ kind: 'literal', value })
}

export function generic(name: string, ...args: TypeExpr[]): TypeExpr {
  return Object.freeze({ kind: 'generic', name, args: Object.freeze(args) })
}

/** `T[]`. */
export function array(element: TypeExpr): TypeExpr {
  return Object.freeze({ kind: 'array', element })
}

/** A union; nested unions are flattened and repeated members dropped. */
export function union(...members: TypeExpr[]): TypeExpr {
  const flat: TypeExpr[] = []
  for (const member of members) {
    for (const part of member.kind === 'union' ? member.members : [member]) {
      if (!flat.some((seen) => printType(seen) === printType(part))) flat.push(part)
    }
  }
  return flat.length === 1 ? (flat[0] as TypeExpr) : Object.freeze({ kind: 'union', members: Object.freeze(flat) })
}

export const NULL: TypeExpr = named('null')

/** `T | null`, except for `unknown` (which already includes `null`). */
export function nullable(type: TypeExpr): TypeExpr {
  return type.kind === 'name' && (type.name === 'unknown' || type.name === 'any') ? type : union(type, NULL)
}

export function isKeyword(type: TypeExpr): boolean {
  return type.kind === 'name' && KEYWORDS.has(type.name)
}

/** The type on one line, as Prettier prints it when it fits. */
export function printType(type: TypeExpr): string {
  switch (type.kind) {
    case 'name':
      return type.name
    case 'union':
      return type.members.map(printType).join(' | ')
    case 'generic':
      return `${type.name}<${type.args.map(printType).join(', ')}>`
    case 'literal':
      return quoteString(type.value)
    case 'array':
      return type.element.kind === 'union' ? `(${printType(type.element)})[]` : `${printType(type.element)}[]`
  }
}

/** Every named type the expression refers to (keywords left out). */
export function referencedNames(type: TypeExpr, into: Set<string> = new Set()): Set<string> {
  switch (type.kind) {
    case 'name':
      if (!KEYWORDS.has(type.name)) into.add(type.name)
      break
    case 'union':
      for (const member of type.members) referencedNames(member, into)
      break
    case 'generic':
      into.add(type.name)
      for (const arg of type.args) referencedNames(arg, into)
      break
    case 'literal':
      break
    case 'array':
      referencedNames(type.element, into)
      break
  }
  return into
}

/**
 * Line breaking, the way Prettier does it (`printWidth` 80, two-space indent), for the few
 * constructs the emitter writes, so generated files are already formatted: running Prettier on
 * them changes nothing. ts-morph prints structures but never breaks a long line, and it indents
 * a multi-line type one level deeper than Prettier (hanging indentation); so a member that needs
 * breaking is handed to ts-morph already laid out, as its name.
 *
 * The rules below were measured against Prettier 3 and are checked by the tests over every
 * shape the emitter produces and keys of every length.
 *
 * @module
 */
import { type TypeExpr, isKeyword, printType } from './type-expr.js'

export const PRINT_WIDTH = 80
const INDENT = '  '

/** A member as ts-morph should print it: `name: type`, or (when laid out here) the whole text as `name`. */
export interface MemberLayout {
  readonly name: string
  readonly type: string | undefined
}

/** A statement as ts-morph should print it: a type alias structure, or (when laid out here) raw text. */
export type AliasLayout =
  | { readonly kind: 'alias'; readonly name: string; readonly type: string }
  | { readonly kind: 'text'; readonly text: string }

/**
 * Lays out `key: type;` as a member of a top-level interface. Continuation lines are indented
 * relative to the member, as ts-morph re-indents them.
 */
export function layoutMember(key: string, type: TypeExpr): MemberLayout {
  const flat = printType(type)
  if (textWidth(`${INDENT}${key}: ${flat};`) <= PRINT_WIDTH) return { name: key, type: flat }
  if (type.kind === 'union' && !hugsUnion(type)) {
    // Prettier moves a long union that it cannot hug to the next line, one level deeper; when it
    // does not fit there either, one member a line, each after a `|`.
    return { name: `${key}:\n${breakUnion(type, ';')}`, type: undefined }
  }
  // Prettier puts the type arguments of the outermost list that may break each on its own line,
  // without a trailing comma: the member's own (`Generated<\n  string[]\n>`), or one inside the
  // types it hugs (`Generated<ArrayType<\n  ArrayType<Int8>\n> | null>`).
  const target = breakableArguments(type)
  if (target !== undefined) return { name: `${key}: ${printBreaking(type, target)}`, type: undefined }
  return { name: key, type: flat }
}

type GenericType = Extract<TypeExpr, { kind: 'generic' }>

/**
 * The outermost generic whose type arguments Prettier may break: one with several arguments, or
 * with one it does not hug; looking through the arguments and unions it hugs.
 */
function breakableArguments(type: TypeExpr): GenericType | undefined {
  if (type.kind === 'union') {
    const member = hugsUnion(type) ? type.members.find((candidate) => !isKeyword(candidate)) : undefined
    return member === undefined ? undefined : breakableArguments(member)
  }
  if (type.kind !== 'generic') return undefined
  const only = type.args.length === 1 ? (type.args[0] as TypeExpr) : undefined
  if (only === undefined || !hugsTypeArgument(only)) return type
  return only.kind === 'union' ? breakableArguments(only) : undefined
}

/** The type printed flat, except `target`, whose arguments go one per line. */
function printBreaking(type: TypeExpr, target: GenericType): string {
  switch (type.kind) {
    case 'name':
      return type.name
    case 'union':
      return type.members.map((member) => printBreaking(member, target)).join(' | ')
    case 'array':
    case 'literal':
      return printType(type)
    case 'generic':
      if (type === target) {
        // Each argument on its own line; a union that does not fit there breaks further.
        const args = type.args.map((arg, index) =>
          arg.kind === 'union' && !hugsUnion(arg)
            ? breakUnion(arg, index < type.args.length - 1 ? ',' : '')
            : `${INDENT}${printType(arg)}`,
        )
        return `${type.name}<\n${args.join(',\n')}\n>`
      }
      return `${type.name}<${type.args.map((arg) => printBreaking(arg, target)).join(', ')}>`
  }
}

/** Lays out `export type name = type;` (type: a single reference such as `Selectable<UsersTable>`). */
export function layoutAlias(name: string, type: string): AliasLayout {
  if (textWidth(`export type ${name} = ${type};`) <= PRINT_WIDTH) return { kind: 'alias', name, type }
  return { kind: 'text', text: `export type ${name} =\n${INDENT}${type};` }
}

/**
 * Prettier keeps `A | null` on one line however long when exactly one member is an object type
 * or a type reference and every other member is `null` or `void` (an array type, `A[] | null`,
 * is neither: it breaks).
 */
function hugsUnion(type: Extract<TypeExpr, { kind: 'union' }>): boolean {
  const references = type.members.filter((member) => member.kind !== 'literal' && !isKeyword(member))
  const rest = type.members.filter((member) => member.kind === 'literal' || isKeyword(member))
  if (references.some((member) => member.kind === 'array')) return false
  return (
    references.length === 1 &&
    rest.every((member) => member.kind === 'name' && (member.name === 'null' || member.name === 'void'))
  )
}

/** A lone type argument Prettier never breaks out of its `<…>`: a keyword, a plain reference, a hugged union. */
function hugsTypeArgument(type: TypeExpr): boolean {
  if (type.kind === 'name' || type.kind === 'literal') return true
  if (type.kind === 'union') return hugsUnion(type)
  return false
}

/**
 * The width Prettier gives a text: East Asian wide and full-width characters and emoji count
 * two columns, combining marks and control characters none.
 */
export function textWidth(text: string): number {
  if (!/[^\x20-\x7e]/.test(text)) return text.length
  let width = 0
  for (const char of text) {
    const code = char.codePointAt(0) as number
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) continue
    if (code >= 0x300 && code <= 0x36f) continue
    width += isWide(code) || /\p{Extended_Pictographic}/u.test(char) ? 2 : 1
  }
  return width
}

/** East Asian Wide (W) and Fullwidth (F) ranges, the common blocks. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
}

/**
 * A union on lines of its own, one level deeper than the member: on one line when it fits there
 * (with the `after` text Prettier measures with it, `;` or `,`), else one member a line after `|`.
 */
function breakUnion(type: Extract<TypeExpr, { kind: 'union' }>, after: string): string {
  const flat = printType(type)
  if (textWidth(`${INDENT}${INDENT}${flat}${after}`) <= PRINT_WIDTH) return `${INDENT}${flat}`
  return type.members.map((member) => `${INDENT}| ${printType(member)}`).join('\n')
}

/**
 * Schema model → the text of a `db-types.ts`. A pure function of its input: no timestamps,
 * tables sorted by name, columns in declaration order, LF line endings, a trailing newline, and
 * laid out as Prettier would (`{ parser: 'typescript', singleQuote: true }`).
 *
 * ts-morph prints the structures; it is loaded here, on first use, and never on the start-up path.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type {
  InterfaceDeclarationStructure,
  OptionalKind,
  PropertySignatureStructure,
  StatementStructures,
  TypeAliasDeclarationStructure,
} from 'ts-morph'
import { type HelperType, type MapOptions, type TypeDefinition, type TypeMapper } from './mapper.js'
import { type SchemaModel, type TableModel, compareNames, isReadOnly } from './model.js'
import { type AliasLayout, layoutAlias, layoutMember } from './layout.js'
import { camelCaseName, escapeInvisible, propertyKey, uniquePascalNames } from './names.js'
import { referencedNames } from './type-expr.js'

export const TOOL_NAME = 'glorious-migrate'

export interface EmitOptions extends MapOptions {
  /** Keys as Kysely's `CamelCasePlugin` shows them (`created_at` → `createdAt`). */
  readonly camelCase: boolean
  /**
   * The command-line flags that regenerate the file, for its header: those of the options the
   * skill's saved settings (skill.json `"codegen"`) do not give. By default, one per option
   * that is not the default.
   */
  readonly flags?: readonly string[] | undefined
}

/** What the file is for: one skill's tables, or the whole database. */
export type EmitScope = { readonly skill: string } | { readonly wholeDatabase: true }

export interface EmittedTypes {
  readonly text: string
  /** Hash of the schema model and options the text was made from (also in the header). */
  readonly fingerprint: string
  /** Things worth telling the user (names that do not round-trip through CamelCasePlugin, …). */
  readonly warnings: readonly string[]
}

/** Helper types the file defines when used, in this order, with what each one needs. */
const HELPERS: readonly HelperType[] = [
  {
    name: 'Generated',
    needs: ['ColumnType'],
    text: [
      "/** Filled in by the database when an insert leaves it out. Unlike Kysely's own, it can wrap a `ColumnType`. */",
      'export type Generated<T> =',
      '  T extends ColumnType<infer S, infer I, infer U>',
      '    ? ColumnType<S, I | undefined, U>',
      '    : ColumnType<T, T | undefined, T>;',
    ].join('\n'),
  },
  {
    name: 'GeneratedAlways',
    needs: ['ColumnType'],
    text: [
      "/** Computed by the database: never inserted or updated. Unlike Kysely's own, it can wrap a `ColumnType`. */",
      'export type GeneratedAlways<T> =',
      '  T extends ColumnType<infer S, unknown, unknown>',
      '    ? ColumnType<S, never, never>',
      '    : ColumnType<T, never, never>;',
    ].join('\n'),
  },
  {
    name: 'Int64',
    needs: ['ColumnType'],
    text: [
      "/** An INTEGER read with better-sqlite3's `safeIntegers`: a `bigint` on select; a `number` or a `bigint` on insert and update. */",
      'export type Int64 = ColumnType<bigint, bigint | number, bigint | number>;',
    ].join('\n'),
  },
  {
    name: 'Timestamp',
    needs: ['ColumnType'],
    text: [
      '/** A date, or a date and time: a `Date` on select; a `Date` or a string on insert and update. */',
      'export type Timestamp = ColumnType<Date, Date | string, Date | string>;',
    ].join('\n'),
  },
  {
    name: 'Int8',
    needs: ['ColumnType'],
    text: [
      '/** A 64-bit integer read as a string (every digit kept); a string, a number or a bigint on insert and update. */',
      'export type Int8 = ColumnType<',
      '  string,',
      '  string | number | bigint,',
      '  string | number | bigint',
      '>;',
    ].join('\n'),
  },
  {
    name: 'Decimal',
    needs: ['ColumnType'],
    text: [
      '/** An exact decimal read as a string (every digit kept); a string or a number on insert and update. */',
      'export type Decimal = ColumnType<string, string | number, string | number>;',
    ].join('\n'),
  },
  {
    name: 'Json',
    needs: ['ColumnType', 'JsonValue'],
    text: [
      '/** A JSON column: a parsed value on select (with a JSON-parsing plugin), JSON text on insert and update. */',
      'export type Json = ColumnType<JsonValue, string, string>;',
    ].join('\n'),
  },
  {
    name: 'JsonValue',
    needs: ['JsonArray', 'JsonObject', 'JsonPrimitive'],
    text: 'export type JsonValue = JsonArray | JsonObject | JsonPrimitive;',
  },
  { name: 'JsonArray', needs: ['JsonValue'], text: 'export type JsonArray = JsonValue[];' },
  {
    name: 'JsonObject',
    needs: ['JsonValue'],
    text: 'export type JsonObject = { [key: string]: JsonValue | undefined };',
  },
  { name: 'JsonPrimitive', needs: [], text: 'export type JsonPrimitive = boolean | number | string | null;' },
]

/** The names `kysely` exports that a file may import, in import order. */
const KYSELY_TYPES = ['ColumnType', 'Insertable', 'Selectable', 'Updateable'] as const

/** Blank line before a statement (ts-morph adds them around interfaces by itself, not around type aliases). */
const BLANK_LINE = '\n'

interface TableNames {
  readonly pascal: string
  readonly interfaceName: string
}

/**
 * Emits the `db-types.ts` text for the given tables (already chosen: one skill's, or all).
 *
 * @example
 * ```ts
 * const { text } = await emitTypes(model, sqliteTypeMapper, { skill: 'notes' }, { camelCase: false, booleans: 'number', json: 'string' })
 * ```
 */
export async function emitTypes(
  model: SchemaModel,
  mapper: TypeMapper,
  scope: EmitScope,
  options: EmitOptions,
): Promise<EmittedTypes> {
  const { printStructure, StructureKind, ts } = await import('ts-morph')
  // Prettier leaves a key bare exactly when it is an ES5 identifier name; so does this.
  const isIdentifier = (text: string) =>
    [...text].every((char, index) =>
      (index === 0 ? ts.isIdentifierStart : ts.isIdentifierPart)(char.codePointAt(0) as number, ts.ScriptTarget.ES5),
    ) && text !== ''
  const fingerprint = fingerprintOf(model, options)
  const warnings: string[] = []
  const used = new Set<string>()
  const helpers = withDialectHelpers(mapper.helpers ?? [])
  const definitions = new Map<string, TypeDefinition>()

  const tables = model.tables.filter((table) => !isReadOnly(table))
  const views = model.tables.filter((table) => isReadOnly(table))
  const pascal = uniquePascalNames(model.tables.map((table) => table.name))
  const names = new Map<string, TableNames>(
    model.tables.map((table) => {
      const base = pascal.get(table.name) as string
      return [table.name, { pascal: base, interfaceName: `${base}${isReadOnly(table) ? 'View' : 'Table'}` }]
    }),
  )

  const relationStatements: (StatementStructures | string)[] = []
  for (const table of [...tables, ...views]) {
    const { pascal: base, interfaceName } = names.get(table.name) as TableNames
    relationStatements.push(interfaceFor(table, interfaceName))
    const aliases: [suffix: string, helper: string][] = isReadOnly(table)
      ? [['Row', 'Selectable']]
      : [
          ['Row', 'Selectable'],
          ['Insert', 'Insertable'],
          ['Update', 'Updateable'],
        ]
    for (const [suffix, helper] of aliases) {
      used.add(helper)
      relationStatements.push(aliasStatement(layoutAlias(`${base}${suffix}`, `${helper}<${interfaceName}>`)))
    }
  }

  const dbProperties: OptionalKind<PropertySignatureStructure>[] = []
  const dbKeys = new Map<string, string>()
  for (const table of model.tables) {
    const { key, docs } = keyFor(table.name, 'table', dbKeys, `table "${table.name}"`)
    if (key === undefined) continue
    const layout = layoutMember(propertyKey(key, isIdentifier), {
      kind: 'name',
      name: (names.get(table.name) as TableNames).interfaceName,
    })
    dbProperties.push({
      ...memberStructure(layout),
      ...(docs.length > 0 ? { docs: [docs.map(safeDoc).join('\n')] } : {}),
    })
  }

  const helperStatements = helpersFor(used)
  const imports = KYSELY_TYPES.filter((name) => used.has(name))
  const statements: (StatementStructures | string)[] = []
  if (imports.length > 0) {
    statements.push({
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: 'kysely',
      namedImports: [...imports],
    })
  }
  for (const helper of helperStatements) statements.push(statements.length > 0 ? BLANK_LINE + helper : helper)
  for (const name of [...definitions.keys()].sort(compareNames)) {
    const text = (definitions.get(name) as TypeDefinition).text
    statements.push(statements.length > 0 ? BLANK_LINE + text : text)
  }
  statements.push(...relationStatements)
  const dbDoc =
    'skill' in scope
      ? `The tables and views of skill "${safeDoc(scope.skill)}", for \`Kysely<DB>\`. Combine skills with \`&\`.`
      : 'Every table and view of the database, for `Kysely<DB>`.'
  statements.push(interfaceStatement('DB', [dbDoc], dbProperties, statements.length > 0))

  const printed = printStructure(
    { kind: StructureKind.SourceFile, statements },
    { indentNumberOfSpaces: 2, useSingleQuote: true, newLine: '\n' },
  )
  const body = printed.endsWith('\n') ? printed : `${printed}\n`
  const text = `${header(model, scope, options, contentHash(body), mapper.headerNotes?.(options) ?? [])}\n\n${body}`
  return Object.freeze({ text, fingerprint, warnings: Object.freeze(warnings) })

  function interfaceFor(table: TableModel, interfaceName: string): InterfaceDeclarationStructure | string {
    const owner = table.owner ? ` (skill: ${table.owner.skill})` : ''
    const facts = mapper.describeTable(table)
    const docs = isReadOnly(table)
      ? [
          `View ${codeSpan(table.name)}${owner}${facts ? `, ${facts}` : ''}: read-only.`,
          'Kysely still accepts `insertInto` on it (every column is `never` on insert), so take care.',
        ]
      : [`Table ${codeSpan(table.name)}${owner}${facts ? `, ${facts}` : ''}.`]
    if (table.comment !== undefined) docs.push(table.comment)
    const properties: OptionalKind<PropertySignatureStructure>[] = []
    const keys = new Map<string, string>()
    for (const column of table.columns) {
      const { key, docs: keyDocs } = keyFor(column.name, 'column', keys, `column "${column.name}" of "${table.name}"`)
      if (key === undefined) continue
      const mapped = mapper.mapColumn(column, table, options)
      for (const name of referencedNames(mapped.type)) used.add(name)
      for (const definition of mapped.definitions ?? []) definitions.set(definition.name, definition)
      const lines = [...mapped.docs, ...keyDocs].map(safeDoc)
      properties.push({
        ...memberStructure(layoutMember(propertyKey(key, isIdentifier), mapped.type)),
        ...(lines.length > 0 ? { docs: [lines.join('\n')] } : {}),
      })
    }
    // A relation's interface always follows the kysely import.
    return interfaceStatement(interfaceName, docs.map(safeDoc), properties, true)
  }

  /** An exported interface; an empty one as text, since ts-morph prints `{}` over two lines and Prettier on one. */
  function interfaceStatement(
    name: string,
    docs: readonly string[],
    properties: OptionalKind<PropertySignatureStructure>[],
    afterOthers: boolean,
  ): InterfaceDeclarationStructure | string {
    if (properties.length > 0) {
      return { kind: StructureKind.Interface, isExported: true, name, docs: [docs.join('\n')], properties }
    }
    const doc = docs.length === 1 ? `/** ${docs[0]} */` : ['/**', ...docs.map((line) => ` * ${line}`), ' */'].join('\n')
    return `${afterOthers ? BLANK_LINE : ''}${doc}\nexport interface ${name} {}`
  }

  /**
   * The key of a column or table in the file, or `undefined` when camelCase makes it collide
   * with an earlier one (the earlier one is kept; a warning says so).
   */
  function keyFor(
    name: string,
    what: 'column' | 'table',
    seen: Map<string, string>,
    label: string,
  ): { key: string | undefined; docs: string[] } {
    if (!options.camelCase) return { key: name, docs: [] }
    const camel = camelCaseName(name, what)
    const earlier = seen.get(camel.key)
    if (earlier !== undefined) {
      warnings.push(`${label} is left out: CamelCasePlugin names it "${camel.key}", like "${earlier}"`)
      return { key: undefined, docs: [] }
    }
    seen.set(camel.key, name)
    if (camel.problem === undefined) return { key: camel.key, docs: [] }
    warnings.push(`${label}: ${camel.problem}`)
    return { key: camel.key, docs: [`Warning: ${camel.problem}.`] }
  }

  function memberStructure(layout: {
    name: string
    type: string | undefined
  }): OptionalKind<PropertySignatureStructure> {
    return layout.type === undefined ? { name: layout.name } : { name: layout.name, type: layout.type }
  }

  function aliasStatement(layout: AliasLayout): TypeAliasDeclarationStructure | string {
    return layout.kind === 'text'
      ? layout.text
      : { kind: StructureKind.TypeAlias, isExported: true, name: layout.name, type: layout.type }
  }

  function helpersFor(names: Set<string>): string[] {
    const pending = [...names]
    while (pending.length > 0) {
      const name = pending.pop() as string
      for (const need of helpers.find((helper) => helper.name === name)?.needs ?? []) {
        if (!names.has(need)) {
          names.add(need)
          pending.push(need)
        }
      }
    }
    return helpers.filter((helper) => names.has(helper.name)).map((helper) => helper.text)
  }
}

/** The shared helpers with a dialect's: those named like a shared one replace it, the others follow `GeneratedAlways`. */
function withDialectHelpers(own: readonly HelperType[]): readonly HelperType[] {
  if (own.length === 0) return HELPERS
  const replaced = HELPERS.map((helper) => own.find((mine) => mine.name === helper.name) ?? helper)
  const added = own.filter((mine) => !HELPERS.some((helper) => helper.name === mine.name))
  const at = replaced.findIndex((helper) => helper.name === 'GeneratedAlways') + 1
  return [...replaced.slice(0, at), ...added, ...replaced.slice(at)]
}

/**
 * The file's first line: the schema fingerprint (model, options, output format) and a hash of the
 * text below the header, so the file itself tells whether it is intact and current.
 */
function headerFirstLine(model: SchemaModel, scope: EmitScope, options: EmitOptions, content: string): string {
  const what = 'skill' in scope ? `skill: ${scope.skill}` : 'whole database'
  return `// @generated by ${TOOL_NAME} codegen (${model.dialect}, ${what}, schema ${fingerprintOf(model, options)}, content ${content}). Do not edit.`
}

/**
 * Whether a file on disk is exactly what {@link emitTypes} would print, decided without printing:
 * its header names the same schema fingerprint and scope, and its text below the header still
 * hashes to the content hash in the header (so a hand edit is noticed). This lets regeneration
 * skip ts-morph when nothing changed; `--check` compares every byte regardless.
 */
export function isCurrentTypesFile(
  existing: string,
  model: SchemaModel,
  scope: EmitScope,
  options: EmitOptions,
): boolean {
  const newline = existing.indexOf('\n')
  const blank = existing.indexOf('\n\n')
  if (newline < 0 || blank < 0) return false
  const content = /, content ([0-9a-f]{8})\)\. Do not edit\.$/.exec(existing.slice(0, newline))?.[1]
  if (content === undefined || contentHash(existing.slice(blank + 2)) !== content) return false
  return existing.slice(0, newline) === headerFirstLine(model, scope, options, content)
}

function contentHash(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 8)
}

/** The first lines of the file: what made it, from what, with which options, and how to regenerate or check it. */
function header(
  model: SchemaModel,
  scope: EmitScope,
  options: EmitOptions,
  content: string,
  notes: readonly string[],
): string {
  const flags = (options.flags ?? optionFlags(options)).map((flag) => ` ${flag}`).join('')
  const regenerate =
    'skill' in scope
      ? `glorious migrate codegen ${scope.skill}${flags}`
      : `glorious migrate codegen --all${flags} --out <this file>`
  const check =
    'skill' in scope
      ? `glorious migrate codegen ${flags === '' ? '' : `${scope.skill} `}--check${flags}`
      : `glorious migrate codegen --all --check${flags} --out <this file>`
  const lines = [headerFirstLine(model, scope, options, content), `// Regenerate: ${regenerate}   Check: ${check}`]
  const chosen = [
    options.camelCase ? 'camelCase: true' : undefined,
    options.booleans === 'boolean' ? "booleans: 'boolean'" : undefined,
    options.json === 'json' ? "json: 'json'" : undefined,
    options.integers === 'bigint' ? "integers: 'bigint'" : undefined,
    options.bigNumbers === 'string' ? "bigNumbers: 'string'" : undefined,
  ].filter((option) => option !== undefined)
  if (chosen.length > 0) lines.push(`// Options: { ${chosen.join(', ')} }`)
  for (const note of notes) lines.push(`// ${note}`)
  return lines.join('\n')
}

/** The flags that give each option that is not the default. */
export function optionFlags(options: MapOptions & { readonly camelCase: boolean }): string[] {
  return [
    options.camelCase ? '--camel-case' : undefined,
    options.booleans === 'boolean' ? '--booleans boolean' : undefined,
    options.json === 'json' ? '--json-columns json' : undefined,
    options.integers === 'bigint' ? '--integers bigint' : undefined,
  ].filter((flag) => flag !== undefined)
}

/** Version of the output format: bump it whenever the same schema would be printed differently. */
const OUTPUT_FORMAT = 2

/** A short hash of everything the text depends on: the model, the options and the output format. */
export function fingerprintOf(model: SchemaModel, options: EmitOptions): string {
  const input = JSON.stringify({
    format: OUTPUT_FORMAT,
    dialect: model.dialect,
    tables: model.tables,
    options: {
      booleans: options.booleans,
      camelCase: options.camelCase,
      json: options.json,
      integers: options.integers,
      flags: options.flags ?? optionFlags(options),
      // Only when not the default, so fingerprints made before the option existed stay valid.
      ...(options.bigNumbers === 'string' ? { bigNumbers: options.bigNumbers } : {}),
    },
  })
  return createHash('sha256').update(input).digest('hex').slice(0, 8)
}

/** A name in a doc comment, in backticks. */
function codeSpan(name: string): string {
  return '`' + name.replaceAll('`', "'") + '`'
}

/**
 * Doc text that cannot end the comment early, stays on its own lines, and shows every character
 * a reader cannot see as an escape (a bidi control in a name cannot reorder the comment).
 */
function safeDoc(line: string): string {
  return line
    .split(/\r\n?|[\n\u2028\u2029]/)
    .map((part) => escapeInvisible(part.replace(/\t/g, ' ')).replace(/\s+/g, ' ').trim())
    .filter((part) => part !== '')
    .join(' ')
    .replaceAll('*/', '*\\/')
}

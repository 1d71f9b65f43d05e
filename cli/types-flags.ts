import type { TypesOptions } from '../lib/index.js'

/** The flags that choose how `db-types.ts` is typed (run, reload and codegen take them). */
export interface TypesFlags {
  readonly camelCase?: boolean | undefined
  readonly booleans?: 'number' | 'boolean' | undefined
  readonly jsonColumns?: 'string' | 'json' | undefined
  readonly integers?: 'number' | 'bigint' | undefined
  readonly bigNumbers?: 'number' | 'string' | undefined
}

const NOT_SAVED = 'overrides the skill.json "codegen" option for this command; not saved'

/** The values each type flag takes (checked with the other options' values, in cli/options.ts). */
export const TYPES_FLAG_CHOICES: Readonly<Record<string, readonly string[]>> = {
  booleans: ['number', 'boolean'],
  'json-columns': ['string', 'json'],
  integers: ['number', 'bigint'],
  'big-numbers': ['number', 'string'],
}

/**
 * The type flags, for yargs' `.options(…)`. None has a default: a flag left out takes the option
 * the skill saves in its skill.json.
 */
export const TYPES_FLAGS = {
  'camel-case': {
    type: 'boolean',
    describe: `Keys as Kysely's CamelCasePlugin shows them (${NOT_SAVED})`,
  },
  booleans: {
    type: 'string',
    describe: `Type of BOOLEAN columns: number (SQLite stores 0/1, the default) or boolean (${NOT_SAVED})`,
  },
  'json-columns': {
    type: 'string',
    describe: `Type of JSON columns: string (the stored text, the default) or json (parsed by a plugin) (${NOT_SAVED})`,
  },
  integers: {
    type: 'string',
    describe: `Type of integers: number (exact up to 2^53 - 1, the default) or bigint (better-sqlite3's safeIntegers) (${NOT_SAVED})`,
  },
  'big-numbers': {
    type: 'string',
    describe: `Type of MySQL BIGINT columns: number (mysql2's default, exact up to 2^53 - 1) or string (supportBigNumbers + bigNumberStrings) (${NOT_SAVED})`,
  },
} as const

/** The library's type options from the flags (`undefined` where a flag was left out). */
export function typesOptions(args: TypesFlags): TypesOptions {
  return {
    camelCase: args.camelCase,
    booleans: args.booleans,
    json: args.jsonColumns,
    integers: args.integers,
    bigNumbers: args.bigNumbers,
  }
}

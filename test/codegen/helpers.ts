import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDatabase } from '../../lib/connection/open-database.js'
import type { DatabaseSession } from '../../lib/connection/session.js'
import { migrateSkills } from '../../lib/index.js'

/** The repository's root folder (where package.json is), found from this compiled file. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))

/** Where the golden files live (in the source tree, not in build/). */
export const GOLDEN_DIR = join(REPO_ROOT, 'test', 'fixtures', 'codegen')

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'codegen'))) return dir
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`)
  }
}

/** Applies the skills' migrations through the real library (so ownership rows are recorded); fails the test on error. */
export async function applySkills(
  database: string,
  skills: readonly { name: string; migrationsDir: string }[],
): Promise<void> {
  const result = await migrateSkills(skills, { database, codegen: false })
  assert.equal(result.error, undefined, result.error?.message)
}

/** Opens a writable session on a database file; close it when done. */
export function openSession(database: string): Promise<DatabaseSession> {
  return openDatabase({ database }, { readonly: false })
}

/** Formats TypeScript the way the generated files must already be formatted. */
export async function prettierFormat(text: string): Promise<string> {
  const { format } = await import('prettier')
  return format(text, { parser: 'typescript', singleQuote: true })
}

export interface TscResult {
  readonly status: number | null
  readonly output: string
}

/**
 * Type-checks the `.ts` files of a folder with the repository's TypeScript (`tsc --noEmit`, strict),
 * resolving `kysely` and Node's types from the repository's node_modules.
 */
export function typecheck(dir: string, files: readonly string[]): TscResult {
  const nodeModules = join(REPO_ROOT, 'node_modules')
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      noUnusedLocals: false,
      types: ['node'],
      typeRoots: [join(nodeModules, '@types')],
      baseUrl: '.',
      // The folder is outside the repository, so point the compiler at kysely's typings.
      paths: { kysely: [join(nodeModules, 'kysely', 'dist', 'esm', 'index.d.ts')] },
    },
    files,
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2))
  const tsc = join(nodeModules, 'typescript', 'bin', 'tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: dir,
    encoding: 'utf8',
  })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

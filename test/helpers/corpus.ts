import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The team's corpus of real migration histories, beside the repository (never copied into it). */
export const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url))

/** The SQLite histories of the corpus that have an expected schema. */
export function sqliteHistories(): string[] {
  return readdirSync(CORPUS)
    .filter((name) => name.endsWith('-sqlite') && existsSync(join(CORPUS, name, 'expected-schema.sql')))
    .sort()
}

/** Histories that need SQLite's legacy double-quoted string literals (see corpus README). */
export const NEEDS_DQS = new Set(['pingvinshare-sqlite'])

/** Compiles the DQS compatibility extension (test/fixtures/sqlite-dqs-extension.c) into `dir`. */
export function buildDqsExtension(dir: string): string {
  const repo = fileURLToPath(new URL('../../../', import.meta.url))
  const out = join(dir, 'dqs.so')
  execFileSync('cc', [
    '-O2',
    '-shared',
    '-fPIC',
    `-I${join(repo, 'node_modules', 'better-sqlite3', 'deps', 'sqlite3')}`,
    join(repo, 'test', 'fixtures', 'sqlite-dqs-extension.c'),
    '-o',
    out,
  ])
  return out
}

import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The team's corpus of real migration histories, read in place (never copied into the
 * repository): `../shared/corpus/` beside the checkout. A clone made elsewhere (CI clones into a
 * temporary folder) finds it beside the repository it was cloned from; `GLORIOUS_CORPUS` overrides
 * both. A missing corpus fails the tests that need it: they are never skipped.
 */
export const CORPUS = findCorpus()

function findCorpus(): string {
  const repo = fileURLToPath(new URL('../../../', import.meta.url))
  const candidates = [process.env.GLORIOUS_CORPUS, join(repo, '..', 'shared', 'corpus')]
  try {
    const origin = execFileSync('git', ['-C', repo, 'config', '--get', 'remote.origin.url'], {
      encoding: 'utf8',
    }).trim()
    if (origin !== '' && !/^[a-z+]+:\/\//i.test(origin) && !/^[^/]+@[^:]+:/.test(origin)) {
      candidates.push(join(resolve(repo, origin), '..', 'shared', 'corpus'))
    }
  } catch {
    // Not a git checkout, or no origin: only the other places count.
  }
  const found = candidates.find((dir) => dir !== undefined && existsSync(join(dir, 'README.md')))
  if (found === undefined) {
    throw new Error(
      `the shared corpus was not found (looked in ${candidates.filter(Boolean).join(', ')}): set GLORIOUS_CORPUS`,
    )
  }
  return found.endsWith('/') ? found : `${found}/`
}

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

/**
 * The documentation's TypeScript compiles: every ```ts block of a JSDoc `@example` in lib/ (the
 * public API's doc comments), and every ```ts block of the README. Each becomes a
 * module inside the package (so `import … from 'glorious-migrate'` resolves to the build, as it
 * does for users) and one strict `tsc` run checks them all, as Kysely checks its JSDoc examples.
 *
 * A snippet without imports sees every export of glorious-migrate, plus the few variables the
 * doc comments assume (`migrator`, `migrationsDir`, see CONTEXT). `kysely/migration` (Kysely
 * 0.29's home of `Migrator`) maps to Kysely 0.28's root when the installed Kysely is 0.28, so the
 * examples show the current import; the package test runs them against both versions.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))

interface Example {
  /** Where the block starts: `lib/skills.ts:72` or `README.md:248`. */
  readonly source: string
  readonly code: string
}

/** Declarations the doc comments take for granted. */
const CONTEXT = `import type { Migrator } from 'glorious-migrate'
declare global {
  /** A migrator made with createMigrator. */
  const migrator: Migrator
  /** A skill's migrations folder. */
  const migrationsDir: string
}
export {}
`

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.c?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The ```ts blocks of the JSDoc `@example` tags of a source file, without the ` * ` margins. */
function jsdocExamples(path: string, text: string): Example[] {
  const examples: Example[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i]!)) continue
    let start = i + 1
    while (start < lines.length && /^\s*\*\s*$/.test(lines[start]!)) start++
    if (!/^\s*\*\s*```(ts|typescript)\s*$/.test(lines[start] ?? '')) continue
    const body: string[] = []
    let end = start + 1
    for (; end < lines.length && !/^\s*\*\s*```\s*$/.test(lines[end]!); end++) {
      body.push(lines[end]!.replace(/^\s*\* ?/, ''))
    }
    examples.push({ source: `${relative(REPO, path)}:${start + 2}`, code: body.join('\n') })
    i = end
  }
  return examples
}

/** The ```ts blocks of a Markdown file. */
function markdownExamples(path: string, text: string): Example[] {
  const examples: Example[] = []
  const pattern = /^```(?:ts|typescript)\n([\s\S]*?)^```$/gm
  for (const match of text.matchAll(pattern)) {
    const line = text.slice(0, match.index).split('\n').length + 1
    examples.push({ source: `${relative(REPO, path)}:${line}`, code: match[1]! })
  }
  return examples
}

/** The names lib/index.ts exports, values and types apart. */
async function publicNames(): Promise<{ values: string[]; types: string[] }> {
  const values = Object.keys(await import('../../lib/index.js')).sort()
  const index = readFileSync(join(REPO, 'lib', 'index.ts'), 'utf8')
  const types = [...index.matchAll(/^export type \{([^}]*)\}/gm)]
    .flatMap((match) => match[1]!.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '' && !values.includes(name))
    .sort()
  return { values, types }
}

function kyselyHasMigrationEntry(): boolean {
  const pkg = JSON.parse(readFileSync(join(REPO, 'node_modules', 'kysely', 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>
  }
  return pkg.exports?.['./migration'] !== undefined
}

/**
 * Writes the examples as modules in a folder inside the package and type-checks them all; returns
 * tsc's diagnostics with each file name replaced by the example's source.
 */
async function typecheckExamples(examples: readonly Example[]): Promise<string> {
  // Inside the repository, so that `glorious-migrate` resolves to this package (self-reference
  // through package.json "exports") and kysely, better-sqlite3 and @types/node to node_modules.
  const dir = mkdtempSync(join(REPO, 'build', 'doc-examples-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const { values, types } = await publicNames()
  const prelude =
    `import { ${values.join(', ')} } from 'glorious-migrate'\n` +
    `import type { ${types.join(', ')} } from 'glorious-migrate'\n`
  const files = examples.map((example, index) => {
    const file = `example-${String(index).padStart(3, '0')}.ts`
    const ownImports = /^import\s/m.test(example.code)
    writeFileSync(join(dir, file), `${ownImports ? '' : prelude}${example.code}\nexport {}\n`)
    return file
  })
  writeFileSync(join(dir, 'context.d.ts'), CONTEXT)
  const paths = kyselyHasMigrationEntry()
    ? {}
    : { 'kysely/migration': [join(REPO, 'node_modules', 'kysely', 'dist', 'esm', 'index.d.ts')] }
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      paths,
    },
    files: ['context.d.ts', ...files],
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2))
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: dir,
    encoding: 'utf8',
  })
  let output = `${run.stdout}${run.stderr}`
  examples.forEach((example, index) => {
    output = output.replaceAll(`example-${String(index).padStart(3, '0')}.ts`, `[${example.source}] `)
  })
  if (run.status !== 0 && output.trim() === '') output = `tsc exited with ${run.status}`
  return output
}

describe('documentation examples type-check', () => {
  const jsdoc = sourceFiles(join(REPO, 'lib'))
    .sort()
    .flatMap((path) => jsdocExamples(path, readFileSync(path, 'utf8')))
  const readme = markdownExamples(join(REPO, 'README.md'), readFileSync(join(REPO, 'README.md'), 'utf8'))

  it('finds the examples', () => {
    assert.ok(jsdoc.length >= 10, `${jsdoc.length} JSDoc examples`)
    assert.ok(
      jsdoc.some((example) => example.source.startsWith('lib/runner/sql-file-migration-provider.ts')),
      'the SqlFileMigrationProvider example',
    )
    assert.ok(readme.length >= 2, `${readme.length} README examples`)
  })

  it('the JSDoc @example blocks of lib/ and the README ```ts blocks compile with tsc --strict', async () => {
    assert.ok(existsSync(join(REPO, 'build', 'lib', 'index.d.ts')), 'the build (npm run build) is there')
    // One broken example rides along, so the check is seen to catch a wrong one (and to name it).
    const broken: Example = { source: 'broken.ts:1', code: "const x: number = createMigrator({ skill: 'notes' })" }
    const output = await typecheckExamples([...jsdoc, ...readme, broken])
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line))
    assert.ok(errors.length > 0 && errors.every((line) => line.startsWith('[broken.ts:1] ')), output)
  })
})

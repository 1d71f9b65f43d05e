// `npm run build`, and `prepare` (npm runs it after `npm ci` here, and when it installs the
// package from git or from a folder): a clean build/ (no files of renamed or deleted sources),
// tsc for the library, codegen, CLI and tests, then the CLI bundle.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(resolve(root, 'package.json'))

let tsc
try {
  tsc = resolve(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
  require.resolve('esbuild')
} catch {
  console.error(
    `glorious-migrate: cannot build in ${root}: its development dependencies (TypeScript, esbuild) are not installed there; run "npm ci" in that folder first`,
  )
  process.exit(1)
}

rmSync(resolve(root, 'build'), { recursive: true, force: true })
for (const args of [[tsc, '-p', resolve(root, 'tsconfig.json')], [resolve(root, 'scripts', 'bundle-cli.mjs')]]) {
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

// `npm run build`: a clean build/ (no files of renamed or deleted sources), tsc for the library,
// codegen, CLI and tests, then the CLI bundle. `--package` (the `prepare` script, which npm runs
// after `npm ci` here and when it installs the package from git or from a folder) leaves the tests
// out: the package needs only the library, codegen and the bundle, and every test script builds
// everything anyway.
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

const tsconfig = process.argv.includes('--package') ? 'tsconfig.build.json' : 'tsconfig.json'
rmSync(resolve(root, 'build'), { recursive: true, force: true })
for (const args of [[tsc, '-p', resolve(root, tsconfig)], [resolve(root, 'scripts', 'bundle-cli.mjs')]]) {
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

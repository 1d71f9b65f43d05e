// Bundles the CLI and the library it calls into one file. Loading one file instead of Kysely's
// ~400 modules is what keeps `glorious migrate run` with nothing to do near Node's own start-up
// time. Native and heavy modules stay external: better-sqlite3 (a native addon), ts-morph (loaded
// lazily, only when types are generated), and the server drivers pg and mysql2 (optional peers,
// loaded only when a URL names their engine: bundled, mysql2 and its encodings alone were half of
// the file, parsed at every start of every SQLite user's command). libpg-query (PostgreSQL's
// parser in WebAssembly) stays external too: an optional peer, loaded only by PostgreSQL plans and
// lint.
//
// The bundle is CommonJS (build/bin/glorious-cli.cjs), started by a small loader
// (build/bin/glorious.js) that compiles it with a V8 code cache made here, at build time, by a
// training run: parsing and compiling the bundle was a fifth of the instructions of a no-op
// `migrate run`. The cache is only read, never written, by the CLI (read-only commands write
// nothing), and is used only for the exact bundle it was made from (its SHA-256) and by the Node
// version and flags that made it (V8 rejects it otherwise, and the bundle is compiled as before).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import vm from 'node:vm'
import { build } from 'esbuild'

const stringWidthLite = fileURLToPath(new URL('./string-width-lite.mjs', import.meta.url))
const assertLite = fileURLToPath(new URL('./assert-lite.mjs', import.meta.url))
const bundleFile = 'build/bin/glorious-cli.cjs'
const cacheFile = 'build/bin/glorious-cli.cache'
// The bundle's text is one function expression, compiled as it is on disk (no copy of 0.8 MB
// to wrap it at every start).
const WRAP_START = '(function (exports, require, module, __filename, __dirname, __glorious_import_meta_url) {'
const WRAP_END = '\n})'

await build({
  entryPoints: ['cli/run-cli.ts'],
  outfile: bundleFile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'ts-morph', 'prettier', 'pg', 'mysql2', 'libpg-query'],
  define: { 'import.meta.url': '__glorious_import_meta_url' },
  // import() of the external CommonJS packages becomes require(): a script compiled through
  // vm.Script has no module loader for import().
  supported: { 'dynamic-import': false },
  // Less source text is less for V8 to parse at every start; names are kept, so error classes and
  // stack traces stay readable. No source map: it would weigh three times the bundle and point at
  // sources the package does not ship (debug with the unbundled build/cli/).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  banner: { js: WRAP_START },
  footer: { js: WRAP_END },
  plugins: [
    {
      // Light stand-ins for what the CLI's dependencies load at every start but rarely use:
      // string-width (scripts/string-width-lite.mjs) and yargs' `assert` (scripts/assert-lite.mjs).
      name: 'light-stand-ins',
      setup(build) {
        build.onResolve({ filter: /^string-width$/ }, () => ({ path: stringWidthLite }))
        build.onResolve({ filter: /^assert$/ }, (args) =>
          args.importer.includes('yargs') ? { path: assertLite } : undefined,
        )
      },
    },
  ],
})

// The bundle's file signature (size, mtime, ctime, inode, device) is recorded in the cache so the
// loader need not hash 0.9 MB at every start: taken before the bundle is read, once the clock
// has moved past the tick the bundle was written in, so that any later write gives it another
// ctime, and recorded only if it is unchanged once the cache is made.
await new Promise((resolve) => setTimeout(resolve, 50))
const signatureBefore = signatureOf(bundleFile)
const source = readFileSync(bundleFile, 'utf8')
const hash = createHash('sha256').update(source).digest('hex')
// The cache's header: the bundle's SHA-256 (hex), then its file signature padded with spaces.
const HASH_BYTES = 64
const SIGNATURE_BYTES = 128
const HEADER_BYTES = HASH_BYTES + SIGNATURE_BYTES

// The loader is CommonJS (build/bin/package.json says so): starting from an ES module costs Node
// its ES module loader, about 14 M instructions and 3 % of a no-op run's wall time.
writeFileSync('build/bin/package.json', '{ "type": "commonjs" }\n')
writeFileSync(
  'build/bin/glorious.js',
  `#!/usr/bin/env node
// Starts the CLI bundle, compiled with the code cache made when it was built (see
// scripts/bundle-cli.mjs) when that cache belongs to this very bundle.
'use strict'
const { readFileSync, statSync } = require('node:fs')
const { createRequire } = require('node:module')
const { join } = require('node:path')
const { pathToFileURL } = require('node:url')
const vm = require('node:vm')

const file = join(__dirname, 'glorious-cli.cjs')

// In a function, so that the cache's buffer is garbage once compiled.
function compile() {
  const source = readFileSync(file, 'utf8')
  let cachedData
  try {
    const cache = readFileSync(join(__dirname, 'glorious-cli.cache'))
    // The cache names the bundle it was made from (V8 itself checks only its length): by the
    // bundle's file signature when the cache was made, and by its SHA-256. The signature is taken
    // after the read, and any write since the build changes the ctime, so a match means what was
    // read is what the cache was made from; a copied or moved bundle is checked by its hash.
    const stat = statSync(file)
    const signature = \`\${stat.size}:\${stat.mtimeMs}:\${stat.ctimeMs}:\${stat.ino}:\${stat.dev}\`
    if (
      cache.subarray(${HASH_BYTES}, ${HEADER_BYTES}).toString('latin1').trimEnd() === signature ||
      cache.subarray(0, ${HASH_BYTES}).toString('latin1') ===
        require('node:crypto').createHash('sha256').update(source).digest('hex')
    )
      cachedData = cache.subarray(${HEADER_BYTES})
  } catch {
    // No cache (an installed package, or a build without one): compiled as usual.
  }
  return new vm.Script(source, { filename: file, cachedData })
}
// Output that cannot be written never stops the command (a run is never cut short by it): a reader
// that stops early (\`glorious migrate history | head -1\`) costs the rest of the output, and runCli
// reports any other failure to write stdout once the command is done (exit 1). A failing stderr
// has nowhere left to be reported.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
const cli = { exports: {} }
compile().runInThisContext()(cli.exports, createRequire(file), cli, file, __dirname, pathToFileURL(file).href)
// Should the event loop ever run dry before the command finishes (a bug: a promise nothing will
// settle), the process must not exit 0 as if all went well.
let finished = false
process.exitCode = 1
process.on('exit', () => {
  if (!finished) process.stderr.write('error: glorious stopped before the command finished: this is a bug, please report it\\n')
})
// The server drivers' compiled code is kept between runs (see lib/connection/driver-code-cache.ts).
cli.exports.enableDriverCodeCache(process.env)
cli.exports.runCli(process.argv.slice(2), process).then((code) => {
  finished = true
  // The command has closed what it opened: exit once both outputs are flushed, rather than wait
  // for the event loop to drain (a pool's sockets closing) and for Node to take its heap apart,
  // which together are about 1 % of a no-op run.
  let flushing = 2
  const flushed = () => {
    if (--flushing === 0) process.exit(code)
  }
  process.stdout.write('', flushed)
  process.stderr.write('', flushed)
})
`,
  { mode: 0o755 },
)

await writeCodeCache()

/**
 * Runs the bundle in this process on the paths that must start fastest (a run with nothing to do,
 * then `status`), so that the functions they use are compiled, and saves V8's code for them. The
 * database they look at is made beforehand by a CLI process of its own, so the code that applies
 * migrations and writes types is not in the cache: every start deserialises the whole cache, and
 * it is 20 % smaller for it (those paths compile what they need as they go). A failure here costs
 * only speed: the CLI runs without the cache.
 */
async function writeCodeCache() {
  const work = mkdtempSync(join(tmpdir(), 'glorious-code-cache-'))
  try {
    const skill = join(work, 'skills', 'notes')
    mkdirSync(join(skill, 'migrations'), { recursive: true })
    writeFileSync(join(skill, 'skill.json'), JSON.stringify({ name: 'notes' }))
    const migration = join(skill, 'migrations', '001_create_notes.sql')
    writeFileSync(
      migration,
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nCREATE INDEX idx_notes_body ON notes (body);\n',
    )
    // Old enough for the checksum cache, as files are by the time they are applied.
    const anHourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(migration, anHourAgo, anHourAgo)
    const file = fileURLToPath(pathToFileURL(bundleFile))
    const script = new vm.Script(source, { filename: file })
    const module = { exports: {} }
    script.runInThisContext()(
      module.exports,
      createRequire(file),
      module,
      file,
      join(file, '..'),
      pathToFileURL(file).href,
    )
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() })
    const cliProcess = {
      stdout: quiet,
      stderr: quiet,
      stdin: process.stdin,
      env: { ...process.env, GLORIOUS_HOME: join(work, 'home') },
      cwd: () => work,
    }
    const target = ['--skills', join(work, 'skills'), '--db', join(work, 'agent.db')]
    const setup = spawnSync(process.execPath, ['build/bin/glorious.js', 'migrate', 'run', ...target], {
      env: cliProcess.env,
      encoding: 'utf8',
    })
    if (setup.status !== 0) throw new Error(`setting up the training database failed: ${setup.stderr}`)
    for (const command of ['run', 'status']) {
      const code = await module.exports.runCli(['migrate', command, ...target], cliProcess)
      if (code !== 0) throw new Error(`training run "migrate ${command}" exited with ${code}`)
    }
    const signature = signatureOf(bundleFile) === signatureBefore ? signatureBefore : ''
    if (signature.length > SIGNATURE_BYTES)
      throw new Error(`bundle signature longer than ${SIGNATURE_BYTES}: ${signature}`)
    const header = Buffer.from(hash + signature.padEnd(SIGNATURE_BYTES), 'latin1')
    writeFileSync(cacheFile, Buffer.concat([header, script.createCachedData()]))
  } catch (error) {
    console.warn(`glorious-migrate: no code cache for the CLI (${error.message}); it starts a little slower`)
    rmSync(cacheFile, { force: true })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** As the loader computes it. */
function signatureOf(file) {
  const stat = statSync(file)
  return `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}:${stat.dev}`
}

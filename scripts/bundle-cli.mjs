// Bundles the CLI and the library it calls into one ESM file. Loading one file instead of
// Kysely's ~400 modules is what keeps `glorious migrate run` with nothing to do near Node's own
// start-up time. Native and heavy modules stay external: better-sqlite3 (a native addon),
// ts-morph (loaded lazily, only when types are generated), and the server drivers pg and mysql2
// (optional peers, loaded only when a URL names their engine: bundled, mysql2 and its encodings
// alone were half of the file, parsed at every start of every SQLite user's command). libpg-query
// (PostgreSQL's parser in WebAssembly) stays external too: an optional peer, loaded only by
// PostgreSQL plans and lint.
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const stringWidthLite = fileURLToPath(new URL('./string-width-lite.mjs', import.meta.url))

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'build/bin/glorious.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'ts-morph', 'prettier', 'pg', 'mysql2', 'libpg-query'],
  banner: {
    js: "import { createRequire as __glorious_createRequire } from 'node:module'; const require = __glorious_createRequire(import.meta.url);",
  },
  // Less source text is less for V8 to parse at every start (~30 ms here); names are kept, so
  // error classes and stack traces stay readable. No source map: it would weigh three times the
  // bundle and point at sources the package does not ship (debug with the unbundled build/cli/).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'string-width-lite',
      setup(build) {
        build.onResolve({ filter: /^string-width$/ }, () => ({ path: stringWidthLite }))
      },
    },
  ],
})

/**
 * The package as users get it. It is packed (`npm pack`), installed from git and from a folder
 * into fresh applications with each Kysely version of the peer range (`^0.28 || ^0.29`), and
 * there type-checked with tsc and run: an ES module and a CommonJS consumer, Kysely's own
 * Migrator with our provider, createMigrator / migrateSkills (with the application's Kysely) /
 * loadSkill, generated types compiled against the application's Kysely, and the `glorious`
 * binary.
 *
 * Needs git, tar, npm and its registry (or a warm npm cache): `npm run test:package`, run by
 * `.ci/run`. better-sqlite3's install script finds the repository's compiled addon as a local
 * prebuild, as it finds a downloaded prebuilt binary on a machine with internet access, instead of
 * compiling SQLite again for every application.
 */
import assert from 'node:assert/strict'
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tempDir, writeTree } from '../helpers/temp.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const PACKAGE = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string }
const installed = (name: string): string =>
  (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version

/** The application's own tools, at the repository's versions (so npm's cache has them). */
const TOOLS = ['better-sqlite3', 'typescript', '@types/node', '@types/better-sqlite3'].map(
  (name) => `${name}@${installed(name)}`,
)
const TSC = ['node_modules/typescript/bin/tsc', '--pretty', 'false']

const work = tempDir('glorious-package-')
const prebuilds = join(work, 'prebuilds')

/**
 * The environment of a child: none of the outer `npm run`'s npm_* settings, no GLORIOUS_* but a
 * GLORIOUS_HOME of its own (the checksum cache went to the real ~/.glorious). HOME stays, for
 * npm's own cache.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|glorious_)/i.test(key) && key !== 'INIT_CWD') env[key] = value
  }
  return {
    ...env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_better_sqlite3_local_prebuilds: prebuilds,
    GLORIOUS_HOME: join(work, 'glorious-home'),
    ...extra,
  }
}

function run(command: string, args: readonly string[], cwd: string, env = childEnv()): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
}

/** Runs a command that must succeed; returns its stdout. */
function ok(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  const result = run(command, args, cwd, env)
  assert.equal(result.status, 0, `${command} ${args.join(' ')} (in ${cwd}):\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

/**
 * A fresh application that installs `spec` (a tarball, git URL or folder) with Kysely `kysely`,
 * and with `tools` (TypeScript and type definitions) when it is to be type-checked.
 */
function makeApp(name: string, spec: string | readonly string[], kysely: string, tools = TOOLS): string {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  ok('npm', ['install', '--prefer-offline', '--no-progress', ...[spec].flat(), `kysely@${kysely}`, ...tools], dir)
  return dir
}

const MIGRATIONS = {
  '001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);',
  '002_tags.sql': 'CREATE TABLE tags (note_id INTEGER NOT NULL REFERENCES notes (id), tag TEXT NOT NULL);',
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    types: ['node'],
    outDir: 'out',
  },
}

/** The ES module consumer: every way in, with `import { Migrator } from migratorModule`. */
const appTs = (migratorModule: string): string => `
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { Migrator } from '${migratorModule}'
import { SqlFileMigrationProvider, createMigrator, loadSkill, migrateSkills } from 'glorious-migrate'

const kyselyDb = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database('kysely.db') }) })
const migrator = new Migrator({ db: kyselyDb, provider: new SqlFileMigrationProvider({ migrationsDir: 'migrations' }) })
const kysely = await migrator.migrateToLatest()
await kyselyDb.destroy()

const own = createMigrator({ database: 'own.db', skill: 'notes', migrationsDir: 'migrations', codegen: false })
const ownResult = await own.migrateToLatest()
await own.destroy()

const appDb = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database('app.db') }) })
const shared = await migrateSkills([{ name: 'notes', migrationsDir: 'migrations' }], { database: appDb, codegen: false })
await appDb.destroy()

const loaded = await loadSkill('skills/notes', { database: 'agent.db' })

console.log(JSON.stringify({
  kysely: kysely.results?.map((r) => r.migrationName + ' ' + r.status),
  kyselyError: kysely.error === undefined ? null : String(kysely.error),
  own: ownResult.applied.map((m) => m.filename),
  ownError: ownResult.error?.message ?? null,
  shared: shared.applied.map((m) => m.filename),
  sharedError: shared.error?.message ?? null,
  loaded: loaded.applied.map((m) => m.filename),
  loadedTypes: loaded.types.map((t) => t.status),
  loadedError: loaded.error?.message ?? null,
}))
`

/** The CommonJS consumer (tsc turns the import into require()). */
const APP_CTS = `
import { createMigrator } from 'glorious-migrate'

const migrator = createMigrator({ database: 'cjs.db', skill: 'notes', migrationsDir: 'migrations', codegen: false })
migrator.migrateToLatest().then(async (result) => {
  await migrator.destroy()
  console.log(JSON.stringify({ applied: result.applied.map((m) => m.filename), error: result.error?.message ?? null }))
})
`

/** Uses the types loadSkill generated: compiled after it ran. */
const TYPED_TS = `
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { DB } from './skills/notes/db-types.js'

const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database('agent.db') }) })
await db.insertInto('notes').values({ body: 'hello' }).execute()
const rows = await db.selectFrom('notes').select(['id', 'body']).execute()
console.log(JSON.stringify(rows))
await db.destroy()

export function typo() {
  // @ts-expect-error the generated types know the table's columns
  return db.selectFrom('notes').select('nope')
}
`

/**
 * Type-checks, builds and runs the consumers in `app`; `migratorModule` is where Migrator lives.
 * With `typed`, also compiles and runs code against the types loadSkill generated (a second tsc
 * pass: the codegen tests already compile generated types against the repository's Kysely).
 */
function checkConsumers(app: string, migratorModule: string, typed: boolean): void {
  writeTree(app, {
    ...Object.fromEntries(Object.entries(MIGRATIONS).map(([file, sql]) => [`migrations/${file}`, sql])),
    ...Object.fromEntries(Object.entries(MIGRATIONS).map(([file, sql]) => [`skills/notes/migrations/${file}`, sql])),
    'skills/notes/skill.json': JSON.stringify({ name: 'notes' }),
    'app.ts': appTs(migratorModule),
    'app.cts': APP_CTS,
    'typed.ts': TYPED_TS,
    'tsconfig.json': JSON.stringify({ ...TSCONFIG, files: ['app.ts', 'app.cts'] }),
    'tsconfig.typed.json': JSON.stringify({ ...TSCONFIG, files: ['typed.ts'] }),
  })
  ok(process.execPath, [...TSC, '-p', 'tsconfig.json'], app)

  const esm = JSON.parse(ok(process.execPath, ['out/app.js'], app)) as Record<string, unknown>
  const both = ['001_notes.sql', '002_tags.sql']
  assert.deepEqual(esm, {
    kysely: ['001_notes Success', '002_tags Success'],
    kyselyError: null,
    own: both,
    ownError: null,
    shared: both,
    sharedError: null,
    loaded: both,
    loadedTypes: ['written'],
    loadedError: null,
  })

  const cjs = JSON.parse(ok(process.execPath, ['out/app.cjs'], app)) as Record<string, unknown>
  assert.deepEqual(cjs, { applied: both, error: null })

  if (!typed) return
  ok(process.execPath, [...TSC, '-p', 'tsconfig.typed.json'], app)
  assert.deepEqual(JSON.parse(ok(process.execPath, ['out/typed.js'], app)), [{ id: 1, body: 'hello' }])
}

/** `require()` from plain JavaScript, and the message where require(esm) is turned off. */
function checkRequire(app: string): void {
  const plain = run(process.execPath, ['-e', "console.log(typeof require('glorious-migrate').createMigrator)"], app)
  assert.equal(plain.stdout, 'function\n', plain.stderr)
  assert.equal(plain.stderr, '')
  const off = run(process.execPath, ['--no-experimental-require-module', '-e', "require('glorious-migrate')"], app)
  assert.notEqual(off.status, 0)
  assert.match(
    off.stderr,
    /Error: glorious-migrate is an ES module, and require\(\) of ES modules is not enabled in this Node \(v[\d.]+\): load it with `await import\('glorious-migrate'\)`/,
  )
}

/** The installed `glorious` binary: its version, and a run. */
function checkBinary(app: string): void {
  const glorious = join(app, 'node_modules', '.bin', 'glorious')
  assert.equal(ok(glorious, ['--version'], app), `${PACKAGE.version}\n`)
  writeTree(app, {
    'cli-skills/tasks/skill.json': JSON.stringify({ name: 'tasks' }),
    'cli-skills/tasks/migrations/001_tasks.sql': 'CREATE TABLE tasks (id INTEGER PRIMARY KEY);',
  })
  const out = ok(glorious, ['migrate', 'run', '--skills', 'cli-skills', '--db', 'cli.db'], app)
  assert.match(out, /applied +tasks +001_tasks\.sql/)
  assert.ok(existsSync(join(app, 'cli-skills', 'tasks', 'db-types.ts')), 'the binary generated the types')
}

before(() => {
  // better-sqlite3's install script looks for <name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz here.
  mkdirSync(prebuilds)
  const file = `better-sqlite3-v${installed('better-sqlite3')}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  ok(
    'tar',
    ['czf', join(prebuilds, file), 'build/Release/better_sqlite3.node'],
    join(REPO, 'node_modules', 'better-sqlite3'),
  )
})

describe('npm pack: the tarball, installed with Kysely 0.28', () => {
  let tarball = ''
  let app = ''
  before(() => {
    const packed = JSON.parse(ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], REPO)) as {
      filename: string
      files: { path: string; size: number }[]
      unpackedSize: number
    }[]
    tarball = join(work, packed[0]!.filename)
    app = makeApp('from-tarball', tarball, '~0.28.0')
  })

  it('ships the build, README and LICENSE: no tests, no unbundled CLI, no source maps', () => {
    const [packed] = JSON.parse(ok('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], REPO)) as {
      files: { path: string; size: number }[]
      unpackedSize: number
    }[]
    const paths = packed!.files.map((file) => file.path)
    for (const path of [
      'LICENSE',
      'README.md',
      'package.json',
      'build/bin/glorious.js',
      'build/lib/index.js',
      'build/lib/index.d.ts',
      'build/lib/require-entry.cjs',
      'build/codegen/index.js',
    ]) {
      assert.ok(paths.includes(path), path)
    }
    assert.deepEqual(
      paths.filter((path) => path.endsWith('.map') || /^build\/(test|cli)\//.test(path)),
      [],
    )
    // The library with its declarations (~0.85 MB), codegen, the 0.95 MB CLI bundle and the README:
    // about 2.2 MB. Source maps or a shipped code cache would add megabytes; this bound catches them.
    assert.ok(packed!.unpackedSize < 2_600_000, `unpacked size ${packed!.unpackedSize} bytes`)
    const license = readFileSync(join(app, 'node_modules', 'glorious-migrate', 'LICENSE'), 'utf8')
    assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} Glorious Agents contributors\n/)
  })

  it('type-checks and runs ES module and CommonJS consumers (Migrator from "kysely")', () => {
    checkConsumers(app, 'kysely', false)
  })

  it('require() works from plain JavaScript, with a clear message where it cannot', () => {
    checkRequire(app)
  })

  it('the glorious binary prints its version and migrates', () => {
    checkBinary(app)
  })
})

describe('git: installed from the repository (prepare builds it), with Kysely 0.29', () => {
  let app = ''
  before(() => {
    const head = ok('git', ['rev-parse', 'HEAD'], REPO).trim()
    app = makeApp('from-git', `git+file://${REPO.replace(/\/$/, '')}#${head}`, '~0.29.0')
  })

  it('type-checks and runs ES module and CommonJS consumers (Migrator from "kysely/migration"), and the generated types', () => {
    checkConsumers(app, 'kysely/migration', true)
  })

  it('require() and the binary work', () => {
    checkRequire(app)
    checkBinary(app)
  })
})

describe('folder: installed from a checkout whose dependencies are installed (--install-links)', () => {
  it('prepare builds the checkout; the application imports its copy and runs its binary', () => {
    const checkout = join(work, 'checkout')
    ok('git', ['clone', '--quiet', REPO, checkout], work)
    // The checkout's dependencies, as `npm ci` there would install them.
    symlinkSync(join(REPO, 'node_modules'), join(checkout, 'node_modules'))
    const app = makeApp('from-folder', ['--install-links', checkout], '~0.29.0', [])
    assert.ok(existsSync(join(checkout, 'build', 'lib', 'index.js')), 'prepare built the checkout')
    assert.ok(!lstatSync(join(app, 'node_modules', 'glorious-migrate')).isSymbolicLink(), 'a copy, not a link')
    const imported = run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('glorious-migrate'); console.log(typeof m.loadSkill)"],
      app,
    )
    assert.equal(imported.stdout, 'function\n', imported.stderr)
    assert.equal(ok(join(app, 'node_modules', '.bin', 'glorious'), ['--version'], app), `${PACKAGE.version}\n`)
  })
})

/**
 * `npm run bench:profile`: where the SQLite rows' time and memory go beyond their floors, counted
 * rather than timed, so that a busy machine does not move the figures.
 *
 * - CPU instructions of whole processes under valgrind's callgrind (all threads; repeated runs
 *   agree within about 0.5 %), each process's exclusive count grouped by where it ran: SQLite
 *   (inside better_sqlite3.node, or the `sqlite3` CLI), libc (malloc, mostly SQLite's), V8's
 *   parser and code-cache deserialiser, its optimising compiler (TurboFan, a background thread),
 *   its runtime, builtins and generated code (our JavaScript, Kysely's, Node's), its garbage
 *   collector, OpenSSL (SHA-256, and Node's CA store when NODE_EXTRA_CA_CERTS is set), and so on.
 * - Workloads: `node -e 0`; W2 (a no-op `migrate run` of 50 skills × 20), also step by step as
 *   the CLI loader takes them (its imports, the bundle, one skill, fifty); the in-process no-op
 *   check ((101 checks − 1 check) / 100); W1 (a fresh apply) at 1 and N migrations, against a bare
 *   Node floor (better-sqlite3 alone: one transaction, a savepoint and a ledger row per file, no
 *   Kysely, no toolkit) at 1 and N, and against the `sqlite3` CLI with all files in one
 *   transaction (same journal mode and `synchronous`), so that the gap splits into a fixed part and
 *   a part per migration.
 * - Peak RSS of W1 and of its floors, broken down by mapping (/proc/PID/smaps at the peak).
 *
 * `BENCH_PROFILE_N` sets N (default 1000). Needs valgrind (apt install valgrind); the CLI floor
 * needs the sqlite3 CLI. Takes a few minutes.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateMigrations } from './generate-migrations.js'

const N = Number(process.env.BENCH_PROFILE_N ?? 1000)
const GLORIOUS = fileURLToPath(new URL('../../bin/glorious.js', import.meta.url))
const LIB = pathToFileURL(fileURLToPath(new URL('../../lib/index.js', import.meta.url))).href
const require = createRequire(import.meta.url)
const BETTER_SQLITE3 = require.resolve('better-sqlite3')
const KYSELY = pathToFileURL(require.resolve('kysely')).href
const root = mkdtempSync(join(tmpdir(), 'glorious-profile-'))

// ---------------------------------------------------------------- callgrind, grouped by place

type Counts = Map<string, number>

/** Exclusive instruction counts of a callgrind output, grouped by {@link bucket}. */
function grouped(file: string): { total: number; groups: Counts } {
  const names: Record<string, Map<string, string>> = { ob: new Map(), fn: new Map() }
  let ob = ''
  let fn = ''
  let afterCalls = false
  let total = 0
  const groups: Counts = new Map()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const named = /^(c?)(ob|fn)=\((\d+)\)(?: (.*))?$/.exec(line)
    if (named) {
      const [, call, kind, id, name] = named as unknown as [string, string, 'ob' | 'fn', string, string | undefined]
      const table = names[kind] as Map<string, string>
      if (name !== undefined) table.set(id, name)
      if (!call) {
        if (kind === 'ob') ob = table.get(id) ?? id
        else fn = table.get(id) ?? id
      }
      continue
    }
    if (line.startsWith('calls=')) {
      afterCalls = true
      continue
    }
    if (/^[0-9+*-]/.test(line)) {
      const cost = Number(line.split(' ')[1] ?? 0)
      if (afterCalls) {
        afterCalls = false // inclusive cost of a call: counted where it was spent
        continue
      }
      total += cost
      const where = bucket(ob, fn)
      groups.set(where, (groups.get(where) ?? 0) + cost)
    }
  }
  return { total, groups }
}

function bucket(object: string, fn: string): string {
  const base = object.slice(object.lastIndexOf('/') + 1)
  if (base.includes('better_sqlite3')) return fn.includes('::') ? 'better-sqlite3 addon (C++)' : 'SQLite'
  if (base === 'sqlite3' || base.startsWith('libsqlite3')) return 'SQLite'
  if (/^(libc[.-]|ld-linux|libm[.-]|libstdc\+\+|libgcc|libpthread)/.test(base)) return 'libc (malloc, memcpy)'
  if (base === 'node' || base === 'nodejs') {
    if (fn.startsWith('Builtins_')) return 'V8 builtins (interpreter, ICs)'
    if (fn.includes('::compiler::') || /maglev|turboshaft|OptimizedCompilationJob/i.test(fn))
      return 'V8 optimising compiler (TurboFan)'
    if (/Scaveng|Marking|Sweep|Evacuat|MarkCompact|v8::internal::Heap::/.test(fn)) return 'V8 garbage collector'
    if (
      /v8::internal::(Parser|PreParser|Scanner|Ast|Scope|DeclarationScope|interpreter::|Bytecode|Compiler::|Zone|ParseInfo|SharedFunctionInfo::)/.test(
        fn,
      ) ||
      /Deserializ|CodeSerializer/.test(fn)
    )
      return 'V8 parser, bytecode, code-cache deserialiser'
    if (fn.startsWith('v8::')) return 'V8 runtime (objects, strings, API)'
    if (
      /^(ossl|EVP_|SHA|sha|OPENSSL|CRYPTO|X509|PEM|ASN1|asn1|BN_|bn_|d2i|i2d|RSA|EC_)/.test(fn) ||
      fn.includes('crypto::')
    )
      return 'OpenSSL (SHA-256; CA store)'
    return 'Node (C++, libuv, ICU, other)'
  }
  if (object === '???' || base === '???' || object === '') return 'generated code (JIT: our JS, Kysely, Node)'
  return `other (${base})`
}

interface Profiled {
  readonly name: string
  readonly total: number
  readonly groups: Counts
}

function callgrind(
  name: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  input?: string,
): Profiled {
  const out = join(root, `callgrind.${name.replace(/\W+/g, '-')}`)
  const result = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, ...argv], {
    env,
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr.slice(-1500)}`)
  const { total, groups } = grouped(out)
  rmSync(out, { force: true })
  console.error(`  ${name}: ${mega(total)} M instructions`)
  return { name, total, groups }
}

const mega = (n: number, digits = 1) => (n / 1e6).toFixed(digits)

/** Prints `a − b` (optionally divided), by bucket, largest first. */
function gap(title: string, a: Profiled, b: Profiled, per = 1, minus?: [Profiled, Profiled]): void {
  const keys = new Set([...a.groups.keys(), ...b.groups.keys(), ...(minus ? [...minus[0].groups.keys()] : [])])
  const value = (p: Profiled, key: string) => p.groups.get(key) ?? 0
  const diff = (key: string) =>
    (value(a, key) - value(b, key) - (minus ? value(minus[0], key) - value(minus[1], key) : 0)) / per
  const total = (a.total - b.total - (minus ? minus[0].total - minus[1].total : 0)) / per
  const digits = per > 1 ? 3 : 1
  console.log(`\n${title}: ${mega(total, digits)} M instructions`)
  console.log('| where | M instructions | share |\n|---|---|---|')
  for (const key of [...keys].sort((x, y) => diff(y) - diff(x))) {
    const d = diff(key)
    if (Math.abs(d) < Math.abs(total) * 0.005) continue
    console.log(`| ${key} | ${mega(d, digits)} | ${((100 * d) / total).toFixed(1)} % |`)
  }
}

// ---------------------------------------------------------------- peak RSS by mapping

/** Runs a command, polling its RSS; at each new peak reads /proc/PID/smaps. Resident MiB by mapping. */
async function peakRss(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: 'ignore' })
  const pid = child.pid as number
  let done = false
  child.on('exit', () => (done = true))
  let peak = 0
  let mappings = new Map<string, number>()
  while (!done) {
    try {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
      if (rss > peak + 256) {
        const now = new Map<string, number>()
        let name = ''
        for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
          const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
          if (head) name = (head[1] ?? '').replace(/^.*\//, '') || '[anonymous: V8 heap, malloc arenas]'
          else if (line.startsWith('Rss:')) now.set(name, (now.get(name) ?? 0) + Number(line.split(/\s+/)[1]))
        }
        peak = rss
        mappings = now
      }
    } catch {
      // the process ended between two reads
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { peakMiB: peak / 1024, mappings }
}

// ---------------------------------------------------------------- workloads

function w1Args(dir: string, db: string, mode: string) {
  return [GLORIOUS, 'migrate', 'run', 'bench', '--dir', dir, '--db', db, '--journal-mode', mode, '--no-codegen']
}

function fresh(db: string): string {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(db + suffix, { force: true })
  return db
}

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('bench:profile needs valgrind (apt install valgrind)')
    return
  }
  const home = join(root, 'home')
  const env = { ...process.env, GLORIOUS_HOME: home }
  const one = generateMigrations(join(root, 'w1-1'), 1)
  const many = generateMigrations(join(root, `w1-${N}`), N)
  const bare = join(root, 'bare-floor.cjs')
  writeFileSync(
    bare,
    `// better-sqlite3 alone: one transaction, a savepoint, the file and a ledger row per migration.
const Database = require(${JSON.stringify(BETTER_SQLITE3)})
const fs = require('node:fs'), path = require('node:path'), crypto = require('node:crypto')
const [file, mode, dir] = process.argv.slice(2)
const db = new Database(file)
db.pragma('journal_mode = ' + mode)
db.exec('CREATE TABLE IF NOT EXISTS ledger (skill TEXT, version INTEGER, name TEXT, checksum TEXT, applied_at TEXT, ms REAL, PRIMARY KEY (skill, version))')
const insert = db.prepare('INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?)')
db.exec('BEGIN IMMEDIATE')
let i = 0
for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
  const text = fs.readFileSync(path.join(dir, name), 'utf8')
  const checksum = crypto.createHash('sha256').update(text).digest('hex')
  db.exec('SAVEPOINT s' + ++i)
  const started = performance.now()
  db.exec(text)
  insert.run('bench', i, name, checksum, new Date().toISOString(), performance.now() - started)
  db.exec('RELEASE s' + i)
}
db.exec('COMMIT')
db.close()
`,
  )
  const check = join(root, 'in-process-check.mjs')
  writeFileSync(
    check,
    `// N in-process no-op checks of W2 with the caller's Kysely instance, as npm run bench measures it.
import { createRequire } from 'node:module'
const Database = createRequire(import.meta.url)(${JSON.stringify(BETTER_SQLITE3)})
const { Kysely, SqliteDialect } = await import(${JSON.stringify(KYSELY)})
const { discoverSkills, migrateSkills } = await import(${JSON.stringify(LIB)})
const [skillsDir, file, n] = process.argv.slice(2)
const skills = discoverSkills([skillsDir])
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(file) }) })
for (let i = 0; i < Number(n); i++) {
  const result = await migrateSkills(skills, { database: db })
  if (result.applied.length > 0 || result.error) throw new Error('not a no-op')
}
await db.destroy()
`,
  )
  // W2: 50 skills × 20 (and one skill of them alone, for the phases), applied once by files old
  // enough for the checksum cache (see context.ts).
  const w2 = join(root, 'w2')
  const w2one = join(root, 'w2-one')
  for (const [tree, skills] of [
    [w2, 50],
    [w2one, 1],
  ] as const) {
    for (let s = 1; s <= skills; s++) {
      const dir = join(tree, `skill${s}`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'skill.json'), JSON.stringify({ name: `skill${s}` }))
      generateMigrations(join(dir, 'migrations'), 20, `s${s}_t`)
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 2100))
  const w2db = join(root, 'w2.db')
  const w2oneDb = join(root, 'w2-one.db')
  spawnSync(process.execPath, [GLORIOUS, 'migrate', 'run', '--skills', w2, '--db', w2db], { env })
  spawnSync(process.execPath, [GLORIOUS, 'migrate', 'run', '--skills', w2one, '--db', w2oneDb], { env })
  // The CLI loader's steps one by one (as build/bin/glorious.js does them), for W2's phases.
  const phases = join(root, 'loader-phases.mjs')
  writeFileSync(
    phases,
    `import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'
const [phase, ...args] = process.argv.slice(2)
if (phase === 'imports') process.exit(0)
const file = ${JSON.stringify(GLORIOUS.replace(/glorious\.js$/, 'glorious-cli.cjs'))}
const source = readFileSync(file, 'utf8')
const cache = readFileSync(file.replace(/\\.cjs$/, '.cache'))
const cachedData = cache.subarray(0, 64).toString('latin1') === createHash('sha256').update(source).digest('hex') ? cache.subarray(64) : undefined
const script = new vm.Script(source, { filename: file, cachedData })
if (script.cachedDataRejected !== false) throw new Error('the code cache was not used')
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(file), module, file, fileURLToPath(new URL('.', 'file://' + file)), 'file://' + file)
if (phase === 'bundle') process.exit(0)
process.exitCode = await module.exports.runCli(args, process)
`,
  )

  const node = process.execPath
  console.error(`callgrind (each under valgrind: seconds to minutes) in ${root}`)
  const nodeStart = callgrind('node -e 0', [node, '-e', '0'])
  const noop = callgrind(
    'W2 no-op, whole process',
    [node, GLORIOUS, 'migrate', 'run', '--skills', w2, '--db', w2db],
    env,
  )
  const phase = (name: string, ...args: string[]) => callgrind(`W2 loader phase: ${name}`, [node, phases, ...args], env)
  const imports = phase('imports', 'imports')
  const bundle = phase('bundle loaded', 'bundle')
  const oneSkill = phase('runCli, 1 skill', 'run', 'migrate', 'run', '--skills', w2one, '--db', w2oneDb)
  const allSkills = phase('runCli, 50 skills', 'run', 'migrate', 'run', '--skills', w2, '--db', w2db)
  const check1 = callgrind('in-process check × 1', [node, check, w2, w2db, '1'], env)
  const check101 = callgrind('in-process check × 101', [node, check, w2, w2db, '101'], env)
  const db = join(root, 'w1.db')
  const ours1 = callgrind('W1 1 migration, WAL', [node, ...w1Args(one, fresh(db), 'wal')], env)
  const bare1 = callgrind('bare floor, 1 migration, WAL', [node, bare, fresh(db), 'wal', one])
  const ours = { wal: callgrind(`W1 ${N}, WAL`, [node, ...w1Args(many, fresh(db), 'wal')], env) } as Record<
    string,
    Profiled
  >
  ours.delete = callgrind(`W1 ${N}, rollback`, [node, ...w1Args(many, fresh(db), 'delete')], env)
  const bareN = callgrind(`bare floor, ${N}, WAL`, [node, bare, fresh(db), 'wal', many])
  const hasCli = spawnSync('sqlite3', ['-version']).status === 0
  const cli: Record<string, Profiled> = {}
  if (hasCli) {
    const files = readdirSync(many)
      .filter((name) => name.endsWith('.sql'))
      .sort()
      .map((name) => readFileSync(join(many, name), 'utf8'))
    for (const [mode, synchronous] of [
      ['wal', 'NORMAL'],
      ['delete', 'FULL'],
    ] as const) {
      const script = `PRAGMA journal_mode = ${mode.toUpperCase()};\nPRAGMA synchronous = ${synchronous};\nBEGIN;\n${files.join('\n;\n')}\n;COMMIT;\n`
      cli[mode] = callgrind(
        `sqlite3 CLI, ${N} in one transaction, ${mode}`,
        ['sqlite3', fresh(db)],
        process.env,
        script,
      )
    }
  }

  console.log(`# Where the instructions go (callgrind, exclusive counts; N = ${N})`)
  const totals = [
    nodeStart,
    noop,
    imports,
    bundle,
    oneSkill,
    allSkills,
    check1,
    check101,
    ours1,
    bare1,
    ours.wal,
    ours.delete,
    bareN,
    ...Object.values(cli),
  ]
  console.log('\n| process | M instructions |\n|---|---|')
  for (const p of totals) if (p) console.log(`| ${p.name} | ${mega(p.total)} |`)
  gap('W2 no-op whole process, beyond `node -e 0`', noop, nodeStart)
  console.log("\nW2 by phase (the loader's steps run one by one):\n\n| phase | M instructions |\n|---|---|")
  const steps: [string, Profiled, Profiled, number][] = [
    ["an ES-module entry importing the loader's node: modules", imports, nodeStart, 1],
    ['the bundle compiled from its code cache (SHA-256 checked), its top level run', bundle, imports, 1],
    ['runCli for 1 skill × 20: yargs, opening, the ledger read, the plan, the summary', oneSkill, bundle, 1],
    ['each of the 49 other skills (20 files)', allSkills, oneSkill, 49],
  ]
  for (const [what, after, before, per] of steps)
    console.log(`| ${what} | ${mega((after.total - before.total) / per, per > 1 ? 2 : 1)} |`)
  gap('In-process no-op check, per check ((101 − 1) / 100)', check101, check1, 100)
  for (const mode of ['wal', 'delete'])
    if (cli[mode])
      gap(`W1 ${N} ${mode}: ours beyond the sqlite3 CLI floor`, ours[mode] as Profiled, cli[mode] as Profiled)
  gap(`W1 ${N} WAL: ours beyond the bare Node floor`, ours.wal as Profiled, bareN)
  gap('W1 fixed part (1 migration): ours beyond the bare Node floor', ours1, bare1)
  gap(`W1 per migration (1 → ${N}): ours beyond the bare Node floor`, ours.wal as Profiled, ours1, N - 1, [
    bareN,
    bare1,
  ])

  console.log('\n# Peak RSS of W1 (WAL) by mapping, MiB (/proc/PID/smaps at the peak)')
  const peaks = {
    'node -e 0': await peakRss([node, '-e', '0']),
    'bare floor': await peakRss([node, bare, fresh(db), 'wal', many]),
    ours: await peakRss([node, ...w1Args(many, fresh(db), 'wal')], { ...env, GLORIOUS_HOME: join(root, 'home-rss') }),
  }
  const names = [...new Set(Object.values(peaks).flatMap((p) => [...p.mappings.keys()]))]
  const resident = (p: (typeof peaks)['ours'], name: string) => (p.mappings.get(name) ?? 0) / 1024
  names.sort((a, b) => resident(peaks.ours, b) - resident(peaks.ours, a))
  console.log(`\n| mapping | ${Object.keys(peaks).join(' | ')} |\n|---|---|---|---|`)
  for (const name of names.filter((n) => resident(peaks.ours, n) >= 0.5 || resident(peaks['bare floor'], n) >= 0.5))
    console.log(
      `| ${name} | ${Object.values(peaks)
        .map((p) => resident(p, name).toFixed(1))
        .join(' | ')} |`,
    )
  console.log(
    `| **peak RSS** | ${Object.values(peaks)
      .map((p) => p.peakMiB.toFixed(1))
      .join(' | ')} |`,
  )
}

try {
  await main()
} finally {
  rmSync(root, { recursive: true, force: true })
}

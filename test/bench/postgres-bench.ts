import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { filesOf, glorious, letFilesAge, nodeStart, root, skillsTree } from './context.js'
import { generateServerMigrations } from './generate-server-migrations.js'
import { type Contender, alternate, run } from './measure.js'
import type { BenchOptions } from './options.js'
import { addNote, versus } from './report.js'

const ADMIN_URL = process.env.GLORIOUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

function urlOf(database: string): string {
  const url = new URL(ADMIN_URL)
  url.pathname = `/${database}`
  return url.toString()
}

/** psql without ~/.psqlrc, stopping at the first error, quiet. */
function psql(url: string, args: readonly string[], input?: string): { ok: boolean; out: string } {
  const result = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args, url], { input, encoding: 'utf8' })
  return { ok: result.status === 0, out: result.status === 0 ? result.stdout : result.stderr || String(result.error) }
}

const created = new Set<string>()

/** Drops (if this bench made it) and creates the database, outside any timing. */
function freshDatabase(name: string): void {
  const done = psql(ADMIN_URL, ['-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, '-c', `CREATE DATABASE ${name}`])
  if (!done.ok) throw new Error(`cannot create the bench database ${name}: ${done.out}`)
  created.add(name)
}

function dropCreated(): void {
  for (const name of created) psql(ADMIN_URL, ['-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`])
}

/**
 * PostgreSQL rows (issue 10): W4, a fresh apply of the server history against `psql` applying
 * each file in its own transaction, every run in a fresh database; W2, the no-op run as a whole
 * process against `node -e 0`. Skipped with a printed line when the server or psql is missing.
 */
export async function postgresBench(options: BenchOptions): Promise<void> {
  const probe = psql(ADMIN_URL, [
    '-At',
    '-c',
    "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'server_version')",
  ])
  if (!probe.ok) {
    addNote(
      `PostgreSQL rows skipped: cannot reach ${new URL(ADMIN_URL).host} with psql (${probe.out.trim().split('\n')[0]})`,
    )
    return
  }
  const server = probe.out.trim()
  addNote(`PostgreSQL server (SHOW): ${server}`)
  const suffix = randomBytes(4).toString('hex')
  try {
    await w4(options, server, suffix)
    await w2(options, suffix)
  } finally {
    dropCreated()
  }
}

async function w4(options: BenchOptions, server: string, suffix: string): Promise<void> {
  const count = options.size.server
  const dir = generateServerMigrations('postgres', join(root, 'pg-w4', 'migrations'), count)
  const files = filesOf([dir])
  const database = `glorious_bench_w4_${suffix}`
  const url = urlOf(database)
  const prepare = () => freshDatabase(database)
  // One psql process, each file in its own transaction (psql sends each statement on its own).
  const script = join(root, 'pg-w4', 'per-file-transactions.sql')
  writeFileSync(script, files.map((file) => `BEGIN;\n${readFileSync(file, 'utf8')}\nCOMMIT;\n`).join(''))
  // The same with the durability we give: every commit but the last without waiting for the disk.
  const deferred = join(root, 'pg-w4', 'per-file-transactions-deferred.sql')
  writeFileSync(
    deferred,
    files
      .map(
        (file, i) =>
          `BEGIN;\n${i < files.length - 1 ? 'SET LOCAL synchronous_commit = off;\n' : ''}${readFileSync(file, 'utf8')}\nCOMMIT;\n`,
      )
      .join(''),
  )
  const durability = server
    .split(', ')
    .filter((s) => /^(fsync|synchronous_commit)=/.test(s))
    .join(', ')
  const contenders: Contender[] = [
    {
      name: 'ours',
      settings: `${durability}; a transaction per migration with its ledger row, sent as one message; synchronous_commit off for each but the run's last commit; lock_timeout 5 s`,
      prepare,
      run: () => glorious(['migrate', 'run', 'bench', '--dir', dir, '--url', url, '--no-codegen']),
    },
    {
      name: 'psql, one process, tx per file',
      settings: `${durability}; BEGIN; <file>; COMMIT per file, one psql -X -v ON_ERROR_STOP=1 -f`,
      prepare,
      run: () => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', script, url]),
    },
    {
      name: 'psql, one process, tx per file, one flush',
      settings: `${durability}; BEGIN; SET LOCAL synchronous_commit = off; <file>; COMMIT per file but the last (synchronous), one psql -f`,
      prepare,
      run: () => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', deferred, url]),
    },
  ]
  // The floor of any client that keeps a transaction per migration (pg-floor.ts): whether the
  // goal can be met at all on this machine, measured in the same alternation.
  const floor = fileURLToPath(new URL('./pg-floor.js', import.meta.url))
  contenders.push(
    {
      name: 'bare pg floor',
      settings: `${durability}; bare pg client, BEGIN; <file>; COMMIT per file, every file in one message, commits but the last deferred; no ledger, no checks`,
      prepare,
      run: () => run(process.execPath, [floor, url, dir, String(files.length)]),
    },
    {
      name: 'bare pg floor with a ledger row',
      settings: `${durability}; bare pg client, BEGIN; <file>; INSERT ledger row; COMMIT per file, 16 files to a message as ours, commits but the last deferred; no checks`,
      prepare,
      run: () => run(process.execPath, [floor, url, dir, '16', '--ledger']),
    },
  )
  if (options.psqlPerProcess) {
    contenders.push({
      name: 'psql per file',
      settings: `${durability}; psql -X -v ON_ERROR_STOP=1 --single-transaction -f FILE, one process per file`,
      prepare,
      run: () =>
        run('bash', [
          '-c',
          'url=$1; shift; for f in "$@"; do psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$f" "$url" || exit 1; done',
          'bench',
          url,
          ...files,
        ]),
    })
  }
  console.log(`PostgreSQL W4: ${count} migrations fresh`)
  const [ours, oneProcess, oneFlush, bareFloor, ledgerFloor, perProcess] = alternate(
    contenders,
    options.runs,
    options.warmUp,
  )
  if (!ours || !oneProcess || !oneFlush || !bareFloor || !ledgerFloor) return
  versus(`PostgreSQL W4 ${count} migrations fresh: vs psql, tx per file`, ours, oneProcess, '≤ 0.8×')
  versus(
    `PostgreSQL W4 ${count} migrations fresh: vs psql, tx per file, the same durability (one flush)`,
    ours,
    oneFlush,
    '(report)',
  )
  versus(
    `PostgreSQL W4 ${count} migrations fresh: the floor (bare pg, no ledger) vs psql`,
    bareFloor,
    oneProcess,
    '(report)',
  )
  versus(
    `PostgreSQL W4 ${count} migrations fresh: the floor with a ledger row vs psql`,
    ledgerFloor,
    oneProcess,
    '(report)',
  )
  if (perProcess)
    versus(`PostgreSQL W4 ${count} migrations fresh: vs a psql process per file`, ours, perProcess, '(report)')
}

async function w2(options: BenchOptions, suffix: string): Promise<void> {
  const skills = options.size.w2Skills
  const tree = skillsTree(join(root, 'pg-w2', 'skills'), skills, 20, (dir, count, prefix) =>
    generateServerMigrations('postgres', dir, count, prefix),
  )
  const database = `glorious_bench_w2_${suffix}`
  const url = urlOf(database)
  freshDatabase(database)
  await letFilesAge()
  glorious(['migrate', 'run', '--skills', tree, '--url', url])
  console.log(`PostgreSQL W2: no-op, ${skills} skills × 20`)
  const [noop, node] = alternate(
    [
      {
        name: 'ours',
        settings: 'CLI --url; the driver code cache left by the setup run',
        run: () => glorious(['migrate', 'run', '--skills', tree, '--url', url]),
      },
      { name: 'node -e 0', settings: '-', run: nodeStart },
    ],
    options.runs,
    options.warmUp,
  )
  if (noop && node) versus(`PostgreSQL W2 no-op, ${skills} skills × 20, whole process`, noop, node, '≤ 2.5×')
}

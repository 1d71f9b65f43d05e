import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { filesOf, glorious, letFilesAge, nodeStart, root, skillsTree } from './context.js'
import { generateServerMigrations } from './generate-server-migrations.js'
import { type Contender, alternate, run } from './measure.js'
import type { BenchOptions } from './options.js'
import { writeMysqlFloorScript } from './mysql-floor.js'
import { addNote, versus } from './report.js'

const ADMIN_URL = new URL(process.env.GLORIOUS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/')

function urlOf(database: string): string {
  const url = new URL(ADMIN_URL)
  url.pathname = `/${database}`
  return url.toString()
}

/** The `mariadb` client (or `mysql`), its connection arguments, and the password in its env only. */
function client(): { command: string; args: string[]; env: NodeJS.ProcessEnv } | undefined {
  const command = ['mariadb', 'mysql'].find((name) => spawnSync(name, ['--version']).status === 0)
  if (!command) return undefined
  const args = ['--no-defaults', '-h', ADMIN_URL.hostname, '-P', ADMIN_URL.port || '3306']
  if (ADMIN_URL.username) args.push('-u', decodeURIComponent(ADMIN_URL.username))
  const env = { ...process.env }
  if (ADMIN_URL.password) env.MYSQL_PWD = decodeURIComponent(ADMIN_URL.password)
  return { command, args, env }
}

const created = new Set<string>()

/**
 * MariaDB/MySQL rows (issue 11): W5, a fresh apply of the server history against the client
 * applying each file (one client process per file: the floor the issue names; and one client
 * process fed every file), every run in a fresh database; W2, the no-op run as a whole process
 * against `node -e 0`. Skipped with a printed line when the server or client is missing.
 */
export async function mysqlBench(options: BenchOptions): Promise<void> {
  const mysql = client()
  if (!mysql) {
    addNote('MariaDB rows skipped: neither the mariadb nor the mysql client is installed')
    return
  }
  const sql = (text: string, database?: string) =>
    spawnSync(mysql.command, [...mysql.args, '-N', '-B', '-e', text, ...(database ? [database] : [])], {
      encoding: 'utf8',
      env: mysql.env,
    })
  const probe = sql(
    "SELECT CONCAT('version=', @@version, ', innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit, ', sync_binlog=', @@sync_binlog, ', log_bin=', @@log_bin, ', innodb_doublewrite=', @@innodb_doublewrite, ', innodb_flush_method=', @@innodb_flush_method)",
  )
  if (probe.status !== 0) {
    addNote(`MariaDB rows skipped: cannot reach ${ADMIN_URL.host} with ${mysql.command} (${probe.stderr.trim()})`)
    return
  }
  const server = probe.stdout.trim()
  addNote(`MariaDB server: ${server}`)
  const fresh = (name: string) => {
    const done = sql(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name}`)
    if (done.status !== 0) throw new Error(`cannot create the bench database ${name}: ${done.stderr}`)
    created.add(name)
  }
  const suffix = randomBytes(4).toString('hex')
  const durability = server
    .split(', ')
    .filter((s) => /^(innodb_flush_log_at_trx_commit|sync_binlog)=/.test(s))
    .join(', ')
  try {
    // W5: fresh apply.
    const count = options.size.server
    const dir = generateServerMigrations('mysql', join(root, 'my-w5', 'migrations'), count)
    const files = filesOf([dir])
    const all = files.map((file) => readFileSync(file, 'utf8')).join('')
    const database = `glorious_bench_w5_${suffix}`
    const prepare = () => fresh(database)
    const contenders: Contender[] = [
      {
        name: 'ours',
        settings: `${durability}; statement by statement, progress recorded in the ledger`,
        prepare,
        run: () => glorious(['migrate', 'run', 'bench', '--dir', dir, '--url', urlOf(database), '--no-codegen']),
      },
      {
        name: `${mysql.command} per file`,
        settings: `${durability}; ${mysql.command} DB < FILE, one client process per file`,
        prepare,
        run: () =>
          run(
            'bash',
            [
              '-c',
              'cmd=$1; shift; db=$1; shift; for f in "$@"; do $cmd "$db" < "$f" || exit 1; done',
              'bench',
              [mysql.command, ...mysql.args].join(' '),
              database,
              ...files,
            ],
            { env: mysql.env },
          ),
      },
      {
        name: `${mysql.command}, one process`,
        settings: `${durability}; every file through one ${mysql.command} process`,
        prepare,
        run: () => run(mysql.command, [...mysql.args, database], { input: all, env: mysql.env }),
      },
    ]
    // Our run of W5 takes minutes on this server (see the README): one round unless --runs says more.
    const rounds = options.runsGiven ? options.runs : 1
    const warmUp = options.runsGiven && options.warmUp
    console.log(
      `MariaDB W5: ${count} migrations fresh, ${rounds} round(s)${warmUp ? ' after a warm-up' : ', no warm-up'}`,
    )
    const [ours, perFile, oneProcess] = alternate(contenders, rounds, warmUp)
    if (ours && perFile && oneProcess) {
      const label = `MariaDB W5 ${count} migrations fresh (${rounds} round${rounds > 1 ? 's' : ''})`
      versus(`${label}: vs the client per file`, ours, perFile, '≤ 1.0×')
      versus(`${label}: vs one client process`, ours, oneProcess, '(report)')
    }

    // W2: no-op, whole process.
    const skills = options.size.w2Skills
    const tree = skillsTree(join(root, 'my-w2', 'skills'), skills, 20, (d, n, prefix) =>
      generateServerMigrations('mysql', d, n, prefix),
    )
    const w2db = `glorious_bench_w2_${suffix}`
    fresh(w2db)
    await letFilesAge()
    glorious(['migrate', 'run', '--skills', tree, '--url', urlOf(w2db)])
    console.log(`MariaDB W2: no-op, ${skills} skills × 20`)
    // With the two fixed costs of a no-op run before it looks at a skill: the CLI itself (Node,
    // the bundle with Kysely and yargs: `glorious --version`) and mysql2 connecting and reading the
    // ledger (mysql-floor.ts), compiled by Node as usual, without the driver code cache that the
    // setup run above left for ours. Short runs: at least 11 rounds, for steadier medians.
    const floor = writeMysqlFloorScript(root)
    const [noop, node, cliAlone, driverAlone] = alternate(
      [
        {
          name: 'ours',
          settings: 'CLI --url; the driver code cache left by the setup run',
          run: () => glorious(['migrate', 'run', '--skills', tree, '--url', urlOf(w2db)]),
        },
        { name: 'node -e 0', settings: '-', run: nodeStart },
        { name: 'the CLI alone', settings: 'glorious --version', run: () => glorious(['--version']) },
        {
          name: 'bare mysql2',
          settings:
            'a CommonJS script: load mysql2 (its error table deferred, as ours; no code cache), connect, read the ledger, quit',
          run: () => run(process.execPath, [floor, urlOf(w2db)]),
        },
      ],
      Math.max(options.runs, 11),
      options.warmUp,
    )
    if (noop && node) versus(`MariaDB W2 no-op, ${skills} skills × 20, whole process`, noop, node, '≤ 2.5×')
    if (node && cliAlone && driverAlone) {
      versus('MariaDB W2: the CLI alone (glorious --version) vs node -e 0', cliAlone, node, '(report)')
      versus('MariaDB W2: bare mysql2 reading the ledger, no code cache, vs node -e 0', driverAlone, node, '(report)')
      const fixed = cliAlone.ms + driverAlone.ms - node.ms
      addNote(
        `MariaDB W2: the fixed costs together without a driver code cache (the CLI alone + bare mysql2 − node -e 0) are ${(fixed / node.ms).toFixed(2)}× node -e 0, before any skill is looked at; ours compiles mysql2 from its cache`,
      )
    }
  } finally {
    for (const name of created) sql(`DROP DATABASE IF EXISTS ${name}`)
  }
}

/**
 * Fresh databases on the MariaDB server the MySQL proof suites run against (127.0.0.1:3306, root,
 * no password; MYSQL_HOST, MYSQL_PORT and MYSQL_USER override, as in test/reliability/mysql-scratch.ts).
 * Each database is created for one test and dropped when the test file ends. A server that is
 * down fails the suite at once with a message saying so (never a skip, never a hang).
 */
import { execFile } from 'node:child_process'
import { after } from 'node:test'
import type { Connection } from 'mysql2/promise'
import { SERVER, connect, scratchName } from '../reliability/mysql-scratch.js'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'

/** The toolkit's own tables, left out of schema comparisons. */
export const TOOLKIT_TABLES: readonly string[] = RESERVED_TABLES

export interface MysqlDatabase {
  readonly name: string
  /** `mysql://root@127.0.0.1:3306/<name>`, for `--url` and the library's `database`. */
  readonly url: string
  /** Runs one statement on a new connection and returns its rows (dates as strings). */
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>
  /** The toolkit's lock on this database is held by some session (`IS_USED_LOCK` is not NULL). */
  lockHeld(): Promise<boolean>
  /** The schema as `mariadb-dump` shows it, without the toolkit's tables (the corpus README's recipe). */
  schemaDump(): Promise<string>
  drop(): Promise<void>
}

let checked: Promise<void> | undefined

/** Fails with a clear message when the server cannot be reached. */
export function requireMysqlServer(): Promise<void> {
  checked ??= (async () => {
    let connection: Connection | undefined
    try {
      connection = await connect({ connectTimeout: 5000 })
      await connection.query('SELECT 1')
    } catch (error) {
      throw new Error(
        `the MariaDB server at ${SERVER.host}:${SERVER.port} (user ${SERVER.user}) is not reachable: ` +
          `${(error as Error).message}. These suites need it: start it (.ci/run does) and run again.`,
      )
    } finally {
      await connection?.end().catch(() => undefined)
    }
  })()
  return checked
}

/** The toolkit's `GET_LOCK` name for a database (lib/dialects/mysql/mysql-lock.ts). */
export function lockNameOf(database: string): string {
  return `glorious-migrate:${database}`.slice(0, 64)
}

const created = new Set<string>()
// Registered when the test file loads this module (at the top level, so it runs when the file ends).
after(async () => {
  if (created.size === 0) return
  const admin = await connect()
  try {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
    created.clear()
  } finally {
    await admin.end()
  }
})

/** A new, empty database; dropped when the test file ends (or by `drop()`). */
export async function freshDatabase(purpose: string): Promise<MysqlDatabase> {
  await requireMysqlServer()
  const name = scratchName(purpose)
  const admin = await connect()
  try {
    await admin.query(`CREATE DATABASE \`${name}\``)
  } finally {
    await admin.end()
  }
  created.add(name)
  const url = `mysql://${encodeURIComponent(SERVER.user)}@${SERVER.host}:${SERVER.port}/${name}`
  const query = async (text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const connection = await connect({ database: name, dateStrings: true })
    try {
      const [rows] = await connection.query(text, values)
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
    } finally {
      await connection.end()
    }
  }
  return {
    name,
    url,
    query,
    async lockHeld() {
      const [row] = await query('SELECT IS_USED_LOCK(?) AS holder', [lockNameOf(name)])
      return row?.holder !== null && row?.holder !== undefined
    },
    schemaDump: () => mysqlSchemaDump(name),
    async drop() {
      const admin = await connect()
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
        created.delete(name)
      } finally {
        await admin.end()
      }
    },
  }
}

/**
 * The corpus README's dump recipe: `mariadb-dump --no-data --skip-comments --compact --routines
 * --skip-triggers --skip-add-drop-table --skip-set-charset`, the toolkit's tables ignored, then
 * DEFINER and AUTO_INCREMENT counters removed.
 */
export function mysqlSchemaDump(database: string): Promise<string> {
  const args = [
    `-h${SERVER.host}`,
    `-P${SERVER.port}`,
    `-u${SERVER.user}`,
    '--no-data',
    '--skip-comments',
    '--compact',
    '--routines',
    '--skip-triggers',
    '--skip-add-drop-table',
    '--skip-set-charset',
    ...TOOLKIT_TABLES.map((table) => `--ignore-table=${database}.${table}`),
    database,
  ]
  return new Promise((resolve, reject) => {
    execFile('mariadb-dump', args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mariadb-dump ${database} failed: ${stderr || error.message}`))
      else
        resolve(
          stdout
            .split('\n')
            .map((line) => line.replace(/ DEFINER=`[^`]*`@`[^`]*`/, '').replace(/ AUTO_INCREMENT=[0-9]+/, ''))
            .join('\n'),
        )
    })
  })
}

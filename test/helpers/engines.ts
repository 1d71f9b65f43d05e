import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { after } from 'node:test'
import Database from 'better-sqlite3'
import { tempDir } from './temp.js'

/** The engines a suite runs on: `GLORIOUS_TEST_ENGINES` (comma-separated), `sqlite` by default. */
export type EngineName = 'sqlite' | 'postgres' | 'mysql'

/** A fresh, empty database of one engine, for one test; dropped when the test file ends. */
export interface TestDatabase {
  readonly engine: EngineName
  /** What to pass as the library's `database` option: a file path or a URL. */
  readonly database: string
  /** The CLI options that select it (`--db <path>` or `--url <url>`). */
  readonly cliArgs: readonly string[]
  /** Runs a query and returns its rows (as plain objects). */
  query(text: string): Promise<Record<string, unknown>[]>
  /** Every user table's name, sorted (the toolkit's own included). */
  tables(): Promise<string[]>
  /** Schema and data as text, for "nothing changed" assertions. */
  dump(): Promise<string>
}

export interface TestEngine {
  readonly name: EngineName
  create(): Promise<TestDatabase>
}

export const POSTGRES_ADMIN_URL =
  process.env.GLORIOUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const MYSQL_ADMIN_URL = process.env.GLORIOUS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/'

const sqlite: TestEngine = {
  name: 'sqlite',
  async create() {
    const path = join(tempDir('glorious-engine-'), 'agent.db')
    const read = <T>(fn: (db: Database.Database) => T): T => {
      const db = new Database(path)
      try {
        return fn(db)
      } finally {
        db.close()
      }
    }
    return {
      engine: 'sqlite',
      database: path,
      cliArgs: ['--db', path],
      async query(text) {
        return read((db) => {
          const statement = db.prepare(text)
          return statement.reader ? (statement.all() as Record<string, unknown>[]) : (statement.run(), [])
        })
      },
      async tables() {
        return read((db) =>
          (
            db
              .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name`)
              .all() as {
              name: string
            }[]
          ).map((row) => row.name),
        )
      },
      async dump() {
        return read((db) => {
          const objects = db
            .prepare(`SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name`)
            .all() as { type: string; name: string; sql: string }[]
          const lines = objects.map((o) => o.sql)
          for (const table of objects.filter((o) => o.type === 'table')) {
            const data = db
              .prepare(`SELECT * FROM "${table.name.replaceAll('"', '""')}"`)
              .raw()
              .all()
            lines.push(`${table.name}: ${JSON.stringify(data)}`)
          }
          return lines.join('\n')
        })
      },
    }
  },
}

export const postgres: TestEngine = {
  name: 'postgres',
  async create() {
    const pg = (await import('pg')).default
    const name = `glorious_test_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = withPath(POSTGRES_ADMIN_URL, name)
    after(async () => {
      const dropper = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
      await dropper.connect()
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await dropper.end()
    })
    const withClient = async <T>(fn: (client: InstanceType<typeof pg.Client>) => Promise<T>): Promise<T> => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        return await fn(client)
      } finally {
        await client.end()
      }
    }
    return {
      engine: 'postgres',
      database: url,
      cliArgs: ['--url', url],
      query: (text) => withClient(async (client) => (await client.query(text)).rows as Record<string, unknown>[]),
      tables: () =>
        withClient(async (client) =>
          (
            await client.query(
              `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p') ORDER BY 1`,
            )
          ).rows.map((row: { name: string }) => row.name),
        ),
      dump: () =>
        withClient(async (client) => {
          const { rows: columns } = await client.query(
            `SELECT table_schema || '.' || table_name AS t, string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, ''), ', ' ORDER BY ordinal_position) AS c
             FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') GROUP BY 1 ORDER BY 1`,
          )
          const { rows: indexes } = await client.query(
            `SELECT indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
          )
          const lines = [
            ...columns.map((row: { t: string; c: string }) => `${row.t}(${row.c})`),
            ...indexes.map((row: { indexdef: string }) => row.indexdef),
          ]
          for (const row of columns as { t: string }[]) {
            const { rows } = await client.query(
              `SELECT * FROM ${row.t
                .split('.')
                .map((part) => `"${part}"`)
                .join('.')} ORDER BY 1`,
            )
            lines.push(`${row.t}: ${JSON.stringify(rows)}`)
          }
          return lines.join('\n')
        }),
    }
  },
}

export const mysql: TestEngine = {
  name: 'mysql',
  async create() {
    const mysql2 = (await import('mysql2/promise')).default
    const name = `glorious_test_${randomBytes(6).toString('hex')}`
    const admin = await mysql2.createConnection({ uri: MYSQL_ADMIN_URL })
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = withPath(MYSQL_ADMIN_URL, name)
    after(async () => {
      const dropper = await mysql2.createConnection({ uri: MYSQL_ADMIN_URL })
      await dropper.query(`DROP DATABASE IF EXISTS ${name}`)
      await dropper.end()
    })
    const withConnection = async <T>(
      fn: (connection: Awaited<ReturnType<typeof mysql2.createConnection>>) => Promise<T>,
    ): Promise<T> => {
      const connection = await mysql2.createConnection({ uri: url, dateStrings: true })
      try {
        return await fn(connection)
      } finally {
        await connection.end()
      }
    }
    return {
      engine: 'mysql',
      database: url,
      cliArgs: ['--url', url],
      query: (text) =>
        withConnection(async (connection) => {
          const [rows] = await connection.query(text)
          return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
        }),
      tables: () =>
        withConnection(async (connection) => {
          const [rows] = await connection.query(
            `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
          )
          return (rows as { name: string }[]).map((row) => row.name)
        }),
      dump: () =>
        withConnection(async (connection) => {
          const [tables] = await connection.query(
            `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1`,
          )
          const lines: string[] = []
          for (const table of tables as { name: string; type: string }[]) {
            const [created] = await connection.query(`SHOW CREATE TABLE \`${table.name}\``)
            lines.push(JSON.stringify(created))
            if (table.type === 'BASE TABLE') {
              const [rows] = await connection.query(`SELECT * FROM \`${table.name}\` ORDER BY 1`)
              lines.push(`${table.name}: ${JSON.stringify(rows)}`)
            }
          }
          return lines.join('\n').replace(/ AUTO_INCREMENT=\d+/g, '')
        }),
    }
  },
}

const ALL: Readonly<Record<EngineName, TestEngine | undefined>> = { sqlite, postgres, mysql }

/** The engines this run tests (fails loudly for an unknown or unavailable one). */
export const ENGINES: readonly TestEngine[] = (process.env.GLORIOUS_TEST_ENGINES ?? 'sqlite')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '')
  .map((name) => {
    const engine = ALL[name as EngineName]
    if (!engine) throw new Error(`GLORIOUS_TEST_ENGINES: unknown or unsupported engine ${JSON.stringify(name)}`)
    return engine
  })

function withPath(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

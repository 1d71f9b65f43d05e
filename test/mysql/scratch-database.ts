/**
 * A fresh database on the MariaDB server for one test (see `test/reliability/mysql-scratch.ts`
 * for the server), with Kysely instances on it as applications make them (`MysqlDialect` over a
 * mysql2 pool, with the pool options given), dropped when the test file ends.
 */
import { after } from 'node:test'
import type { Kysely } from 'kysely'
import type { FieldPacket, PoolOptions } from 'mysql2'
import { SERVER, connect, scratchName } from '../reliability/mysql-scratch.js'

export interface ScratchDatabase {
  readonly name: string
  /** Runs SQL text (several statements allowed) through a plain mysql2 connection. */
  run(sqlText: string): Promise<void>
  /** Runs one query through a plain mysql2 connection: rows and field metadata. */
  query(sqlText: string): Promise<{ rows: Record<string, unknown>[]; fields: FieldPacket[] }>
  /** A Kysely instance on the database: `MysqlDialect` with a mysql2 pool of these options. */
  kysely(options?: PoolOptions): Promise<Kysely<any>>
}

export async function scratchDatabase(purpose: string): Promise<ScratchDatabase> {
  const name = scratchName(purpose)
  const admin = await connect()
  await admin.query(`CREATE DATABASE \`${name}\``)
  await admin.end()
  const instances: Kysely<any>[] = []
  after(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()))
    const dropper = await connect()
    await dropper.query(`DROP DATABASE IF EXISTS \`${name}\``)
    await dropper.end()
  })
  const withConnection = async <T>(fn: (connection: Awaited<ReturnType<typeof connect>>) => Promise<T>) => {
    const connection = await connect({ database: name, multipleStatements: true })
    try {
      return await fn(connection)
    } finally {
      await connection.end()
    }
  }
  return {
    name,
    run: (sqlText) =>
      withConnection(async (connection) => {
        await connection.query(sqlText)
      }),
    query: (sqlText) =>
      withConnection(async (connection) => {
        const [rows, fields] = await connection.query(sqlText)
        return { rows: rows as Record<string, unknown>[], fields: fields as FieldPacket[] }
      }),
    async kysely(options = {}) {
      const { Kysely, MysqlDialect } = await import('kysely')
      const { createPool } = await import('mysql2')
      const instance = new Kysely<any>({
        dialect: new MysqlDialect({ pool: createPool({ ...SERVER, database: name, ...options }) }),
      })
      instances.push(instance)
      return instance
    },
  }
}

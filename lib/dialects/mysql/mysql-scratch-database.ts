import { randomBytes } from 'node:crypto'
import { scrubSecrets } from '../../connection/redact-url.js'
import { DatabaseError } from '../../errors.js'
import type { ScratchDatabase, ScratchDatabaseFactory } from '../schema-snapshot.js'
import { mysqlConnectionOptions, mysqlConnector, requireMysql2 } from './mysql-connector.js'
import { quoteIdent } from './mysql-lexer.js'

/**
 * A scratch database on the live database's server, under a name of our own
 * (`glorious_drift_<random>`), created here and dropped by `drop()`.
 */
export const mysqlScratchDatabase: ScratchDatabaseFactory = Object.freeze<ScratchDatabaseFactory>({
  async create(live, settings): Promise<ScratchDatabase> {
    if (live === undefined || live.kind !== 'url') {
      throw new DatabaseError(
        'the Kysely instance',
        'cannot be used to create a scratch database',
        'give the database as a URL (--url / database: "mysql://…") so a scratch database can be made on its server',
      )
    }
    const mysql = requireMysql2()
    const name = `glorious_drift_${randomBytes(6).toString('hex')}`
    const server = { ...mysqlConnectionOptions(live), database: undefined }
    const serverUrl = new URL(live.url.replace(/^mariadb:/i, 'mysql:'))
    const admin = async (statement: string): Promise<void> => {
      const connection = mysql.createConnection(server)
      try {
        await connection.promise().query(statement)
      } finally {
        connection.destroy()
      }
    }
    try {
      await admin(`CREATE DATABASE ${quoteIdent(name)}`)
    } catch (error) {
      throw new DatabaseError(
        live.label,
        `cannot have a scratch database created beside it (${scrubSecrets(String((error as Error).message), live.url)})`,
        'drift replays the migrations into a scratch database on the same server: give a user that may create databases (CREATE privilege)',
        error,
      )
    }
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    let session: Awaited<ReturnType<typeof mysqlConnector.open>> | undefined
    let dropped = false
    const drop = async (): Promise<void> => {
      if (dropped) return
      dropped = true
      await session?.close().catch(() => undefined)
      await admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`)
    }
    try {
      session = await mysqlConnector.open(
        { kind: 'url', engine: 'mysql', url: url.toString(), label: `scratch database ${name}` },
        { ...settings, readonly: false },
      )
    } catch (error) {
      await drop().catch(() => undefined)
      throw error
    }
    return { session, label: `scratch database ${name}`, drop }
  },
})

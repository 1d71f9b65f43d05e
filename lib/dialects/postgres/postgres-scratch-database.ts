import { randomBytes } from 'node:crypto'
import { scrubSecrets } from '../../connection/redact-url.js'
import { DatabaseError } from '../../errors.js'
import type { ScratchDatabase, ScratchDatabaseFactory } from '../schema-snapshot.js'
import { APPLICATION_NAME, postgresConnector, quoteIdent, requirePg, withDatabase } from './postgres-connector.js'

/**
 * A scratch database on the live database's server, under a name of our own
 * (`glorious_drift_<random>`), created here and dropped by `drop()` (with `FORCE`, so a
 * connection left open by a failed replay cannot keep it alive).
 */
export const postgresScratchDatabase: ScratchDatabaseFactory = Object.freeze<ScratchDatabaseFactory>({
  async create(live, settings): Promise<ScratchDatabase> {
    if (live === undefined || live.kind !== 'url') {
      throw new DatabaseError(
        'the Kysely instance',
        'cannot be used to create a scratch database',
        'give the database as a URL (--url / database: "postgres://…") so a scratch database can be made on its server',
      )
    }
    const pg = requirePg()
    const name = `glorious_drift_${randomBytes(6).toString('hex')}`
    const admin = async (statement: string): Promise<void> => {
      const client = new pg.Client({ connectionString: live.url, application_name: APPLICATION_NAME })
      try {
        await client.connect()
        await client.query(statement)
      } finally {
        await client.end().catch(() => undefined)
      }
    }
    try {
      await admin(`CREATE DATABASE ${quoteIdent(name)}`)
    } catch (error) {
      throw new DatabaseError(
        live.label,
        `cannot have a scratch database created beside it (${scrubSecrets((error as Error).message, live.url)})`,
        'drift replays the migrations into a scratch database on the same server: give a role that may create databases (CREATEDB)',
        error,
      )
    }
    const url = withDatabase(live.url, name)
    let dropped = false
    const drop = async (): Promise<void> => {
      if (dropped) return
      dropped = true
      await session?.close().catch(() => undefined)
      await admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
    }
    let session: Awaited<ReturnType<typeof postgresConnector.open>> | undefined
    try {
      session = await postgresConnector.open(
        { kind: 'url', engine: 'postgres', url, label: `scratch database ${name}` },
        { ...settings, readonly: false },
      )
    } catch (error) {
      await drop().catch(() => undefined)
      throw error
    }
    return { session, label: `scratch database ${name}`, drop }
  },
})

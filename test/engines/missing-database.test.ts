import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { getStatus, migrateSkills } from '../../lib/index.js'
import { ENGINES, MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

/**
 * A server database (or PostgreSQL schema) that does not exist yet. A run's first, read-only look
 * opens the pool directly and takes "unknown database" (or a missing schema) for "does not exist"
 * instead of asking in a connection of its own first: this is what it must still get right.
 */
for (const engine of ENGINES.filter((e) => e.name !== 'sqlite')) {
  const admin = engine.name === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL

  describe(`a database that does not exist yet, on ${engine.name}`, () => {
    it('status says so and creates nothing; a run creates it and applies; the next run has nothing to do', async () => {
      const name = `glorious_missing_${randomBytes(6).toString('hex')}`
      after(() => adminQuery(engine.name, `DROP DATABASE IF EXISTS ${name}`))
      const url = withPath(admin, name)
      const skills = [{ name: 'notes', migrationsDir: migrationsDir(tempDir(), { '1_init.sql': CREATE_NOTES }) }]

      await assert.rejects(getStatus({ database: url, skills }), /does not exist: nothing has been migrated there yet/)
      assert.equal(await databaseExists(engine.name, name), false, 'status created the database')

      const first = await migrateSkills(skills, { database: url, codegen: false })
      assert.equal(first.error, undefined, String(first.error))
      assert.deepEqual(
        first.applied.map((m) => m.filename),
        ['1_init.sql'],
      )
      assert.equal(await databaseExists(engine.name, name), true)

      const second = await migrateSkills(skills, { database: url, codegen: false })
      assert.equal(second.error, undefined, String(second.error))
      assert.deepEqual(second.applied, [])
      const [status] = await getStatus({ database: url, skills })
      assert.equal(status?.state, 'ok')
    })

    if (engine.name === 'postgres') {
      it('a schema that does not exist: status says so and creates nothing; a run creates it and applies', async () => {
        const db = await engine.create()
        const schema = `missing_${randomBytes(4).toString('hex')}`
        const skills = [{ name: 'notes', migrationsDir: migrationsDir(tempDir(), { '1_init.sql': CREATE_NOTES }) }]

        await assert.rejects(
          getStatus({ database: db.database, schema, skills }),
          /does not exist: nothing has been migrated there yet/,
        )
        const absent = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = '${schema}'`)
        assert.equal(absent.length, 0, 'status created the schema')

        const run = await migrateSkills(skills, { database: db.database, schema, codegen: false })
        assert.equal(run.error, undefined, String(run.error))
        assert.equal(run.applied.length, 1)
        const tables = await db.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}'`,
        )
        assert.ok(tables.some((row) => row.table_name === 'notes'))
        const again = await migrateSkills(skills, { database: db.database, schema, codegen: false })
        assert.deepEqual(again.applied, [])
      })
    }
  })
}

const CREATE_NOTES = 'CREATE TABLE notes (id INTEGER PRIMARY KEY);'

function withPath(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function adminQuery(engine: string, text: string): Promise<unknown[]> {
  if (engine === 'postgres') {
    const pg = (await import('pg')).default
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
    await client.connect()
    try {
      return (await client.query(text)).rows
    } finally {
      await client.end()
    }
  }
  const mysql = (await import('mysql2/promise')).default
  const connection = await mysql.createConnection({ uri: MYSQL_ADMIN_URL })
  try {
    const [rows] = await connection.query(text)
    return Array.isArray(rows) ? rows : []
  } finally {
    await connection.end()
  }
}

async function databaseExists(engine: string, name: string): Promise<boolean> {
  const rows =
    engine === 'postgres'
      ? await adminQuery(engine, `SELECT 1 FROM pg_database WHERE datname = '${name}'`)
      : await adminQuery(engine, `SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${name}'`)
  return rows.length > 0
}

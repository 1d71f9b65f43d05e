/**
 * Several migrators starting together on a PostgreSQL database that does not exist yet (app
 * instances that migrate on start-up, first deploy): each finds it missing and creates it. The
 * ones that lost the race got PostgreSQL's unique violation on pg_database's name index rather
 * than duplicate_database, and failed with "does not exist and cannot be created". All must
 * succeed, and the migrations apply once.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { migrateSkills } from '../../lib/index.js'
import { POSTGRES_ADMIN_URL } from '../helpers/engines.js'
import { adminQuery } from '../helpers/pg-server.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const MIGRATORS = 8
const ROUNDS = 3

const created: string[] = []
after(async () => {
  for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
})

describe('migrators racing to create a PostgreSQL database', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`${MIGRATORS} migrators started together on a missing database all succeed (round ${round})`, async () => {
      const name = `glorious_race_${randomBytes(5).toString('hex')}`
      created.push(name)
      const url = new URL(POSTGRES_ADMIN_URL)
      url.pathname = `/${name}`
      const skills = [
        {
          name: 'notes',
          migrationsDir: migrationsDir(tempDir(), {
            '001_init.sql': 'CREATE TABLE notes (id int PRIMARY KEY);',
            '002_more.sql': 'INSERT INTO notes VALUES (1);',
          }),
        },
      ]
      const results = await Promise.all(
        Array.from({ length: MIGRATORS }, () =>
          migrateSkills(skills, { database: url.toString(), schema: 'app', codegen: false, lockTimeoutMs: 60_000 }),
        ),
      )
      for (const result of results) assert.equal(result.error, undefined, String(result.error))
      assert.equal(results.flatMap((result) => result.applied).length, 2)
      const rows = await adminQuery<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [name])
      assert.equal(rows.length, 1)
    })
  }
})

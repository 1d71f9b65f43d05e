/**
 * The probe taken before a DDL statement on MariaDB (what a run killed during the statement
 * compares with to tell whether it took effect), read with `SHOW CREATE`: equal when the
 * statement did not take effect, even though rows moved the table's AUTO_INCREMENT counter or the
 * session's settings that change `SHOW CREATE`'s text are not those the probe was taken under;
 * different once it did. Probes recorded by older versions (from information_schema) compare as
 * before.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { SqlStatement } from '../../lib/dialects/dialect.js'
import { mysqlDialect } from '../../lib/dialects/mysql/mysql-dialect.js'
import { scratchDatabase } from './scratch-database.js'

function statement(text: string): SqlStatement {
  const [first] = mysqlDialect.split(text).statements
  assert.ok(first)
  return first
}

const probe = (conn: Kysely<any>, text: string, recorded?: string) =>
  mysqlDialect.probeStatement?.(conn, statement(text), recorded) as Promise<string>

async function session<T>(fn: (conn: Kysely<any>) => Promise<T>): Promise<T> {
  const db = await (await scratchDatabase('probe')).kysely()
  return db.connection().execute(fn)
}

const ALTER = 'ALTER TABLE items ADD COLUMN note VARCHAR(20)'

describe('MariaDB statement probe', () => {
  it('is unchanged by rows that move the AUTO_INCREMENT counter, changed by the statement', async () => {
    await session(async (conn) => {
      await sql`CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10) COMMENT ' AUTO_INCREMENT=1')`.execute(
        conn,
      )
      const before = await probe(conn, ALTER)
      await sql`INSERT INTO items (name) VALUES ('a'), ('b'), ('c')`.execute(conn)
      const shown = await sql.raw<Record<string, string>>('SHOW CREATE TABLE items').execute(conn)
      assert.match(String(shown.rows[0]?.['Create Table']), /\) ENGINE=.* AUTO_INCREMENT=4/)
      assert.equal(await probe(conn, ALTER, before), before)
      await sql.raw(ALTER).execute(conn)
      assert.notEqual(await probe(conn, ALTER, before), before)
    })
  })

  it('is read again under the settings it was taken under, and the session keeps its own', async () => {
    await session(async (conn) => {
      await sql`CREATE TABLE items (id INT PRIMARY KEY)`.execute(conn)
      // As a migration's earlier statements may leave the session before the probe.
      await sql`SET SESSION sql_mode = 'ANSI_QUOTES,NO_TABLE_OPTIONS', SESSION sql_quote_show_create = 0`.execute(conn)
      const before = await probe(conn, ALTER)
      // The run resumes in a new session, with the server's defaults.
      await sql`SET SESSION sql_mode = DEFAULT, SESSION sql_quote_show_create = 1`.execute(conn)
      const { rows: mode } = await sql<{ m: string }>`SELECT @@SESSION.sql_mode AS m`.execute(conn)
      assert.equal(await probe(conn, ALTER, before), before)
      const { rows: after } = await sql<{ m: string; q: number }>`
        SELECT @@SESSION.sql_mode AS m, @@SESSION.sql_quote_show_create AS q`.execute(conn)
      assert.deepEqual(
        after.map((row) => [row.m, Number(row.q)]),
        [[mode[0]?.m, 1]],
      )
      await sql.raw(ALTER).execute(conn)
      assert.notEqual(await probe(conn, ALTER, before), before)
    })
  })

  it('tells a created table, view and trigger from their absence', async () => {
    await session(async (conn) => {
      const cases = [
        'CREATE TABLE t (id INT)',
        'CREATE VIEW v AS SELECT id FROM t',
        'CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW SET NEW.id = NEW.id + 1',
        'DROP VIEW v',
      ]
      for (const text of cases) {
        const before = await probe(conn, text)
        assert.equal(await probe(conn, text, before), before, text)
        await sql.raw(text).execute(conn)
        assert.notEqual(await probe(conn, text, before), before, text)
      }
    })
  })

  it('compares a probe recorded by an older version (information_schema) as that version read it', async () => {
    await session(async (conn) => {
      await sql`CREATE TABLE items (id INT PRIMARY KEY)`.execute(conn)
      // Any recorded value without the `show:` prefix is read the old way.
      const before = await probe(conn, ALTER, 'recorded by an older version')
      assert.doesNotMatch(before, /^show:/)
      assert.equal(await probe(conn, ALTER, before), before)
      await sql.raw(ALTER).execute(conn)
      assert.notEqual(await probe(conn, ALTER, before), before)
    })
  })
})

/**
 * The plan's PostgreSQL lock levels against the server's own account: each statement runs in a
 * transaction that is rolled back, on a scratch database, and the locks its session holds
 * (`pg_locks`) are compared with the ones the plan predicts from the statement's text. Tables
 * only (indexes, TOAST and new objects aside); tables a statement's note admits to (the
 * referenced table of a dropped foreign key, …) may be locked too.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { PG_LOCK_MODES } from '../../lib/dialects/postgres/postgres-lock-levels.js'
import { describePostgresLocks } from '../../lib/dialects/postgres/postgres-plan-locks.js'
import { splitPostgresStatements } from '../../lib/dialects/postgres/postgres-splitter.js'
import { postgres } from '../helpers/engines.js'

const SCHEMA = `
CREATE TABLE authors (id int PRIMARY KEY, name text);
CREATE TABLE notes (id int PRIMARY KEY, author_id int, editor_id int, body text, score int);
CREATE INDEX notes_body ON notes (body);
ALTER TABLE notes ADD CONSTRAINT notes_author FOREIGN KEY (author_id) REFERENCES authors (id);
CREATE TABLE tags (id int PRIMARY KEY, note_id int REFERENCES notes (id));
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE events (id int, at int) PARTITION BY RANGE (at);
CREATE TABLE events_1 (id int, at int);
INSERT INTO authors VALUES (1, 'ann');
INSERT INTO notes VALUES (1, 1, NULL, 'hello', 3);
`

/** Statement, and tables its note says may be locked beyond the predicted ones. */
const CASES: readonly (readonly [string, (readonly string[])?])[] = [
  ['ALTER TABLE notes ADD COLUMN pinned boolean'],
  ['ALTER TABLE notes ALTER COLUMN score TYPE bigint'],
  ['ALTER TABLE notes ALTER COLUMN body SET STATISTICS 500'],
  ['ALTER TABLE notes ADD CONSTRAINT notes_editor FOREIGN KEY (editor_id) REFERENCES authors (id)'],
  ['ALTER TABLE notes ADD CONSTRAINT notes_editor FOREIGN KEY (editor_id) REFERENCES authors (id) NOT VALID'],
  ['ALTER TABLE notes VALIDATE CONSTRAINT notes_author', ['authors']],
  ['ALTER TABLE notes DROP CONSTRAINT notes_author', ['authors']],
  ['ALTER TABLE notes RENAME TO memos'],
  ['ALTER TABLE notes RENAME COLUMN body TO text'],
  ['ALTER TABLE notes SET (fillfactor = 70)'],
  ['ALTER TABLE events ATTACH PARTITION events_1 FOR VALUES FROM (0) TO (10)'],
  ['CREATE INDEX notes_score ON notes (score)'],
  ['DROP INDEX notes_body'],
  ['REINDEX INDEX notes_body'],
  ['DROP TABLE tags', ['notes']],
  ['TRUNCATE tags'],
  ['CREATE TRIGGER touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()'],
  ['CREATE TABLE links (id int, note_id int REFERENCES notes (id))'],
  ['CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM (10) TO (20)'],
  ['CREATE VIEW named AS SELECT n.body, a.name FROM notes n JOIN authors a ON a.id = n.author_id'],
  ["INSERT INTO notes (id, author_id, body) VALUES (2, 1, 'x')", ['authors']],
  ["UPDATE notes SET body = 'y' FROM authors WHERE authors.id = notes.author_id", ['authors']],
  ['DELETE FROM tags WHERE note_id IN (SELECT id FROM notes)'],
  ["COMMENT ON TABLE notes IS 'all notes'"],
  ['LOCK TABLE notes IN SHARE ROW EXCLUSIVE MODE'],
  ['SELECT * FROM notes JOIN authors ON authors.id = notes.author_id FOR UPDATE OF notes'],
]

/** `ShareUpdateExclusiveLock` → `SHARE UPDATE EXCLUSIVE`. */
function modeName(lockMode: string): string {
  return lockMode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase()
}

const ORDER: readonly string[] = PG_LOCK_MODES

// Created at the top level: the database is dropped when the file ends, not after a hook.
const scratch = await postgres.create()

describe('PostgreSQL lock levels against pg_locks', () => {
  let client: pg.Client
  before(async () => {
    client = new pg.Client({ connectionString: scratch.database })
    await client.connect()
    await client.query(SCHEMA)
  })
  after(async () => {
    await client.end()
  })

  /** The strongest lock the session holds on each table and index that existed before, by name. */
  async function traced(sql: string): Promise<Map<string, string>> {
    await client.query('BEGIN')
    try {
      const { rows: before } = await client.query<{ oid: string; name: string }>(
        `SELECT c.oid::text AS oid, c.relname AS name FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'i')`,
      )
      const names = new Map(before.map((row) => [row.oid, row.name]))
      await client.query(sql)
      const { rows } = await client.query<{ oid: string; mode: string }>(
        `SELECT relation::text AS oid, mode FROM pg_locks
         WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted`,
      )
      const strongest = new Map<string, string>()
      for (const row of rows) {
        const name = names.get(row.oid)
        if (name === undefined) continue
        const mode = modeName(row.mode)
        const known = strongest.get(name)
        if (known === undefined || ORDER.indexOf(mode) > ORDER.indexOf(known)) strongest.set(name, mode)
      }
      return strongest
    } finally {
      await client.query('ROLLBACK')
    }
  }

  async function tableOfIndex(index: string): Promise<string> {
    const { rows } = await client.query<{ name: string }>(
      'SELECT indrelid::regclass::text AS name FROM pg_index WHERE indexrelid = $1::regclass',
      [index],
    )
    return rows[0]?.name ?? '?'
  }

  for (const [sql, admitted = []] of CASES) {
    test(sql, async () => {
      const [predicted] = (await describePostgresLocks(splitPostgresStatements(sql).statements)).statements
      const expected = new Map<string, string>()
      for (const lock of predicted ?? []) {
        const on = lock.on ?? '?'
        const index = /^the table of index (.+)$/.exec(on)?.[1]
        expected.set(index === undefined ? on : await tableOfIndex(index), lock.mode)
      }
      const actual = await traced(sql)
      const indexes = new Set(
        (await client.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relkind = 'i'`)).rows.map(
          (row) => row.name,
        ),
      )
      for (const [table, mode] of expected) {
        assert.equal(actual.get(table), mode, `${table}: predicted ${mode}, pg_locks has ${actual.get(table)}`)
      }
      for (const [table, mode] of actual) {
        // Indexes are locked along with their tables; the plan names an index only when it is the point.
        if (expected.has(table) || admitted.includes(table) || indexes.has(table)) continue
        assert.equal(mode, 'ACCESS SHARE', `${table} is locked ${mode}, which the plan does not say`)
      }
    })
  }
})

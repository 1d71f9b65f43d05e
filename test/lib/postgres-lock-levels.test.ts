/**
 * The table of PostgreSQL lock levels: statement text → the lock each table gets, through
 * PostgreSQL's own parser (libpg-query, a development dependency) and `postgresStatementLocks`.
 * Pure: no server needed (test/engines/plan-trace.test.ts checks the same levels against
 * `pg_locks` on a real server).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { splitPostgresStatements } from '../../lib/dialects/postgres/postgres-splitter.js'
import { describePostgresLocks } from '../../lib/dialects/postgres/postgres-plan-locks.js'
import { blocksText, strongerMode } from '../../lib/dialects/postgres/postgres-lock-levels.js'

/** Statement → `MODE on table` for each lock, in order, and the note when the statement has one. */
const CASES: readonly (readonly [string, readonly string[], RegExp?])[] = [
  // ALTER TABLE: ACCESS EXCLUSIVE unless every subcommand takes less.
  ['ALTER TABLE notes ADD COLUMN pinned boolean', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes ALTER COLUMN id TYPE bigint', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes ALTER COLUMN body SET NOT NULL', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes DROP COLUMN body', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes ADD CONSTRAINT body_len CHECK (length(body) < 100) NOT VALID', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes ADD CONSTRAINT notes_uq UNIQUE (body)', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes ALTER COLUMN body SET STATISTICS 500', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['ALTER TABLE notes SET (fillfactor = 70)', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['ALTER TABLE notes CLUSTER ON notes_pkey', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['ALTER TABLE notes DISABLE TRIGGER touch', ['SHARE ROW EXCLUSIVE on notes']],
  // The strongest subcommand wins.
  ['ALTER TABLE notes ALTER COLUMN body SET STATISTICS 500, ADD COLUMN x int', ['ACCESS EXCLUSIVE on notes']],
  // Foreign keys: SHARE ROW EXCLUSIVE on both tables, NOT VALID or not; a column with REFERENCES too.
  [
    'ALTER TABLE notes ADD CONSTRAINT notes_author FOREIGN KEY (author_id) REFERENCES authors (id)',
    ['SHARE ROW EXCLUSIVE on notes', 'SHARE ROW EXCLUSIVE on authors'],
  ],
  [
    'ALTER TABLE app.notes ADD CONSTRAINT notes_author FOREIGN KEY (author_id) REFERENCES app.authors (id) NOT VALID',
    ['SHARE ROW EXCLUSIVE on app.notes', 'SHARE ROW EXCLUSIVE on app.authors'],
  ],
  [
    'ALTER TABLE notes ADD COLUMN editor_id bigint REFERENCES authors (id)',
    ['ACCESS EXCLUSIVE on notes', 'SHARE ROW EXCLUSIVE on authors'],
  ],
  [
    'ALTER TABLE notes VALIDATE CONSTRAINT notes_author',
    ['SHARE UPDATE EXCLUSIVE on notes'],
    /ROW SHARE on the referenced table/,
  ],
  ['ALTER TABLE notes DROP CONSTRAINT notes_author', ['ACCESS EXCLUSIVE on notes'], /referenced table/],
  // Partitions and inheritance.
  [
    'ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM (1) TO (10)',
    ['SHARE UPDATE EXCLUSIVE on events', 'ACCESS EXCLUSIVE on events_2025'],
  ],
  [
    'ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY',
    ['SHARE UPDATE EXCLUSIVE on events', 'SHARE UPDATE EXCLUSIVE on events_2025'],
  ],
  ['ALTER TABLE notes INHERIT base', ['ACCESS EXCLUSIVE on notes', 'SHARE UPDATE EXCLUSIVE on base']],
  // Renames: tables and columns ACCESS EXCLUSIVE, indexes only SHARE UPDATE EXCLUSIVE.
  ['ALTER TABLE notes RENAME TO memos', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER TABLE notes RENAME COLUMN body TO text', ['ACCESS EXCLUSIVE on notes']],
  ['ALTER INDEX notes_body RENAME TO notes_text', ['SHARE UPDATE EXCLUSIVE on notes_body']],
  ['ALTER TABLE notes SET SCHEMA archive', ['ACCESS EXCLUSIVE on notes']],
  // Indexes.
  ['CREATE INDEX notes_body ON notes (body)', ['SHARE on notes']],
  [
    'CREATE UNIQUE INDEX IF NOT EXISTS notes_body ON public.notes USING btree (body) WHERE body IS NOT NULL',
    ['SHARE on public.notes'],
  ],
  ['CREATE INDEX CONCURRENTLY notes_body ON notes (body)', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['DROP INDEX notes_body', ['ACCESS EXCLUSIVE on the table of index notes_body']],
  ['DROP INDEX CONCURRENTLY IF EXISTS notes_body', ['SHARE UPDATE EXCLUSIVE on the table of index notes_body']],
  ['REINDEX INDEX notes_body', ['SHARE on the table of index notes_body', 'ACCESS EXCLUSIVE on notes_body']],
  ['REINDEX TABLE CONCURRENTLY notes', ['SHARE UPDATE EXCLUSIVE on notes']],
  // Drops and TRUNCATE.
  ['DROP TABLE notes', ['ACCESS EXCLUSIVE on notes'], /tables its foreign keys reference/],
  ['DROP TABLE IF EXISTS notes, tags CASCADE', ['ACCESS EXCLUSIVE on notes', 'ACCESS EXCLUSIVE on tags'], /CASCADE/],
  ['DROP VIEW recent_notes', ['ACCESS EXCLUSIVE on recent_notes']],
  ['DROP TRIGGER touch ON notes', ['ACCESS EXCLUSIVE on notes']],
  ['TRUNCATE notes, tags', ['ACCESS EXCLUSIVE on notes', 'ACCESS EXCLUSIVE on tags']],
  ['TRUNCATE TABLE ONLY notes RESTART IDENTITY CASCADE', ['ACCESS EXCLUSIVE on notes'], /CASCADE/],
  // Maintenance.
  ['VACUUM notes', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['VACUUM (FULL, ANALYZE) notes', ['ACCESS EXCLUSIVE on notes']],
  ['VACUUM FULL notes', ['ACCESS EXCLUSIVE on notes']],
  ['VACUUM', [], /every table of the database/],
  ['ANALYZE notes', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['CLUSTER notes USING notes_pkey', ['ACCESS EXCLUSIVE on notes']],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY totals', ['EXCLUSIVE on totals'], /tables the view reads/],
  ['REFRESH MATERIALIZED VIEW totals', ['ACCESS EXCLUSIVE on totals'], /tables the view reads/],
  // New tables lock only what they reference.
  ['CREATE TABLE tags (id bigint PRIMARY KEY)', []],
  [
    'CREATE TABLE note_tags (note_id bigint REFERENCES notes (id), tag_id bigint, FOREIGN KEY (tag_id) REFERENCES tags (id))',
    ['SHARE ROW EXCLUSIVE on notes', 'SHARE ROW EXCLUSIVE on tags'],
  ],
  ['CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM (10) TO (20)', ['ACCESS EXCLUSIVE on events']],
  ['CREATE TABLE copy (LIKE notes INCLUDING ALL)', ['ACCESS SHARE on notes']],
  ['CREATE TABLE archive AS SELECT * FROM notes JOIN tags ON true', ['ACCESS SHARE on notes', 'ACCESS SHARE on tags']],
  ['CREATE VIEW recent AS WITH r AS (SELECT * FROM notes) SELECT * FROM r', ['ACCESS SHARE on notes']],
  ['CREATE OR REPLACE VIEW recent AS SELECT * FROM notes', ['ACCESS EXCLUSIVE on recent', 'ACCESS SHARE on notes']],
  // Triggers, rules, policies, comments, statistics.
  [
    'CREATE TRIGGER touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()',
    ['SHARE ROW EXCLUSIVE on notes'],
  ],
  ['CREATE POLICY mine ON notes USING (author_id = 1)', ['ACCESS EXCLUSIVE on notes']],
  ['COMMENT ON TABLE notes IS $$all notes$$', ['SHARE UPDATE EXCLUSIVE on notes']],
  ["COMMENT ON COLUMN notes.body IS 'text'", ['SHARE UPDATE EXCLUSIVE on notes']],
  ['CREATE STATISTICS notes_stats ON author_id, body FROM notes', ['SHARE UPDATE EXCLUSIVE on notes']],
  ['LOCK TABLE notes IN SHARE MODE', ['SHARE on notes']],
  ['LOCK notes', ['ACCESS EXCLUSIVE on notes']],
  // DML: ROW EXCLUSIVE on the target, ACCESS SHARE on what it reads.
  [
    "INSERT INTO notes (body) VALUES ('x')",
    ['ROW EXCLUSIVE on notes'],
    /ROW SHARE on the tables its foreign keys reference/,
  ],
  [
    'INSERT INTO notes (body) SELECT name FROM authors',
    ['ROW EXCLUSIVE on notes', 'ACCESS SHARE on authors'],
    /foreign keys/,
  ],
  [
    "UPDATE notes SET body = 'y' FROM authors WHERE authors.id = notes.author_id",
    ['ROW EXCLUSIVE on notes', 'ACCESS SHARE on authors'],
    /foreign keys reference/,
  ],
  [
    'DELETE FROM notes WHERE author_id IN (SELECT id FROM authors)',
    ['ROW EXCLUSIVE on notes', 'ACCESS SHARE on authors'],
    /tables whose foreign keys reference it/,
  ],
  ['SELECT count(*) FROM notes', ['ACCESS SHARE on notes']],
  ['SELECT * FROM notes FOR UPDATE', ['ROW SHARE on notes']],
  // No table lock at all.
  ["SET statement_timeout = '5s'", []],
  ["CREATE TYPE mood AS ENUM ('ok')", []],
  ['CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', []],
  ['GRANT SELECT ON notes TO PUBLIC', []],
  // Code: unknown, and said so.
  ['DO $$ BEGIN PERFORM 1; END $$', [], /runs code/],
]

describe('PostgreSQL lock levels', () => {
  for (const [sql, expected, note] of CASES) {
    test(sql, async () => {
      const statements = splitPostgresStatements(sql).statements
      const locks = await describePostgresLocks(statements)
      assert.deepEqual(
        locks.statements[0]?.map((lock) => `${lock.mode} on ${lock.on}`),
        expected,
      )
      if (note) assert.match(locks.statementNotes[0] ?? '', note)
      else assert.equal(locks.statementNotes[0], undefined)
    })
  }

  test('what each lock blocks, in words', () => {
    assert.equal(blocksText('ACCESS EXCLUSIVE', 't'), 'blocks reads and writes on t')
    assert.equal(blocksText('SHARE', 't'), 'blocks writes on t')
    assert.equal(blocksText('SHARE ROW EXCLUSIVE', 't'), 'blocks writes on t')
    assert.match(blocksText('SHARE UPDATE EXCLUSIVE', 't'), /reads and writes continue/)
    assert.equal(strongerMode('SHARE', 'ROW EXCLUSIVE'), 'SHARE')
    assert.equal(strongerMode('SHARE UPDATE EXCLUSIVE', 'ACCESS EXCLUSIVE'), 'ACCESS EXCLUSIVE')
  })

  test('a migration: per statement, a note about lock queues once, and unparsable text named', async () => {
    const statements = splitPostgresStatements(
      'ALTER TABLE notes ADD COLUMN x int;\nSELECT 1;\nCREATE INDEX ON notes (x);\nALTER TABLE notes FROBNICATE;',
    ).statements
    const locks = await describePostgresLocks(statements)
    assert.deepEqual(
      locks.statements.map((list) => list.map((lock) => lock.blocks)),
      [['blocks reads and writes on notes'], [], ['blocks writes on notes'], []],
    )
    assert.match(locks.statementNotes[3] ?? '', /^not parsed \(syntax error at or near "FROBNICATE"\)/)
    assert.equal(locks.notes.length, 1)
    assert.match(locks.notes[0] ?? '', /wait behind it .*lock_timeout/)
  })
})

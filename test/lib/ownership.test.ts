import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sqliteObjectChanges } from '../../lib/dialects/sqlite/sqlite-object-changes.js'
import { splitSqliteStatements } from '../../lib/dialects/sqlite/sqlite-splitter.js'
import { declaredOwnershipChanges, diffSchemaObjects, knownObjects } from '../../lib/ledger/ownership.js'

const lower = (name: string) => name.toLowerCase()
const changes = (sql: string) => sqliteObjectChanges(splitSqliteStatements(sql).statements)

describe('tables and views a migration declares', () => {
  it('reads CREATE, DROP and ALTER … RENAME TO in every quoting and qualification', () => {
    assert.deepEqual(
      changes(`
        CREATE TABLE users (id INTEGER PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS "odd name" (x);
        CREATE TABLE main.[bracketed] (x);
        CREATE VIRTUAL TABLE docs USING fts5(body);
        CREATE VIEW \`v\` AS SELECT 1;
        CREATE UNIQUE INDEX i ON users (id);
        CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT 1; END;
        CREATE TEMP TABLE scratch (x);
        CREATE TABLE other.elsewhere (x);
        DROP TABLE IF EXISTS old;
        DROP VIEW v2;
        DROP INDEX i;
        ALTER TABLE users RENAME TO people;
        ALTER TABLE people RENAME COLUMN id TO person_id;
        ALTER TABLE people ADD COLUMN age INTEGER;`),
      [
        { kind: 'create', name: 'users', type: 'table', ifNotExists: false },
        { kind: 'create', name: 'odd name', type: 'table', ifNotExists: true },
        { kind: 'create', name: 'bracketed', type: 'table', ifNotExists: false },
        { kind: 'create', name: 'docs', type: 'table', ifNotExists: false },
        { kind: 'create', name: 'v', type: 'view', ifNotExists: false },
        { kind: 'drop', name: 'old' },
        { kind: 'drop', name: 'v2' },
        { kind: 'rename', from: 'users', to: 'people' },
      ],
    )
  })

  it('gives up (undefined) on a statement it cannot read, so the runner compares listings instead', () => {
    assert.equal(changes('CREATE TABLE (x);'), undefined)
    assert.equal(changes('ALTER TABLE t RENAME TO ;'), undefined)
  })
})

describe('ownership changes of a migration', () => {
  const ignored = ['_migrations', '_migration_objects']
  it('nets out a table created and dropped in one migration, and follows renames', () => {
    const declared = [
      { kind: 'create', name: 'tmp', type: 'table', ifNotExists: false },
      { kind: 'create', name: 'fresh', type: 'table', ifNotExists: false },
      { kind: 'rename', from: 'fresh', to: 'final' },
      { kind: 'drop', name: 'tmp' },
      { kind: 'rename', from: 'legacy', to: 'archive' },
      { kind: 'drop', name: 'gone' },
    ] as const
    const { changes: result } = declaredOwnershipChanges(declared, undefined, ignored, lower)
    assert.deepEqual(result, {
      created: [{ name: 'final', type: 'table' }],
      dropped: ['gone'],
      renamed: [{ from: 'legacy', to: 'archive', type: 'table' }],
    })
  })

  it('CREATE … IF NOT EXISTS of an existing table creates nothing; names are case-insensitive', () => {
    const known = knownObjects([{ name: 'Users', type: 'table', identity: '2' }], ignored, lower)
    const { changes: result, known: after } = declaredOwnershipChanges(
      [
        { kind: 'create', name: 'users', type: 'table', ifNotExists: true },
        { kind: 'create', name: 'notes', type: 'table', ifNotExists: true },
      ],
      known,
      ignored,
      lower,
    )
    assert.deepEqual(result.created, [{ name: 'notes', type: 'table' }])
    assert.deepEqual([...(after?.keys() ?? [])].sort(), ['notes', 'users'])
  })

  it('the listing comparison treats a vanished rootpage under a new name as a rename', () => {
    const result = diffSchemaObjects(
      [
        { name: 'a', type: 'table', identity: '5' },
        { name: 'b', type: 'table', identity: '6' },
        { name: '_migrations', type: 'table', identity: '2' },
      ],
      [
        { name: 'c', type: 'table', identity: '5' },
        { name: 'v', type: 'view', identity: undefined },
      ],
      ignored,
      lower,
    )
    assert.deepEqual(result, {
      created: [{ name: 'v', type: 'view' }],
      dropped: ['b'],
      renamed: [{ from: 'a', to: 'c', type: 'table' }],
    })
  })
})

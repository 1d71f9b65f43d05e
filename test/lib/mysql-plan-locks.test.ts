/**
 * The MySQL/MariaDB plan's locks, read from statement text: an exclusive metadata lock per DDL
 * statement, what it blocks following its ALGORITHM and LOCK clauses, and DML's shared metadata
 * lock with row locks. Pure: no server needed.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { describeMysqlLocks } from '../../lib/dialects/mysql/mysql-plan-locks.js'
import { splitMysqlStatements } from '../../lib/dialects/mysql/mysql-splitter.js'

const CASES: readonly (readonly [string, readonly string[]])[] = [
  [
    'ALTER TABLE items ADD COLUMN sku VARCHAR(20), ALGORITHM=INSTANT',
    [
      'metadata lock (exclusive) on items: blocks reads and writes on items only briefly, at its start and end (ALGORITHM=INSTANT)',
    ],
  ],
  [
    'ALTER TABLE shop.items ADD INDEX (sku), ALGORITHM = INPLACE, LOCK = NONE',
    [
      'metadata lock (exclusive) on shop.items: blocks reads and writes on shop.items only briefly, at its start and end (ALGORITHM=INPLACE, LOCK=NONE)',
    ],
  ],
  [
    'ALTER TABLE items MODIFY qty BIGINT, LOCK=SHARED',
    ['metadata lock (exclusive) on items: blocks writes on items (LOCK=SHARED)'],
  ],
  [
    'ALTER TABLE items ENGINE=InnoDB, ALGORITHM=COPY',
    ['metadata lock (exclusive) on items: blocks writes on items (the table is copied) (ALGORITHM=COPY)'],
  ],
  [
    'ALTER TABLE items DROP COLUMN sku, LOCK=EXCLUSIVE',
    ['metadata lock (exclusive) on items: blocks reads and writes on items (LOCK=EXCLUSIVE)'],
  ],
  [
    'ALTER TABLE items MODIFY qty BIGINT',
    [
      'metadata lock (exclusive) on items: blocks reads and writes on items only briefly, at its start and end; writes too while it runs unless the change can be made in place (no ALGORITHM or LOCK clause: the server picks the least locking it can)',
    ],
  ],
  [
    'CREATE UNIQUE INDEX items_sku ON `items` (sku) LOCK=NONE',
    [
      'metadata lock (exclusive) on items: blocks reads and writes on items only briefly, at its start and end (LOCK=NONE)',
    ],
  ],
  [
    'DROP TABLE IF EXISTS a, b',
    [
      'metadata lock (exclusive) on a: blocks reads and writes on a',
      'metadata lock (exclusive) on b: blocks reads and writes on b',
    ],
  ],
  [
    'RENAME TABLE items TO stock, old TO items',
    [
      'metadata lock (exclusive) on items: blocks reads and writes on items',
      'metadata lock (exclusive) on stock: blocks reads and writes on stock',
      'metadata lock (exclusive) on old: blocks reads and writes on old',
    ],
  ],
  ['TRUNCATE TABLE items', ['metadata lock (exclusive) on items: blocks reads and writes on items']],
  [
    'CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW SET NEW.qty = 0',
    ['metadata lock (exclusive) on items: blocks reads and writes on items'],
  ],
  ['CREATE TABLE fresh (id INT PRIMARY KEY)', []],
  [
    'INSERT IGNORE INTO items (id) VALUES (1)',
    [
      'metadata lock (shared) + row locks on items: blocks DDL on items, and writes to the rows it changes until it commits',
    ],
  ],
  [
    'DELETE FROM items WHERE qty < 0',
    [
      'metadata lock (shared) + row locks on items: blocks DDL on items, and writes to the rows it changes until it commits',
    ],
  ],
  ['SET @x = 1', []],
]

describe('MySQL plan locks', () => {
  for (const [sql, expected] of CASES) {
    test(sql, () => {
      const locks = describeMysqlLocks(splitMysqlStatements(sql).statements)
      assert.deepEqual(
        locks.statements[0]?.map(
          (lock) => `${lock.mode} on ${lock.on}: ${lock.blocks}${lock.detail ? ` (${lock.detail})` : ''}`,
        ),
        expected,
      )
    })
  }

  test('the note about metadata lock queues, once, only when there is DDL', () => {
    const ddl = describeMysqlLocks(splitMysqlStatements('ALTER TABLE a ADD x INT; ALTER TABLE b ADD y INT;').statements)
    assert.equal(ddl.notes.length, 1)
    assert.match(ddl.notes[0] ?? '', /lock_wait_timeout/)
    const dml = describeMysqlLocks(splitMysqlStatements('UPDATE a SET x = 1;').statements)
    assert.deepEqual(dml.notes, [])
  })
})

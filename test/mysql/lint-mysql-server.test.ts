/**
 * What the MySQL lint rules claim, shown on the real MariaDB server: with ALGORITHM=INSTANT or
 * INPLACE the server refuses a change it would otherwise do by copying the table (the rule's
 * hint), accepts the ones it can do instantly, and a DDL statement commits the data changed
 * before it (no atomicity); lint takes the engine from a mysql:// URL.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lintMigrations } from '../../lib/index.js'
import { mysql } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'
import { ruleIds } from '../helpers/lint.js'

describe('the MySQL rules against MariaDB', () => {
  it('ALGORITHM makes the server refuse a table copy instead of doing it silently', async () => {
    const db = await mysql.create()
    await db.query('CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(10))')
    await db.query("INSERT INTO users VALUES (1, 'a'), (2, 'b')")
    // Instant changes pass with ALGORITHM=INSTANT.
    await db.query('ALTER TABLE users ADD COLUMN bio TEXT, ALGORITHM=INSTANT')
    await db.query('ALTER TABLE users RENAME COLUMN bio TO about, ALGORITHM=INSTANT')
    // A change that needs a copy is refused with the algorithm named, and done by copy without it.
    await assert.rejects(
      db.query('ALTER TABLE users MODIFY id BIGINT, ALGORITHM=INPLACE'),
      /ALGORITHM=INPLACE is not supported/,
    )
    await db.query('ALTER TABLE users MODIFY id BIGINT')
    for (const statement of ['ALTER TABLE users ADD COLUMN bio TEXT;', 'ALTER TABLE users MODIFY id BIGINT;'])
      assert.deepEqual(await ruleIds('mysql', statement), ['mysql-alter-without-algorithm'])
    assert.deepEqual(await ruleIds('mysql', 'ALTER TABLE users ADD COLUMN bio TEXT, ALGORITHM=INSTANT;'), [])
  })

  it('DDL commits the data changes before it: a ROLLBACK after it keeps them', async () => {
    const db = await mysql.create()
    await db.query('CREATE TABLE audit (id INT PRIMARY KEY)')
    const mysql2 = (await import('mysql2/promise')).default
    const connection = await mysql2.createConnection({ uri: db.database })
    try {
      await connection.query('START TRANSACTION')
      await connection.query('INSERT INTO audit VALUES (1)')
      await connection.query('CREATE TABLE other (id INT)')
      await connection.query('ROLLBACK')
    } finally {
      await connection.end()
    }
    assert.deepEqual(await db.query('SELECT count(*) AS n FROM audit'), [{ n: 1 }], 'the INSERT survived the ROLLBACK')
    assert.ok(
      (await ruleIds('mysql', 'INSERT INTO audit VALUES (1);\nCREATE TABLE other (id INT);')).includes(
        'mysql-dml-with-ddl',
      ),
    )
  })

  it('lint takes the engine from a mysql:// URL', async () => {
    const db = await mysql.create()
    const dir = migrationsDir(tempDir(), { '001_a.sql': 'ALTER TABLE t ADD COLUMN c INT;' })
    const report = await lintMigrations({
      skills: [{ name: 'app', migrationsDir: dir }],
      database: db.database,
      env: {},
    })
    assert.equal(report.engine, 'mysql')
    assert.deepEqual(
      report.findings.map((f) => f.ruleId),
      ['mysql-alter-without-algorithm'],
    )
  })
})

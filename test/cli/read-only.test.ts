/**
 * Read-only commands (status, history, verify, run --dry-run, codegen --check) and a run with
 * nothing pending write nothing at all: no database side files (-wal, -shm, -journal), no cache
 * under GLORIOUS_HOME; and they work on a read-only database in a read-only folder.
 */
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import Database from 'better-sqlite3'
import { openDatabase } from '../../lib/connection/open-database.js'
import { OTHER_USER, glorious } from '../helpers/cli.js'
import { rows } from '../helpers/sqlite.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

/** Every file and folder under `root`, with size, mtime and ctime: any write shows. */
function listing(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const stats = statSync(path, { bigint: true })
      out.push(`${relative(root, path)} ${stats.size} ${stats.mtimeNs} ${stats.ctimeNs}`)
      if (stats.isDirectory()) walk(path)
    }
  }
  walk(root)
  return out
}

const READ_ONLY_COMMANDS = [
  ['status'],
  ['history'],
  ['verify'],
  ['run', '--dry-run'],
  ['run'],
  ['codegen', '--check'],
  ['status', '--json'],
  ['verify', '--json'],
] as const

/** A workspace whose migrations were applied (types written), in a journal mode. */
async function applied(journalMode: 'wal' | 'delete') {
  const root = tempDir()
  chmodSync(root, 0o755)
  const skills = join(root, 'skills')
  skillFolder(skills, 'notes', {
    '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);',
    '002_more.sql': 'ALTER TABLE notes ADD COLUMN title TEXT;',
  })
  const data = join(root, 'data')
  mkdirSync(data)
  const db = join(data, 'agent.db')
  const home = join(root, 'home')
  const first = await glorious(['migrate', 'run', '--skills', skills, '--db', db, '--journal-mode', journalMode], {
    env: { GLORIOUS_HOME: home },
  })
  assert.equal(first.code, 0, first.stderr)
  return { root, skills, data, db, home }
}

describe('read-only commands and a run with nothing pending', () => {
  it('write nothing: no side file beside the database, no checksum cache under GLORIOUS_HOME', async () => {
    const { root, skills, db, home } = await applied('wal')
    // Files older than 2 s are the ones a checksum cache would remember (see checksum-cache.ts).
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const before = listing(root)
    for (const command of READ_ONLY_COMMANDS) {
      const result = await glorious(['migrate', ...command, '--skills', skills, '--db', db], {
        env: { GLORIOUS_HOME: home },
      })
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`)
      assert.deepEqual(listing(root), before, `glorious migrate ${command.join(' ')} wrote something`)
    }
  })

  for (const journalMode of ['wal', 'delete'] as const) {
    it(`work on a read-only database in a read-only folder, as another user (${journalMode})`, async () => {
      const { root, skills, data, db, home } = await applied(journalMode)
      if (OTHER_USER.uid !== undefined) {
        // The files belong to root; the other user may read them only.
        chmodSync(data, 0o755)
        chmodSync(db, 0o644)
      } else {
        chmodSync(data, 0o555)
        chmodSync(db, 0o444)
      }
      chmodSync(skills, 0o755)
      const before = listing(root)
      try {
        for (const command of READ_ONLY_COMMANDS) {
          const result = await glorious(['migrate', ...command, '--skills', skills, '--db', db], {
            env: { GLORIOUS_HOME: home },
            asOtherUser: true,
          })
          assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`)
          assert.equal(result.stderr, '', command.join(' '))
        }
        const status = await glorious(['migrate', 'status', '--skills', skills, '--db', db], { asOtherUser: true })
        assert.match(status.stdout, /^notes +2 +2 +0 +ok$/m)
        assert.deepEqual(listing(root), before)
      } finally {
        chmodSync(data, 0o755)
        chmodSync(db, 0o644)
      }
    })
  }

  it('a pending migration still needs a writable database, and says so', async () => {
    const { skills, data, db, home } = await applied('wal')
    skillFolder(skills, 'tasks', { '001_init.sql': 'CREATE TABLE tasks (id INTEGER PRIMARY KEY);' })
    chmodSync(data, OTHER_USER.uid !== undefined ? 0o755 : 0o555)
    chmodSync(db, OTHER_USER.uid !== undefined ? 0o644 : 0o444)
    try {
      const result = await glorious(['migrate', 'run', '--skills', skills, '--db', db], {
        env: { GLORIOUS_HOME: home },
        asOtherUser: true,
      })
      assert.equal(result.code, 1)
      assert.match(result.stderr, /^error: database .*agent\.db is read-only for this process: /)
    } finally {
      chmodSync(data, 0o755)
      chmodSync(db, 0o644)
    }
    assert.deepEqual(readdirSync(data), ['agent.db'])
  })
})

describe('a read-only session on a WAL database', () => {
  it('reads an immutable snapshot, and reads again when a writer changed the file meanwhile', async () => {
    const { db } = await applied('wal')
    const session = await openDatabase({ database: db }, { readonly: true })
    try {
      const count = async () =>
        Number((await sql<{ n: number }>`SELECT count(*) AS n FROM _migrations`.execute(session.db)).rows[0]?.n)
      assert.equal(await count(), 2)
      assert.deepEqual(
        readdirSync(join(db, '..')).filter((name) => name.startsWith('agent.db-')),
        [],
        'the snapshot creates no side files',
      )
      // Another process writes, checkpoints and closes: the main file changes under the snapshot.
      const writer = new Database(db)
      writer.exec(
        "INSERT INTO _migrations (skill_name, version, filename, checksum, applied_at) VALUES ('x', 1, '1_x.sql', 'c', 'now')",
      )
      writer.close()
      assert.equal(await count(), 3)
    } finally {
      await session.close()
    }
    assert.equal(rows(db, 'SELECT count(*) AS n FROM _migrations')[0]?.n, 3)
  })
})

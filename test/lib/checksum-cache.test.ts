import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const LIB = fileURLToPath(new URL('../../lib/index.js', import.meta.url))

/** Runs migrateToLatest in a new process (so only the cache file carries knowledge across). */
function runInNewProcess(home: string, database: string, dir: string): { applied: number; error: string | null } {
  const script = `
    const { createMigrator } = await import(${JSON.stringify(LIB)})
    const m = createMigrator({ database: ${JSON.stringify(database)}, skill: 's', migrationsDir: ${JSON.stringify(dir)}, codegen: false })
    const r = await m.migrateToLatest(); await m.destroy()
    console.log(JSON.stringify({ applied: r.applied.length, error: r.error?.code ?? null }))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, GLORIOUS_HOME: home },
  })
  return JSON.parse(out.toString())
}

describe('the checksum cache', () => {
  it('lets a new process skip reading unchanged files, and still catches an edit that keeps the size', async () => {
    const root = tempDir()
    const home = join(root, 'home')
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x);', '002_b.sql': 'CREATE TABLE b (y);' })
    // Files changed in the last 2 s are never cached ("racily clean"); real migration files are older.
    const old = new Date(Date.now() - 60_000)
    for (const name of ['001_a.sql', '002_b.sql']) utimesSync(join(dir, name), old, old)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const database = join(root, 'agent.db')
    assert.deepEqual(runInNewProcess(home, database, dir), { applied: 2, error: null })
    const folder = join(home, 'cache', 'checksums-v1')
    const files = readdirSync(folder)
    assert.equal(files.length, 1, 'one cache file per migrations folder')
    const entries = JSON.parse(readFileSync(join(folder, files[0] as string), 'utf8')) as Record<string, unknown[]>
    assert.deepEqual(Object.keys(entries).sort(), ['001_a.sql', '002_b.sql'])
    assert.match(String(entries['001_a.sql']?.[5]), /^[0-9a-f]{64}$/)
    assert.deepEqual(runInNewProcess(home, database, dir), { applied: 0, error: null })

    // Same size, same mtime (restored), different content: the ctime still changes.
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE z (x);')
    utimesSync(join(dir, '001_a.sql'), old, old)
    assert.deepEqual(runInNewProcess(home, database, dir), { applied: 0, error: 'checksum-mismatch' })
  })

  it('ignores a damaged cache file', () => {
    const root = tempDir()
    const home = join(root, 'home')
    const dir = migrationsDir(root, { '001_a.sql': 'CREATE TABLE a (x);' })
    const database = join(root, 'agent.db')
    assert.deepEqual(runInNewProcess(home, database, dir), { applied: 1, error: null })
    // The cache file of that folder (named after a hash of the folder's path), damaged.
    const folder = join(home, 'cache', 'checksums-v1')
    mkdirSync(folder, { recursive: true })
    const key = createHash('sha256').update(dir).digest('hex').slice(0, 32)
    writeFileSync(join(folder, `${key}.json`), '{"001_a.sql":[1,2,"not a checksum"]')
    assert.deepEqual(runInNewProcess(home, database, dir), { applied: 0, error: null })
  })
})

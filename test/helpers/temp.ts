import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after } from 'node:test'

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'glorious-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes files (path → content) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, content)
  }
}

/** Writes a migrations folder with the given files and returns its path. */
export function migrationsDir(root: string, files: Record<string, string | Buffer>, name = 'migrations'): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  writeTree(dir, files)
  return dir
}

/** Writes a skill in the guide's layout (`<root>/<folder>/src/<name>/{skill.json,migrations/}`) and returns its folder. */
export function skillFolder(root: string, name: string, migrations: Record<string, string>, folder = name): string {
  const base = join(root, folder)
  writeTree(base, { [`src/${name}/skill.json`]: JSON.stringify({ name, version: '1.0.0' }) })
  mkdirSync(join(base, 'src', name, 'migrations'), { recursive: true })
  writeTree(join(base, 'src', name, 'migrations'), migrations)
  return base
}

import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Measured, run } from './measure.js'

/** The bundled CLI, run as a user runs it. */
export const GLORIOUS = fileURLToPath(new URL('../../bin/glorious.js', import.meta.url))

/** The benchmark's temp folder (removed at the end). */
export const root = mkdtempSync(join(tmpdir(), 'glorious-bench-'))

/** A whole `glorious …` process; the checksum cache lives in the bench's own home. */
export function glorious(args: readonly string[]): Measured {
  return run(process.execPath, [GLORIOUS, ...args], { env: { ...process.env, GLORIOUS_HOME: join(root, 'home') } })
}

export const nodeStart = (): Measured => run(process.execPath, ['-e', '0'])

/** The `.sql` files of the given folders, in the order they apply. */
export function filesOf(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.sql'))
      .sort()
      .map((name) => join(dir, name)),
  )
}

/** A skills folder of `skills` skills with `perSkill` migrations each, written by `generate`. */
export function skillsTree(
  base: string,
  skills: number,
  perSkill: number,
  generate: (dir: string, count: number, prefix: string) => string,
): string {
  for (let s = 1; s <= skills; s++) {
    const dir = join(base, `skill${s}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'skill.json'), JSON.stringify({ name: `skill${s}` }))
    generate(join(dir, 'migrations'), perSkill, `s${s}_t`)
  }
  return base
}

/**
 * Files younger than 2 s are never trusted from the checksum cache ("racily clean"); real
 * migration files are older than that when a no-op run meets them.
 */
export const letFilesAge = () => new Promise((resolve) => setTimeout(resolve, 2100))

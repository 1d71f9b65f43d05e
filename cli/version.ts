import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The version in glorious-migrate's own package.json, found by walking up from this module, so it
 * holds for the bundle (`build/bin/`), the unbundled build and an installed package alike, and
 * can never drift from what npm installed.
 */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'glorious-migrate' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // No package.json here (or not ours): look further up.
    }
    if (dirname(dir) === dir) return 'unknown'
  }
}

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { GLORIOUS } from '../helpers/cli.js'

const ORIGINAL = 'Apply pending migrations (of every skill'
const EDITED = 'APPLY pending migrations (of every skill'

describe('the CLI code cache (build/bin/glorious-cli.cache)', () => {
  it('is used only for the bundle it was made from: a copied bundle runs, an edited one runs as edited', (t) => {
    const bin = dirname(GLORIOUS)
    if (!existsSync(join(bin, 'glorious-cli.cache'))) {
      t.skip('this build has no code cache')
      return
    }
    // A copy has another inode and ctime than the signature the cache records: the loader falls
    // back to the bundle's SHA-256.
    const work = mkdtempSync(join(tmpdir(), 'glorious-code-cache-test-'))
    try {
      cpSync(bin, work, { recursive: true })
      const help = (): string => {
        const run = spawnSync(process.execPath, [join(work, 'glorious.js'), 'migrate', '--help'], { encoding: 'utf8' })
        assert.equal(run.status, 0, run.stderr)
        return run.stdout
      }
      assert.match(help(), new RegExp(ORIGINAL.replace(/[()]/g, '\\$&')))
      // The same length, so V8 (which checks only the source's length) would take the cached
      // code, whose strings are the old ones, if the loader did not refuse the cache.
      const bundle = join(work, 'glorious-cli.cjs')
      const source = readFileSync(bundle, 'utf8')
      assert.ok(source.includes(ORIGINAL))
      writeFileSync(bundle, source.replace(ORIGINAL, EDITED))
      const edited = help()
      assert.ok(edited.includes(EDITED), edited)
      assert.ok(!edited.includes(ORIGINAL), edited)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})

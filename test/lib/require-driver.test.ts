import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { isMissingModule } from '../../lib/connection/require-driver.js'
import { tempDir } from '../helpers/temp.js'

/** The error `require(name)` throws from a file in `folder`. */
function requireError(folder: string, name: string): unknown {
  try {
    createRequire(join(folder, 'index.js'))(name)
  } catch (error) {
    return error
  }
  assert.fail(`require('${name}') from ${folder} did not throw`)
}

describe('telling a missing driver from a broken one', () => {
  it('says "not installed" only when the driver package itself is missing', () => {
    const root = tempDir()
    assert.equal(isMissingModule(requireError(root, 'mysql2'), 'mysql2'), true)
    assert.equal(isMissingModule(requireError(root, 'pg'), 'pg'), true)
    // Another missing package is not this driver.
    assert.equal(isMissingModule(requireError(root, 'mysql2-extra'), 'mysql2'), false)
  })

  it('reports a driver whose own files are missing or throw as it is', () => {
    const root = tempDir()
    const broken = join(root, 'node_modules', 'mysql2')
    mkdirSync(broken, { recursive: true })
    writeFileSync(join(broken, 'package.json'), JSON.stringify({ name: 'mysql2', main: 'index.js' }))
    writeFileSync(join(broken, 'index.js'), "require('./lib/gone.js')\n")
    const missingInside = requireError(root, 'mysql2')
    assert.match(String((missingInside as Error).message), /gone\.js/)
    assert.equal(isMissingModule(missingInside, 'mysql2'), false)

    writeFileSync(join(broken, 'index.js'), "throw new TypeError('mysql2 failed to start')\n")
    const throwing = requireError(root, 'mysql2')
    assert.equal(isMissingModule(throwing, 'mysql2'), false)
    assert.equal(isMissingModule(undefined, 'mysql2'), false)
  })
})

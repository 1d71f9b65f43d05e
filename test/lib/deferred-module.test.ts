import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { deferModule } from '../../lib/connection/deferred-module.js'
import { tempDir } from '../helpers/temp.js'

const DEFERRED_MODULE = fileURLToPath(new URL('../../lib/connection/deferred-module.js', import.meta.url))

/** A package whose entry requires a data table at load and reads it only in `describe(code)`. */
function driverPackage(): { root: string; table: string } {
  const root = tempDir()
  const lib = join(root, 'node_modules', 'fake-driver', 'lib')
  mkdirSync(lib, { recursive: true })
  writeFileSync(join(root, 'node_modules', 'fake-driver', 'package.json'), '{"name":"fake-driver","main":"index.js"}')
  const table = join(lib, 'errors.js')
  writeFileSync(
    table,
    'globalThis.tableLoads = (globalThis.tableLoads ?? 0) + 1\nexports.E_ONE = 1\nexports[1] = "E_ONE"\n',
  )
  writeFileSync(
    join(root, 'node_modules', 'fake-driver', 'index.js'),
    "const names = require('./lib/errors.js')\nexports.describe = (code) => names[code]\nexports.names = names\n",
  )
  return { root, table }
}

/** Runs `body` in a fresh Node process (its own module cache) and returns what it printed. */
function inChild(root: string, body: string): string {
  const script = `const { createRequire } = require('node:module')
const { deferModule } = require(${JSON.stringify(DEFERRED_MODULE)})
const require2 = createRequire(${JSON.stringify(join(root, 'index.js'))})
${body}`
  const file = join(root, 'child.cjs')
  writeFileSync(file, script)
  const result = spawnSync(process.execPath, [file], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
  return result.stdout.trim()
}

describe('deferring a data module a driver requires at load', () => {
  it('loads the table only when something is read from it, then answers as the table', () => {
    const { root, table } = driverPackage()
    const out = inChild(
      root,
      `console.log(deferModule(require2, ${JSON.stringify(table)}))
const driver = require2('fake-driver')
console.log(globalThis.tableLoads ?? 0)
console.log(driver.describe(1), globalThis.tableLoads)
console.log(JSON.stringify(Object.keys(driver.names)), 'E_ONE' in driver.names, driver.names.E_ONE)
console.log(require2(${JSON.stringify(table)}).E_ONE, globalThis.tableLoads)`,
    )
    assert.deepEqual(out.split('\n'), ['true', '0', 'E_ONE 1', '["1","E_ONE"] true 1', '1 1'])
  })

  it('does nothing for a module already loaded or a file that is not there', () => {
    const { root, table } = driverPackage()
    const require = createRequire(join(root, 'index.js'))
    assert.equal(deferModule(require, join(root, 'node_modules', 'fake-driver', 'lib', 'gone.js')), false)
    const out = inChild(
      root,
      `require2(${JSON.stringify(table)})
console.log(deferModule(require2, ${JSON.stringify(table)}), globalThis.tableLoads)`,
    )
    assert.equal(out, 'false 1')
  })
})

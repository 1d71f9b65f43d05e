import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tempDir, writeTree } from '../helpers/temp.js'

const CODE_CACHE = fileURLToPath(new URL('../../lib/connection/driver-code-cache.js', import.meta.url))

interface ChildReport {
  readonly value: number
  readonly later: string
  readonly cycle: string
  readonly resolved: string
  readonly esm: number
  readonly imported: string
  readonly firstLine: string
  readonly use: readonly { file: string; served: number; compiled: number }[]
}

/**
 * A driver package: an entry, a circular pair, a file with a #! line, a helper package of its own,
 * a file it loads only when `later()` is called (as mysql2 loads its encodings), ES modules it
 * requires, a file with `import()`, and one whose first line throws. The cache compiles six of
 * them: the #! file, the ES modules and the `import()` file are left to Node.
 */
function driverTree(): { root: string; home: string; driver: string } {
  const root = tempDir()
  const driver = join(root, 'node_modules', 'fake-driver')
  writeTree(root, {
    'node_modules/fake-driver/package.json': '{"name":"fake-driver","main":"index.js"}',
    'node_modules/fake-driver/index.js': [
      "const helper = require('fake-helper')",
      "const a = require('./lib/a.js')",
      "require('./lib/bang.js')",
      'exports.value = () => helper.one() + 1',
      "exports.later = () => require('fake-helper/lazy.js').name + ':' + __dirname.endsWith('fake-driver')",
      'exports.cycle = () => a.fromB()',
      "exports.resolved = () => require.resolve('./lib/a.js')",
      "exports.fail = () => { throw new Error('from the driver') }",
      "exports.esm = () => require('./esm/index.js').e + require('./lib/m.mjs').m",
      "exports.imported = () => require('./lib/dynamic.js').load()",
      "exports.first = () => require('./lib/first.js').boom()",
      '',
    ].join('\n'),
    'node_modules/fake-driver/lib/a.js':
      "exports.name = 'a'\nconst b = require('./b.js')\nexports.fromB = () => b.seen\n",
    'node_modules/fake-driver/lib/b.js': "exports.seen = require('./a.js').name\n",
    'node_modules/fake-driver/lib/bang.js': '#!/usr/bin/env node\nexports.bang = true\n',
    'node_modules/fake-driver/esm/package.json': '{"type":"module"}',
    'node_modules/fake-driver/esm/index.js': 'export const e = 42\n',
    'node_modules/fake-driver/lib/m.mjs': 'export const m = 7\n',
    'node_modules/fake-driver/lib/dynamic.js': "exports.load = () => import('node:path').then((p) => typeof p.join)\n",
    'node_modules/fake-driver/lib/first.js': FIRST_LINE,
    'node_modules/fake-helper/package.json': '{"name":"fake-helper","main":"index.js"}',
    'node_modules/fake-helper/index.js': 'exports.one = () => 1\n',
    'node_modules/fake-helper/lazy.js': "exports.name = 'lazy'\n",
  })
  return { root, home: join(root, 'home'), driver }
}

const FIRST_LINE = "exports.boom = () => { throw new Error('on the first line') }\n"

/** Loads the driver through the cache in a process of its own and reports what it saw. */
function loadInChild(root: string, env: Record<string, string>, extra = ''): ChildReport {
  const script = `import { createRequire } from 'node:module'
import { allowDriverCodeCacheWrite, driverCodeCache, driverCodeCacheUse, enableDriverCodeCache, loadWithCodeCache } from ${JSON.stringify(CODE_CACHE)}
enableDriverCodeCache(process.env)
// As a process that wrote to a database (unless the test says it only looked).
if (process.env.LOOK_ONLY !== '1') allowDriverCodeCacheWrite()
const require = createRequire(${JSON.stringify(join(root, 'index.js'))})
const root = ${JSON.stringify(join(root, 'node_modules', 'fake-driver'))}
const driver = loadWithCodeCache(driverCodeCache('fake-driver', root), () => require('fake-driver'))
const value = driver.value(), later = driver.later(), cycle = driver.cycle(), resolved = driver.resolved()
const esm = driver.esm(), imported = await driver.imported()
let firstLine = ''
try { driver.first() } catch (error) { firstLine = error.stack.split('\\n')[1].trim() }
${extra}
console.log(JSON.stringify({ value, later, cycle, resolved, esm, imported, firstLine, use: driverCodeCacheUse() }))
`
  const file = join(root, 'child.mjs')
  writeFileSync(file, script)
  const { GLORIOUS_DRIVER_CACHE: _, ...parentEnv } = process.env
  const result = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...parentEnv, ...env } })
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout) as ChildReport
}

function cacheFiles(home: string): string[] {
  const folder = join(home, 'cache', 'driver-code-v1')
  return existsSync(folder) ? readdirSync(folder).map((name) => join(folder, name)) : []
}

describe('the driver code cache', () => {
  it('is written by the first process and serves every file of the driver to the next', () => {
    const { root, home, driver } = driverTree()
    const first = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(first.value, 2)
    assert.equal(first.later, 'lazy:true')
    assert.equal(first.cycle, 'a')
    assert.equal(first.resolved, join(driver, 'lib', 'a.js'))
    assert.equal(first.esm, 49, 'ES modules required as Node requires them')
    assert.equal(first.imported, 'function', 'import() works')
    // Stack traces name the file's own line and column, even on its first line.
    const column = FIRST_LINE.indexOf('new Error') + 1
    assert.ok(first.firstLine.endsWith(`${join(driver, 'lib', 'first.js')}:1:${column})`), first.firstLine)
    // Six files compiled (see driverTree), none from a cache that did not exist.
    assert.deepEqual(
      first.use.map(({ served, compiled }) => ({ served, compiled })),
      [{ served: 0, compiled: 6 }],
    )
    const [pack] = cacheFiles(home)
    assert.ok(pack !== undefined, 'the cache file was written at exit')
    assert.equal(statSync(pack).mode & 0o777, 0o600)
    const written = statSync(pack).mtimeMs

    const second = loadInChild(root, { GLORIOUS_HOME: home })
    assert.deepEqual(
      {
        value: second.value,
        later: second.later,
        cycle: second.cycle,
        resolved: second.resolved,
        esm: second.esm,
        imported: second.imported,
        firstLine: second.firstLine,
      },
      {
        value: 2,
        later: 'lazy:true',
        cycle: 'a',
        resolved: first.resolved,
        esm: 49,
        imported: 'function',
        firstLine: first.firstLine,
      },
    )
    // The lazily loaded file of the helper package is served too.
    assert.deepEqual(
      second.use.map(({ served, compiled }) => ({ served, compiled })),
      [{ served: 6, compiled: 6 }],
    )
    assert.equal(statSync(pack).mtimeMs, written, 'a cache that served everything is not rewritten')
  })

  it('never serves the code of a file whose text changed, even to the same length', () => {
    const { root, home, driver } = driverTree()
    loadInChild(root, { GLORIOUS_HOME: home })
    const helper = join(root, 'node_modules', 'fake-helper', 'index.js')
    const before = readFileSync(helper, 'utf8')
    const after = before.replace('=> 1', '=> 5')
    assert.equal(after.length, before.length)
    writeFileSync(helper, after)
    const edited = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(edited.value, 6, 'the edited helper ran')
    assert.equal(edited.use[0]?.served, 5)
    // Rewritten at exit: the next process is served every file again, with the new text.
    const next = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(next.value, 6)
    assert.equal(next.use[0]?.served, 6)
    assert.ok(existsSync(driver))
  })

  it('ignores a damaged cache, or one others may write, and makes it again', () => {
    const { root, home } = driverTree()
    loadInChild(root, { GLORIOUS_HOME: home })
    const [pack] = cacheFiles(home)
    assert.ok(pack !== undefined)
    const good = readFileSync(pack)

    writeFileSync(pack, good.subarray(0, 40)) // cut short, mid-header
    const damaged = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(damaged.value, 2)
    assert.equal(damaged.use[0]?.served, 0)
    assert.equal(loadInChild(root, { GLORIOUS_HOME: home }).use[0]?.served, 6, 'made again')

    const flipped = Buffer.from(readFileSync(pack))
    const last = flipped.length - 1
    flipped[last] = (flipped[last] ?? 0) ^ 0xff // one byte of compiled code, the header intact
    writeFileSync(pack, flipped)
    const corrupted = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(corrupted.value, 2)
    assert.equal(corrupted.use[0]?.served, 0, 'code that is not what was written is not used')
    assert.equal(loadInChild(root, { GLORIOUS_HOME: home }).use[0]?.served, 6, 'made again')

    chmodSync(pack, 0o666)
    const open = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(open.value, 2)
    assert.equal(open.use[0]?.served, 0, 'code from a file others may write is not run')
    assert.equal(statSync(pack).mode & 0o777, 0o600, 'replaced by a private one')
  })

  it('keeps stack traces pointing at the driver file and line', () => {
    const { root, home, driver } = driverTree()
    loadInChild(root, { GLORIOUS_HOME: home })
    const report = loadInChild(
      root,
      { GLORIOUS_HOME: home },
      `try { driver.fail() } catch (error) { if (!error.stack.includes(${JSON.stringify(join(driver, 'index.js'))} + ':8:')) throw error }`,
    )
    assert.equal(report.use[0]?.served, 6)
  })

  it('is not written by a process that only looked, but serves it', () => {
    const { root, home } = driverTree()
    const looked = loadInChild(root, { GLORIOUS_HOME: home, LOOK_ONLY: '1' })
    assert.equal(looked.value, 2)
    assert.deepEqual(cacheFiles(home), [], 'looking writes nothing')
    loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(cacheFiles(home).length, 1)
    assert.equal(loadInChild(root, { GLORIOUS_HOME: home, LOOK_ONLY: '1' }).use[0]?.served, 6)
  })

  it('never writes through a link planted in its folder, nor in a folder others may write to', () => {
    const { root, home } = driverTree()
    loadInChild(root, { GLORIOUS_HOME: home })
    const [pack] = cacheFiles(home)
    assert.ok(pack !== undefined)
    const folder = join(home, 'cache', 'driver-code-v1')
    // A link where the cache is: replaced by a new file, the file it pointed to left alone.
    const victim = join(root, 'victim.txt')
    writeFileSync(victim, 'precious')
    rmSync(pack)
    symlinkSync(victim, pack)
    loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(readFileSync(victim, 'utf8'), 'precious')
    assert.ok(lstatSync(pack).isFile(), 'the link was replaced, not followed')
    // Writers killed mid-write leave files that a later writer removes once they are old.
    const abandoned = `${pack}.4242.0123456789ab.tmp`
    const recent = `${pack}.4243.0123456789ab.tmp`
    writeFileSync(abandoned, 'x')
    writeFileSync(recent, 'x')
    const anHourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(abandoned, anHourAgo, anHourAgo)
    rmSync(pack)
    loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(existsSync(abandoned), false)
    assert.equal(existsSync(recent), true)
    // A folder others may write to is neither read nor written.
    chmodSync(folder, 0o777)
    const shared = loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(shared.use[0]?.served, 0)
    rmSync(pack)
    loadInChild(root, { GLORIOUS_HOME: home })
    assert.equal(existsSync(pack), false, 'nothing written in a shared folder')
  })

  it('keeps a cache per set of Node flags, and leaves source maps to Node', () => {
    const { root, home } = driverTree()
    loadInChild(root, { GLORIOUS_HOME: home })
    const flagged = loadInChild(root, { GLORIOUS_HOME: home, NODE_OPTIONS: '--max-old-space-size=300' })
    assert.equal(flagged.use[0]?.served, 0, 'code made under other flags is not offered')
    assert.equal(cacheFiles(home).length, 2)
    assert.equal(loadInChild(root, { GLORIOUS_HOME: home, NODE_OPTIONS: '--max-old-space-size=300' }).use[0]?.served, 6)
    assert.equal(loadInChild(root, { GLORIOUS_HOME: home }).use[0]?.served, 6, 'each keeps its own')
    const mapped = loadInChild(root, { GLORIOUS_HOME: home, NODE_OPTIONS: '--enable-source-maps' })
    assert.equal(mapped.value, 2)
    assert.deepEqual(mapped.use, [], 'with source maps Node compiles the driver itself')
  })

  it('is off with GLORIOUS_DRIVER_CACHE=off, and a home that cannot be written costs only speed', () => {
    const { root, home } = driverTree()
    for (const value of ['off', '0', 'FALSE', 'no']) {
      const off = loadInChild(root, { GLORIOUS_HOME: home, GLORIOUS_DRIVER_CACHE: value })
      assert.equal(off.value, 2)
      assert.deepEqual(off.use, [], value)
      assert.deepEqual(cacheFiles(home), [], value)
    }

    const blocked = join(root, 'not-a-folder')
    writeFileSync(blocked, '')
    const unwritable = loadInChild(root, { GLORIOUS_HOME: join(blocked, 'home') })
    assert.equal(unwritable.value, 2)
    assert.equal(unwritable.use[0]?.served, 0)
  })
})

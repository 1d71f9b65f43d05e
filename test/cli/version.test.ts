import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

describe('glorious --version', () => {
  it("prints the package's version and exits 0, at the top and under migrate; --help lists it", async () => {
    for (const args of [['--version'], ['migrate', '--version']]) {
      const result = await glorious(args)
      assert.deepEqual(result, { code: 0, stdout: `${version}\n`, stderr: '' }, args.join(' '))
    }
    assert.match((await glorious(['--help'])).stdout, /--version +Show the version of glorious-migrate/)
  })
})

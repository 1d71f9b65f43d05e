import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { generateTypes } from '../../codegen/index.js'
import { tempDir } from '../helpers/temp.js'
import { GOLDEN_DIR, openSession, prettierFormat } from './helpers.js'
import { richSchema } from './rich-schema.js'

/** Set UPDATE_GOLDEN=1 to rewrite the golden files from the current output (then review the diff). */
const UPDATE = process.env.UPDATE_GOLDEN === '1'

function compareGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name)
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true })
    writeFileSync(path, actual)
  }
  const expected = readFileSync(path, 'utf8')
  assert.equal(actual, expected, `${name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)`)
}

describe('golden files (rich schema, two skills)', () => {
  it('matches test/fixtures/codegen byte for byte, and Prettier leaves each file unchanged', async () => {
    const root = tempDir('glorious-golden-')
    const { database, core, billing } = await richSchema(root)
    const session = await openSession(database)
    try {
      const files: [golden: string, path: string][] = [
        ['core.db-types.ts', join(root, 'core', 'db-types.ts')],
        ['billing.db-types.ts', join(root, 'billing', 'db-types.ts')],
        ['whole-database.camel-case.db-types.ts', join(root, 'whole.ts')],
      ]
      const results = [
        ...(await generateTypes(session, [core, billing], {})),
        ...(await generateTypes(session, [], {
          all: true,
          out: join(root, 'whole.ts'),
          camelCase: true,
          json: 'json',
          booleans: 'boolean',
        })),
      ]
      assert.deepEqual(
        results.map((result) => [result.skill, result.tables]),
        [
          ['core', 11],
          ['billing', 2],
          ['*', 13],
        ],
      )
      for (const [golden, path] of files) {
        const text = readFileSync(path, 'utf8')
        compareGolden(golden, text)
        assert.equal(await prettierFormat(text), text, `${golden} is not Prettier-formatted`)
      }
    } finally {
      await session.close()
    }
  })
})

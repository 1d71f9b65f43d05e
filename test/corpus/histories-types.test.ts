import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { generateTypes } from '../../codegen/index.js'
import { migrateSkills } from '../../lib/index.js'
import { tempDir } from '../helpers/temp.js'
import { CORPUS } from '../helpers/corpus.js'
import { openSession, typecheck } from '../codegen/helpers.js'

/**
 * pingvinshare relies on SQLite's legacy double-quoted string literals, which better-sqlite3
 * disables: its 009 fails with "no such column". Everything before 009 is applied and typed.
 */
const KNOWN_FAILURES: Readonly<Record<string, { readonly file: string; readonly message: RegExp }>> = {
  'pingvinshare-sqlite': { file: '009_category_attribute_config.sql', message: /no such column/ },
}

const histories = existsSync(CORPUS)
  ? readdirSync(CORPUS)
      .filter((name) => name.endsWith('-sqlite') && existsSync(join(CORPUS, name, 'migrations')))
      .sort()
  : []

describe('corpus: every SQLite history generates types that compile', () => {
  it('finds the SQLite histories', () => {
    for (const history of ['atuin-sqlite', 'grocy-sqlite', 'pingvinshare-sqlite'])
      assert.ok(histories.includes(history), history)
  })

  it('applies each history, generates its types (skill and whole database), and tsc accepts them', async () => {
    const root = tempDir('glorious-corpus-')
    const files: string[] = []
    for (const history of histories) {
      const database = join(root, `${history}.db`)
      const migrationsDir = join(CORPUS, history, 'migrations')
      const result = await migrateSkills([{ name: history, migrationsDir }], { database, codegen: false })
      const known = KNOWN_FAILURES[history]
      if (known) {
        assert.ok(result.error, `${history} was expected to fail at ${known.file}`)
        assert.equal(result.error.file, join(migrationsDir, known.file), result.error.message)
        assert.match(result.error.message, known.message)
      } else {
        assert.equal(result.error, undefined, result.error?.message)
      }
      const session = await openSession(database)
      try {
        const [own] = await generateTypes(session, [{ skill: history, migrationsDir }], {
          out: join(root, `${history}.skill.ts`),
        })
        const [all] = await generateTypes(session, [], {
          all: true,
          out: join(root, `${history}.all.ts`),
          json: 'json',
        })
        assert.ok((all?.tables ?? 0) > 0, `${history}: no tables`)
        assert.equal(own?.tables, all?.tables, `${history}: the only skill owns every table and view`)
        // The only expected warnings: grocy's views call a function grocy registers on its own connection.
        for (const warning of all?.warnings ?? []) {
          assert.match(
            warning,
            /^view "\w+" is left out: no such function: grocy_user_setting \(an application-defined function/,
          )
        }
        assert.deepEqual(own?.warnings, all?.warnings)
      } finally {
        await session.close()
      }
      const name = history.replaceAll('-', '_')
      writeFileSync(
        join(root, `use_${name}.ts`),
        `import type { Kysely, Selectable } from 'kysely';\n` +
          `import type { DB as Own } from './${history}.skill.js';\n` +
          `import type { DB as All } from './${history}.all.js';\n` +
          `export type Rows = { [K in keyof Own]: Selectable<Own[K]> };\n` +
          `export type AllRows = { [K in keyof All]: Selectable<All[K]> };\n` +
          `export declare const db: Kysely<Own>;\n`,
      )
      files.push(`use_${name}.ts`)
    }
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
    const result = typecheck(root, files)
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)
    const grocy = readFileSync(join(root, 'grocy-sqlite.skill.ts'), 'utf8')
    assert.ok(
      (grocy.match(/^export interface \w+(Table|View) \{$/gm) ?? []).length > 70,
      'grocy has 77 relations (4 views left out)',
    )
  })
})

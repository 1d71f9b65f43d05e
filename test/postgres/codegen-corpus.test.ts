/**
 * Every PostgreSQL history of the shared corpus (read in place) applied through the library on a
 * real server, then its types generated (the skill's own, and the whole database's): every
 * table, view and materialized view that `expected-schema.sql` creates is in the file, and tsc
 * accepts the files and a module that uses them.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { generateTypes } from '../../codegen/index.js'
import { migrateSkills } from '../../lib/index.js'
import { openSession, typecheck } from '../codegen/helpers.js'
import { CORPUS } from '../helpers/corpus.js'
import { postgres } from '../helpers/engines.js'
import { tempDir } from '../helpers/temp.js'

const histories = readdirSync(CORPUS)
  .filter((name) => name.endsWith('-postgres') && existsSync(join(CORPUS, name, 'migrations')))
  .sort()

/** The relations `pg_dump` shows in the expected schema, by the name Kysely uses (`public.` dropped). */
function expectedRelations(history: string): string[] {
  const dump = readFileSync(join(CORPUS, history, 'expected-schema.sql'), 'utf8')
  return [...dump.matchAll(/^CREATE (?:UNLOGGED )?(?:TABLE|VIEW|MATERIALIZED VIEW) ([\w.]+) /gm)]
    .map((match) => (match[1] as string).replace(/^public\./, ''))
    .sort()
}

describe('corpus: every PostgreSQL history generates types that compile', () => {
  it('finds the four PostgreSQL histories', () => {
    assert.deepEqual(histories, ['atuin-postgres', 'authelia-postgres', 'cratesio-postgres', 'harbor-postgres'])
  })

  it('applies each history through the library, generates its types, and tsc accepts them', async () => {
    const root = tempDir('glorious-pg-corpus-')
    const files: string[] = []
    const figures: string[] = []
    for (const history of histories) {
      const db = await postgres.create()
      const migrationsDir = join(CORPUS, history, 'migrations')
      // No codegen in the run: it would write db-types.ts beside the shared corpus's migrations.
      const result = await migrateSkills([{ name: history, migrationsDir }], { database: db.database, codegen: false })
      assert.equal(result.error, undefined, result.error?.message)
      const session = await openSession(db.database)
      try {
        const [own] = await generateTypes(session, [{ skill: history, migrationsDir }], {
          out: join(root, `${history}.skill.ts`),
        })
        const [all] = await generateTypes(session, [], { all: true, out: join(root, `${history}.all.ts`) })
        assert.equal(own?.warnings, undefined, `${history}: ${own?.warnings?.join('; ')}`)
        assert.equal(own?.tables, all?.tables, `${history}: the only skill owns every table and view`)
        const text = readFileSync(join(root, `${history}.all.ts`), 'utf8')
        const keys = [...text.slice(text.indexOf('export interface DB {')).matchAll(/^ {2}'?([\w.]+)'?: \w+;$/gm)]
          .map((match) => match[1] as string)
          .sort()
        assert.deepEqual(keys, expectedRelations(history), `${history}: the relations differ from expected-schema.sql`)
        figures.push(`${history} ${all?.tables}`)
      } finally {
        await session.close()
      }
      const name = history.replaceAll('-', '_')
      writeFileSync(
        join(root, `use_${name}.ts`),
        `import type { Insertable, Kysely, Selectable } from 'kysely';\n` +
          `import type { DB as Own } from './${history}.skill.js';\n` +
          `import type { DB as All } from './${history}.all.js';\n` +
          `export type Rows = { [K in keyof Own]: Selectable<Own[K]> };\n` +
          `export type Inserts = { [K in keyof All]: Insertable<All[K]> };\n` +
          `export declare const db: Kysely<Own>;\n`,
      )
      files.push(`use_${name}.ts`)
    }
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
    const result = typecheck(root, files)
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)
    console.log(`pg corpus codegen: relations per history: ${figures.join(', ')}; tsc accepts all`)
  })
})

/**
 * Every PostgreSQL history of the shared corpus (read in place, through a symlink) applied by the
 * real CLI (`glorious migrate run --skills <temp> --url <fresh database>`), its schema dumped with
 * the corpus README's `pg_dump` recipe and compared byte for byte with expected-schema.sql; the
 * files of no-transaction.txt (CREATE/DROP INDEX CONCURRENTLY) ran outside a transaction; a rerun
 * is a no-op.
 *
 * Needs the PostgreSQL server at 127.0.0.1:5432 (GLORIOUS_TEST_POSTGRES_URL) and pg_dump 15.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { CORPUS } from '../helpers/corpus.js'
import { adminQuery, createDatabase, pgDumpMajorVersion, schemaDump } from '../helpers/pg-server.js'
import { tempDir } from '../helpers/temp.js'

const SKILL = 'corpus'
/** The reference dumps were made with pg_dump 15 (corpus README): another major version formats differently. */
const PG_DUMP_MAJOR = 15

const histories = readdirSync(CORPUS)
  .filter((name) => name.endsWith('-postgres') && existsSync(join(CORPUS, name, 'expected-schema.sql')))
  .sort()
const figures = { histories: 0, migrations: 0, outside: 0, identical: 0, noOpReruns: 0 }

/** `<root>/skills/corpus/{skill.json, migrations → the corpus history's migrations}`. */
function skillsFolderFor(root: string, history: string): string {
  const skill = join(root, 'skills', SKILL)
  mkdirSync(skill, { recursive: true })
  writeFileSync(join(skill, 'skill.json'), JSON.stringify({ name: SKILL, version: '1.0.0' }))
  symlinkSync(join(CORPUS, history, 'migrations'), join(skill, 'migrations'))
  return join(root, 'skills')
}

interface RunJson {
  readonly ok: boolean
  readonly applied: readonly { readonly skill: string; readonly version: number; readonly filename: string }[]
  readonly error: { readonly message: string } | null
}

describe('PostgreSQL corpus histories through the CLI', () => {
  before(async () => {
    await adminQuery('SELECT 1') // a server that is down fails here, with how to start it
    const major = await pgDumpMajorVersion()
    assert.equal(
      major,
      PG_DUMP_MAJOR,
      `pg_dump ${major} formats dumps differently from the corpus's reference pg_dump ${PG_DUMP_MAJOR}: put pg_dump ${PG_DUMP_MAJOR} first on PATH`,
    )
  })
  after(() => {
    console.log(
      `corpus postgres via CLI: ${figures.histories} histories, ${figures.migrations} migrations applied ` +
        `(${figures.outside} outside a transaction), ${figures.identical} pg_dumps byte-identical to expected-schema.sql, ` +
        `${figures.noOpReruns} no-op reruns`,
    )
  })

  it('finds the four PostgreSQL histories', () => {
    assert.deepEqual(histories, ['atuin-postgres', 'authelia-postgres', 'cratesio-postgres', 'harbor-postgres'])
  })

  for (const history of histories) {
    it(`${history}: applies through the CLI, pg_dump byte-identical to expected-schema.sql, rerun a no-op`, async () => {
      const root = tempDir(`glorious-pg-corpus-${history}-`)
      const skills = skillsFolderFor(root, history)
      const files = readdirSync(join(CORPUS, history, 'migrations'))
        .filter((name) => name.endsWith('.sql'))
        .sort()
      const noTransactionList = join(CORPUS, history, 'no-transaction.txt')
      const outside = existsSync(noTransactionList)
        ? readFileSync(noTransactionList, 'utf8').split('\n').filter(Boolean).sort()
        : []
      const db = await createDatabase('corpus')
      try {
        const args = ['migrate', 'run', SKILL, '--skills', skills, '--url', db.url, '--no-codegen']
        const dryRun = await glorious([...args, '--dry-run'])
        assert.equal(dryRun.code, 0, dryRun.stderr)
        // The dry run shows which files run outside a transaction: exactly the reference run's.
        const shownOutside = files.filter((file) =>
          new RegExp(`^${SKILL} +${file.replace('.', '\\.')} +\\d+ +no-transaction$`, 'm').test(dryRun.stdout),
        )
        assert.deepEqual(shownOutside, outside, dryRun.stdout)

        const first = await glorious([...args, '--json'])
        figures.histories++
        assert.equal(first.code, 0, first.stdout + first.stderr)
        const json = JSON.parse(first.stdout) as RunJson
        assert.equal(json.ok, true)
        assert.deepEqual(
          json.applied.map((m) => m.filename),
          files,
          'every file applied, in order, once',
        )
        figures.migrations += files.length
        figures.outside += outside.length
        const dump = await schemaDump(db.name)
        assert.equal(dump, readFileSync(join(CORPUS, history, 'expected-schema.sql'), 'utf8'))
        figures.identical++

        const ledger = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM _migrations WHERE skill_name = $1 AND status = 'applied'`,
          [SKILL],
        )
        assert.equal(Number(ledger[0]?.n), files.length)

        const second = await glorious(args)
        assert.equal(second.code, 0, second.stderr)
        assert.match(second.stdout, /^Nothing to migrate: 1 skill up to date/)
        assert.equal(await schemaDump(db.name), dump, 'the no-op rerun changed the schema')
        figures.noOpReruns++
      } finally {
        await db.drop()
      }
    })
  }
})

/**
 * What the PostgreSQL introspector reads and leaves out, on a real server: names relative to the
 * session's schema (`--schema`), ownership by schema-qualified name, extension-owned objects, the
 * toolkit's tables, and names Kysely cannot address.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { openDatabase } from '../../lib/connection/open-database.js'
import { generateTypes } from '../../codegen/index.js'
import { createMigrator } from '../../lib/index.js'
import { postgres } from '../helpers/engines.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

const MIGRATIONS = {
  '001_init.sql': `
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE TABLE notes (id serial PRIMARY KEY, body text);
CREATE TABLE public.shared (id integer NOT NULL);
CREATE VIEW public.note_bodies AS SELECT body FROM notes;
CREATE TABLE "Users" ("Id" integer);
CREATE TABLE "odd.name" (x integer);
CREATE SCHEMA "dot.schema";
CREATE TABLE "dot.schema".t (x integer);
`,
}

describe('PostgreSQL introspection: names, ownership, what is left out', () => {
  it('names relations relative to the session schema, owns them by those names, and leaves out what it must', async () => {
    const db = await postgres.create()
    const root = tempDir('glorious-pg-introspect-')
    const dir = migrationsDir(root, MIGRATIONS)
    // A ledger of another --schema (its name is the toolkit's: left out wherever it is).
    await db.query('CREATE TABLE public._migrations (not_ours integer)')
    const migrator = createMigrator({ database: db.database, schema: 'app', skill: 'notes', migrationsDir: dir })
    try {
      const result = await migrator.migrateToLatest()
      assert.equal(result.error, undefined, result.error?.message)
      const [types] = result.types
      assert.equal(types?.path, join(root, 'db-types.ts'))
    } finally {
      await migrator.destroy()
    }
    const text = readFileSync(join(root, 'db-types.ts'), 'utf8')
    const keys = [...text.slice(text.indexOf('export interface DB {')).matchAll(/^ {2}('[^']+'|\w+): (\w+);$/gm)].map(
      (match) => `${match[1]}: ${match[2]}`,
    )
    assert.deepEqual(keys, [
      'Users: UsersTable',
      'notes: NotesTable',
      "'public.note_bodies': PublicNoteBodiesView",
      "'public.shared': PublicSharedTable",
    ])
    assert.ok(!text.includes('pg_stat_statements'), 'views that belong to an extension are left out')
    assert.ok(!text.includes('not_ours'), "the toolkit's table names are left out in every schema")

    const session = await openDatabase({ database: db.database, schema: 'app' }, { readonly: true })
    try {
      const [all] = await generateTypes(session, [], { all: true, out: join(root, 'all.ts') })
      assert.equal(all?.tables, 4)
      assert.deepEqual(all?.warnings, [
        'table "dot.schema.t" is left out: Kysely reads a "." in a table reference as schema.table, so it cannot name it (rename it)',
        'table "odd.name" is left out: Kysely reads a "." in a table reference as schema.table, so it cannot name it (rename it)',
      ])
      // The same relations from the public schema's point of view: the names change, the types do not.
      const fromPublic = await openDatabase({ database: db.database }, { readonly: true })
      try {
        const [other] = await generateTypes(fromPublic, [], { all: true, out: join(root, 'public.ts') })
        assert.equal(other?.tables, 4)
        const publicText = readFileSync(join(root, 'public.ts'), 'utf8')
        for (const key of ["'app.Users': AppUsersTable;", "'app.notes': AppNotesTable;", 'shared: SharedTable;'])
          assert.ok(publicText.includes(key), key)
      } finally {
        await fromPublic.close()
      }
    } finally {
      await session.close()
    }
  })
})

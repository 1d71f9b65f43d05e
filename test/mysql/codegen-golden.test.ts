import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { mysqlCodegen } from '../../codegen/dialects/mysql/mysql-codegen.js'
import { type EmitOptions, emitTypes } from '../../codegen/emit.js'
import { selectTables } from '../../codegen/index.js'
import { DEFAULT_MAP_OPTIONS } from '../../codegen/mapper.js'
import { GOLDEN_DIR, prettierFormat, typecheck } from '../codegen/helpers.js'
import { tempDir } from '../helpers/temp.js'
import { loadFixture } from './codegen-fixture.js'

/** Set UPDATE_GOLDEN=1 to rewrite the golden files from the current output (then review the diff). */
const UPDATE = process.env.UPDATE_GOLDEN === '1'

function compareGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name)
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true })
    writeFileSync(path, actual)
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)`)
}

const DEFAULTS: EmitOptions = { ...DEFAULT_MAP_OPTIONS, camelCase: false }
const ALL_OPTIONS: EmitOptions = {
  camelCase: true,
  booleans: 'boolean',
  json: 'json',
  integers: 'number',
  bigNumbers: 'string',
}

/**
 * A skill module written against the generated types. Every `@ts-expect-error` line must fail
 * to type-check (tsc reports an unused directive otherwise), and everything else must pass.
 */
const SKILL_MODULE = `
import { Kysely, sql } from 'kysely';
import type { DB as CoreDB, UsersInsert, UsersRow, UsersUpdate } from './core.db-types.js';
import type { DB as WholeDB, JsonValue } from './whole.db-types.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;

declare const db: Kysely<CoreDB>;
declare const whole: Kysely<WholeDB>;

export async function selectsAndInserts(): Promise<void> {
  const user = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
  expectType<Equals<typeof user.id, number>>();
  expectType<Equals<typeof user.email, string>>();
  expectType<Equals<typeof user.display_name, string | null>>();
  expectType<Equals<typeof user.is_admin, number>>();
  expectType<Equals<typeof user.big_signed, number | null>>();
  expectType<Equals<typeof user.balance, string>>();
  expectType<Equals<typeof user.birthday, Date | null>>();
  expectType<Equals<typeof user.created_at, Date>>();
  expectType<Equals<typeof user.wake_time, string | null>>();
  expectType<Equals<typeof user.status, 'active' | 'suspended' | "it's complicated">>();
  expectType<Equals<typeof user.roles, string | null>>();
  expectType<Equals<typeof user.settings, JsonValue | null>>();
  expectType<Equals<typeof user.profile, JsonValue | null>>();
  expectType<Equals<typeof user.tags, JsonValue>>();
  expectType<Equals<typeof user.avatar, Buffer | null>>();
  expectType<Equals<typeof user.flags, Buffer | null>>();
  expectType<Equals<typeof user.location, unknown>>();
  expectType<Equals<typeof user.external_id, string | null>>();
  expectType<Equals<typeof user.email_domain, string | null>>();
  expectType<Equals<typeof user.shard, number>>();
  expectType<Equals<UsersRow['column with spaces'], string | null>>();

  await db.insertInto('users').values({ email: 'a@example.com' }).execute();
  const insert: UsersInsert = {
    email: 'b@example.com',
    is_admin: 1,
    big_signed: 9007199254740991,
    balance: 12.5,
    birthday: '2001-02-03',
    last_login: new Date(),
    status: "it's complicated",
    settings: '{"theme":"dark"}',
    tags: '[]',
    avatar: Buffer.from('x'),
    location: sql\`ST_GeomFromText('POINT(1 2)')\`,
  };
  const update: UsersUpdate = { display_name: null, balance: '3.10', updated_at: new Date() };
  await db.insertInto('users').values(insert).execute();
  await db.updateTable('users').set(update).where('id', '=', 1).execute();
  await db.insertInto('events').values({ user_id: 1, kind: 'login', payload: '{}' }).execute();

  const active = await db.selectFrom('active_users').select(['email', 'settings', 'balance']).executeTakeFirstOrThrow();
  expectType<Equals<typeof active.email, string | null>>();
  expectType<Equals<typeof active.settings, JsonValue | null>>();
  expectType<Equals<typeof active.balance, string | null>>();
  const summary = await db.selectFrom('user_summaries').select(['summary', 'theme', 'either_doc', 'doubled']).executeTakeFirstOrThrow();
  expectType<Equals<typeof summary.summary, JsonValue | null>>();
  expectType<Equals<typeof summary.theme, string | null>>();
  expectType<Equals<typeof summary.either_doc, JsonValue | null>>();
  expectType<Equals<typeof summary.doubled, number | null>>();

  const row = await whole.selectFrom('users').select(['isAdmin', 'bigUnsigned', 'balance']).executeTakeFirstOrThrow();
  expectType<Equals<typeof row.isAdmin, boolean>>();
  expectType<Equals<typeof row.bigUnsigned, string | null>>();
  await whole.insertInto('users').values({ email: 'c@example.com', isAdmin: true, bigSigned: 9007199254740993n }).execute();
  await whole.insertInto('users').values({ email: 'd@example.com', bigSigned: '9007199254740993' }).execute();
  const audit = await whole.selectFrom('AuditLog').select('id').executeTakeFirstOrThrow();
  expectType<Equals<typeof audit.id, string>>();
}

export async function mistakes(): Promise<void> {
  // @ts-expect-error a column that does not exist
  await db.selectFrom('users').select('nope').execute();
  // @ts-expect-error a table of another skill is not in this skill's DB
  await db.selectFrom('invoices').selectAll().execute();
  // @ts-expect-error the toolkit's own tables are never in the types
  await whole.selectFrom('_migrations').selectAll().execute();
  // @ts-expect-error a sequence is not a table
  await whole.selectFrom('ticket_numbers').selectAll().execute();
  // @ts-expect-error a required column (email) missing on insert
  await db.insertInto('users').values({ display_name: 'x' }).execute();
  // @ts-expect-error tinyint(1) is a 0/1 number by default
  await db.updateTable('users').set({ is_admin: true }).execute();
  // @ts-expect-error a value outside the enum
  await db.insertInto('users').values({ email: 'e', status: 'deleted' }).execute();
  // @ts-expect-error JSON columns take JSON text on insert, not objects
  await db.insertInto('users').values({ email: 'e', settings: { theme: 'dark' } }).execute();
  // @ts-expect-error insert into a generated column
  await db.insertInto('users').values({ email: 'e', email_domain: 'x' }).execute();
  // @ts-expect-error update of a generated column
  await db.updateTable('users').set({ name_length: 3 }).execute();
  // @ts-expect-error update of a view column
  await db.updateTable('active_users').set({ email: 'x' }).execute();
  // @ts-expect-error a DATE is a Date on select, not a string
  const day: string = (await db.selectFrom('users').select('birthday').executeTakeFirstOrThrow()).birthday;
  // @ts-expect-error a BIGINT is a number by default
  const big: string | null = (await db.selectFrom('users').select('big_signed').executeTakeFirstOrThrow()).big_signed;
  // @ts-expect-error camelCase keys only in the camelCase file
  await whole.selectFrom('users').select('is_admin').execute();
  void day;
  void big;
}
`

describe('MySQL/MariaDB codegen: golden files (fixture schema on MariaDB)', () => {
  it('matches test/fixtures/codegen byte for byte, Prettier leaves each file unchanged, and tsc accepts them', async () => {
    const { model } = await loadFixture('cg_golden')
    const core = await emitTypes(
      selectTables(model, { skill: 'core' }),
      mysqlCodegen.mapper,
      { skill: 'core' },
      DEFAULTS,
    )
    const whole = await emitTypes(model, mysqlCodegen.mapper, { wholeDatabase: true }, ALL_OPTIONS)
    assert.deepEqual(core.warnings, [])
    assert.deepEqual(model.problems, [])
    for (const [golden, text] of [
      ['mysql-core.db-types.ts', core.text],
      ['mysql-whole-database.options.db-types.ts', whole.text],
    ] as const) {
      compareGolden(golden, text)
      assert.equal(await prettierFormat(text), text, `${golden} is not Prettier-formatted`)
    }

    const dir = tempDir('glorious-mysql-typecheck-')
    writeFileSync(join(dir, 'core.db-types.ts'), core.text)
    writeFileSync(join(dir, 'whole.db-types.ts'), whole.text)
    writeFileSync(join(dir, 'skill.ts'), SKILL_MODULE)
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }')
    const result = typecheck(dir, ['skill.ts'])
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)
  })
})

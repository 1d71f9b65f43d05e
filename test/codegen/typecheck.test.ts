import assert from 'node:assert/strict'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { generateTypes } from '../../codegen/index.js'
import { tempDir } from '../helpers/temp.js'
import { openSession, typecheck } from './helpers.js'
import { richSchema } from './rich-schema.js'

/**
 * A skill module written against the generated types. Every `@ts-expect-error` line must fail
 * to type-check (tsc reports an unused directive otherwise), and everything else must pass.
 */
const SKILL_MODULE = `
import { Kysely } from 'kysely';
import type { DB as BillingDB } from './billing.db-types.js';
import type { DB as CoreDB, UsersInsert, UsersRow, UsersUpdate } from './core.db-types.js';
import type { DB as WholeDB, JsonValue } from './whole.db-types.js';
import type { DB as BigDB, UsersInsert as BigUsersInsert } from './core.bigint.db-types.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;

declare const db: Kysely<CoreDB & BillingDB>;
declare const whole: Kysely<WholeDB>;
declare const big: Kysely<BigDB>;

export async function selectsAndInserts(): Promise<void> {
  const user = await db.selectFrom('users').select(['id', 'email', 'display_name', 'email_domain', 'name_length', 'plan', 'avatar', 'misc']).executeTakeFirstOrThrow();
  expectType<Equals<typeof user.id, number>>();
  expectType<Equals<typeof user.email, string>>();
  expectType<Equals<typeof user.display_name, string | null>>();
  expectType<Equals<typeof user.email_domain, string | null>>();
  expectType<Equals<typeof user.name_length, number>>();
  expectType<Equals<typeof user.plan, string>>();
  expectType<Equals<typeof user.avatar, Buffer | null>>();
  expectType<Equals<typeof user.misc, unknown>>();
  expectType<Equals<UsersRow['is_admin'], number>>();

  await db.insertInto('users').values({ email: 'a@example.com' }).execute();
  await db.insertInto('users').values({ id: 7, email: 'b@example.com', is_admin: 1, settings: '{}', avatar: Buffer.from('x'), misc: 3 }).execute();
  const insert: UsersInsert = { email: 'c@example.com', display_name: null, plan: 'pro' };
  const update: UsersUpdate = { display_name: 'C', motto: null };
  await db.insertInto('users').values(insert).execute();
  await db.updateTable('users').set(update).where('id', '=', 1).execute();
  await db.insertInto('invoices').values({ user_id: 1, total: 9.5 }).execute();
  await db.insertInto('order items').values({ 'item id': 'sku-1', 'qty;"x"': 2 }).execute();
  await db.insertInto('events').values({ kind: 'login' }).execute();
  await db.insertInto('settings_kv').values({ key: 'k', value: new Uint8Array(1) }).execute();
  const admins = await db.selectFrom('active_admins').select(['email', 'next_visit']).execute();
  expectType<Equals<(typeof admins)[number]['email'], string | null>>();
  const joined = await db.selectFrom('invoices').innerJoin('users', 'users.id', 'invoices.user_id').select(['users.email', 'invoices.total']).execute();
  expectType<Equals<(typeof joined)[number]['total'], number>>();

  const row = await whole.selectFrom('users').select(['isAdmin', 'settings', 'emailDomain']).executeTakeFirstOrThrow();
  expectType<Equals<typeof row.isAdmin, boolean>>();
  expectType<Equals<typeof row.settings, JsonValue | null>>();
  await whole.insertInto('users').values({ email: 'd@example.com', settings: '{"a":1}', isAdmin: true }).execute();
  const event = await whole.selectFrom('events').select('payload').executeTakeFirstOrThrow();
  expectType<Equals<typeof event.payload, JsonValue>>();
}

export async function bigints(): Promise<void> {
  // integers: 'bigint' (better-sqlite3's safeIntegers): bigint on select, number or bigint on insert and update.
  const user = await big.selectFrom('users').select(['id', 'visits', 'age', 'score', 'balance', 'is_admin', 'name_length']).executeTakeFirstOrThrow();
  expectType<Equals<typeof user.id, bigint>>();
  expectType<Equals<typeof user.visits, bigint>>();
  expectType<Equals<typeof user.age, bigint | null>>();
  expectType<Equals<typeof user.score, number>>();
  expectType<Equals<typeof user.balance, number | bigint | null>>();
  expectType<Equals<typeof user.is_admin, bigint>>();
  expectType<Equals<typeof user.name_length, bigint>>();
  await big.insertInto('users').values({ id: 7n, email: 'b', visits: 1, age: 2n, balance: 9.5 }).execute();
  await big.updateTable('users').set({ visits: 3n, age: 4 }).execute();
  const insert: BigUsersInsert = { email: 'c', visits: 10n };
  await big.insertInto('users').values(insert).execute();
  const admins = await big.selectFrom('active_admins').select(['id']).execute();
  expectType<Equals<(typeof admins)[number]['id'], bigint | null>>();
  // @ts-expect-error text is not an integer
  await big.insertInto('users').values({ email: 'd', visits: '1' }).execute();
  // @ts-expect-error a bigint column never selects as a number
  const n: number = user.visits;
  void n;
}

export async function mistakes(): Promise<void> {
  // @ts-expect-error a column that does not exist
  await db.selectFrom('users').select('nope').execute();
  // @ts-expect-error a table of another skill is not in this skill's DB
  await (db as unknown as Kysely<CoreDB>).selectFrom('invoices').selectAll().execute();
  // @ts-expect-error a required column (email) missing on insert
  await db.insertInto('users').values({ display_name: 'x' }).execute();
  // @ts-expect-error a value of the wrong type
  await db.insertInto('users').values({ email: 42 }).execute();
  // @ts-expect-error booleans are 0/1 numbers by default
  await db.updateTable('users').set({ is_admin: true }).execute();
  // @ts-expect-error insert into a generated column
  await db.insertInto('users').values({ email: 'a', email_domain: 'b' }).execute();
  // @ts-expect-error update of a generated column
  await db.updateTable('users').set({ name_length: 3 }).execute();
  // @ts-expect-error update of a view column
  await db.updateTable('active_admins').set({ email: 'x' }).execute();
  // @ts-expect-error a rowid alias is never null
  const id: null = (await db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id;
  // @ts-expect-error JSON columns take JSON text on insert, not objects
  await whole.insertInto('users').values({ email: 'e', settings: { a: 1 } }).execute();
  // @ts-expect-error camelCase keys only
  await whole.selectFrom('users').select('is_admin').execute();
  void id;
}
`

describe('generated types compile and reject mistakes (tsc --noEmit)', () => {
  it('type-checks a skill module that imports them; each @ts-expect-error really is an error', async () => {
    const root = tempDir('glorious-typecheck-')
    const { database, core, billing } = await richSchema(root)
    const session = await openSession(database)
    try {
      await generateTypes(session, [core, billing], {})
      await generateTypes(session, [], {
        all: true,
        out: join(root, 'whole.db-types.ts'),
        camelCase: true,
        json: 'json',
        booleans: 'boolean',
      })
      await generateTypes(session, [core], { out: join(root, 'core.bigint.db-types.ts'), integers: 'bigint' })
    } finally {
      await session.close()
    }
    copyFileSync(join(root, 'core', 'db-types.ts'), join(root, 'core.db-types.ts'))
    copyFileSync(join(root, 'billing', 'db-types.ts'), join(root, 'billing.db-types.ts'))
    writeFileSync(join(root, 'skill.ts'), SKILL_MODULE)
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
    const result = typecheck(root, ['skill.ts'])
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)

    // The check itself can fail: a module with one real mistake and no directive is rejected.
    writeFileSync(
      join(root, 'broken.ts'),
      `import type { UsersInsert } from './core.db-types.js';\nexport const u: UsersInsert = { display_name: 'x' };\n`,
    )
    const broken = typecheck(root, ['broken.ts'])
    assert.notEqual(broken.status, 0)
    assert.match(broken.output, /broken\.ts\(2,14\): error TS2322: .*email: string/)
  })
})

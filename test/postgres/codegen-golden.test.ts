/**
 * PostgreSQL codegen against a real server: the golden schema (every mapped type and modifier)
 * applied through the library, whose run writes each skill's `db-types.ts`; the files match the
 * golden files byte for byte, Prettier leaves them unchanged, `--check` finds them current, and a
 * skill module written against them type-checks, with every `@ts-expect-error` a real error.
 */
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { generateTypes } from '../../codegen/index.js'
import { GOLDEN_DIR, openSession, prettierFormat, typecheck } from '../codegen/helpers.js'
import { tempDir } from '../helpers/temp.js'
import { pgSchema } from './pg-schema.js'

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

const SKILL_MODULE = `
import { Kysely } from 'kysely';
import type { DB as BillingDB } from './billing.db-types.js';
import type { DB as CoreDB, IntervalValue, JsonValue, KindsInsert, KindsRow, Mood, PointValue, UsersRow } from './core.db-types.js';
import type { DB as WholeDB } from './whole.db-types.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;

declare const db: Kysely<CoreDB & BillingDB>;
declare const whole: Kysely<WholeDB>;

export async function selectsAndInserts(): Promise<void> {
  const user = await db.selectFrom('users').select(['id', 'handle', 'created_at', 'mood', 'settings', 'handle_upper', 'seq']).executeTakeFirstOrThrow();
  expectType<Equals<typeof user.id, string>>();
  expectType<Equals<typeof user.handle, string>>();
  expectType<Equals<typeof user.created_at, Date>>();
  expectType<Equals<typeof user.mood, 'happy' | 'ok' | 'sad'>>();
  expectType<Equals<typeof user.settings, JsonValue>>();
  expectType<Equals<typeof user.handle_upper, string | null>>();
  expectType<Equals<typeof user.seq, number>>();
  expectType<Equals<UsersRow['display_name'], string | null>>();

  expectType<Equals<KindsRow['c_int8'], string | null>>();
  expectType<Equals<KindsRow['c_numeric'], string | null>>();
  expectType<Equals<KindsRow['c_money'], string | null>>();
  expectType<Equals<KindsRow['c_bool'], boolean | null>>();
  expectType<Equals<KindsRow['c_date'], Date | null>>();
  expectType<Equals<KindsRow['c_interval'], IntervalValue | null>>();
  expectType<Equals<KindsRow['c_bytea'], Buffer | null>>();
  expectType<Equals<KindsRow['c_point'], PointValue | null>>();
  expectType<Equals<KindsRow['c_mood'], Mood | null>>();
  expectType<Equals<KindsRow['c_big_id'], string | null>>();
  expectType<Equals<KindsRow['c_tags'], string[] | null>>();
  expectType<Equals<KindsRow['a_int8'], string[] | null>>();
  expectType<Equals<KindsRow['a_timestamptz'], Date[] | null>>();
  expectType<Equals<KindsRow['a_jsonb'], JsonValue[] | null>>();
  expectType<Equals<KindsRow['a_mood'], string | null>>();
  expectType<Equals<KindsRow['a_positive'], string | null>>();

  await db.insertInto('users').values({ handle: 'a', email: 'a@example.com' }).execute();
  await db.insertInto('users').values({ id: 9007199254740993n, handle: 'b', email: 'b@example.com', mood: 'sad', created_at: '2024-01-01T00:00:00Z', settings: { theme: 'dark' }, seq: 3 }).execute();
  await db.updateTable('users').set({ id: '7', created_at: new Date(), settings: 'null' }).execute();
  const kinds: KindsInsert = {
    c_int2: 1, c_int8: 1n, c_numeric: 1.5, c_timestamptz: new Date(), c_date: '2024-02-29', c_interval: 3600,
    c_jsonb: 42, c_json: '[1, 2]', c_point: '(1,2)', c_circle: '<(0,0),1>', c_bytea: Buffer.from('x'),
    c_level: 'it\\'s "quoted"', a_int8: [1n, 2, '3'], a_timestamptz: [new Date(), '2024-01-01'],
    a_jsonb: [{ a: 1 }, 'true'], a_mood: ['happy', 'sad'], a_positive: [1, 2], a_big_id: [1n], a_citext: '{a,b}',
    a_interval: ['1 day', 60], a_point: ['(1,2)'],
  };
  await db.insertInto('kinds').values(kinds).execute();
  const event = await db
    .selectFrom('audit.events')
    .innerJoin('users', 'users.id', 'audit.events.user_id')
    .select(['audit.events.level', 'audit.events.at', 'users.handle'])
    .executeTakeFirstOrThrow();
  expectType<Equals<typeof event.level, 'info' | 'warn' | 'error' | 'it\\'s "quoted"'>>();
  expectType<Equals<typeof event.at, Date>>();
  await db.insertInto('audit.events').values({ level: 'warn', user_id: 1 }).execute();
  await db.insertInto('audit_events').values({ note: 'n' }).execute();
  const active = await db.selectFrom('active_users').select(['id', 'mood']).executeTakeFirstOrThrow();
  expectType<Equals<typeof active.id, string | null>>();
  expectType<Equals<typeof active.mood, Mood | null>>();
  const counts = await db.selectFrom('mood_counts').select('n').executeTakeFirstOrThrow();
  expectType<Equals<typeof counts.n, string | null>>();
  await db.insertInto('invoices').values({ user_id: '1', total: '9.90' }).execute();
  await db.insertInto('measurements').values({ logdate: new Date(), reading: 2 }).execute();

  const camel = await whole.selectFrom('audit.events').select(['userId', 'at']).executeTakeFirstOrThrow();
  expectType<Equals<typeof camel.userId, string | null>>();
  await whole.insertInto('auditEvents').values({ note: 'n' }).execute();
  await whole.updateTable('users').set({ displayName: 'x', handle: 'h' }).execute();
}

export async function mistakes(): Promise<void> {
  // @ts-expect-error identity ALWAYS is never inserted (GeneratedAlways)
  await db.insertInto('kinds').values({ id: 1, c_int2: 1 }).execute();
  // @ts-expect-error identity ALWAYS is never updated
  await db.updateTable('audit.events').set({ id: '1' }).execute();
  // @ts-expect-error a GENERATED ALWAYS AS (…) STORED column is never inserted
  await db.insertInto('users').values({ handle: 'a', email: 'a@example.com', handle_upper: 'A' }).execute();
  // @ts-expect-error … nor updated
  await db.updateTable('users').set({ handle_upper: 'A' }).execute();
  // @ts-expect-error a view is not updatable
  await db.updateTable('active_users').set({ handle: 'x' }).execute();
  // @ts-expect-error a materialized view is not updatable
  await db.updateTable('mood_counts').set({ n: '1' }).execute();
  // @ts-expect-error an enum rejects other strings
  await db.insertInto('users').values({ handle: 'a', email: 'a@example.com', mood: 'angry' }).execute();
  // @ts-expect-error … in another schema too
  await db.updateTable('audit.events').set({ level: 'debug' }).execute();
  // @ts-expect-error … and in an array of the enum
  await db.insertInto('kinds').values({ c_int2: 1, a_mood: ['angry'] }).execute();
  // @ts-expect-error a required column (email) missing on insert
  await db.insertInto('users').values({ handle: 'a' }).execute();
  // @ts-expect-error pg sends a JS array as a PostgreSQL array, which is not JSON
  await db.insertInto('kinds').values({ c_int2: 1, c_jsonb: [1, 2] }).execute();
  // @ts-expect-error a point is written as text (pg would send an object as JSON)
  await db.insertInto('kinds').values({ c_int2: 1, c_point: { x: 1, y: 2 } }).execute();
  // @ts-expect-error bigint comes back as a string
  const id: number = (await db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id;
  // @ts-expect-error a table outside the current schema is keyed schema.table
  await db.selectFrom('events').selectAll().execute();
  // @ts-expect-error a table of another skill is not in this skill's DB
  await (db as unknown as Kysely<CoreDB>).selectFrom('invoices').selectAll().execute();
  // @ts-expect-error camelCase keys only
  await whole.selectFrom('users').select('display_name').execute();
  void id;
}
`

describe('PostgreSQL codegen: golden files, Prettier, --check, tsc', () => {
  it('writes db-types.ts after the run that match the golden files, Prettier-stable, current, and type-checking', async () => {
    const root = tempDir('glorious-pg-golden-')
    const { db, core, billing } = await pgSchema(root)
    const whole = join(root, 'whole.db-types.ts')
    const session = await openSession(db.database)
    try {
      const results = await generateTypes(session, [], { all: true, out: whole, camelCase: true })
      assert.deepEqual(
        results.map((result) => [result.skill, result.status, result.tables]),
        [['*', 'written', 10]],
      )
      // Names CamelCasePlugin cannot map back: said once each, with the fix.
      assert.equal(results[0]?.warnings?.length, 2)
      assert.match(results[0]?.warnings?.[0] ?? '', /^column "Mixed Case" of "users": CamelCasePlugin maps/)
      assert.match(results[0]?.warnings?.[1] ?? '', /^table "measurements_2024": .*underscoreBeforeDigits: true/)
      const checked = await generateTypes(session, [core, billing], { check: true })
      assert.deepEqual(
        checked.map((result) => [result.skill, result.status, result.tables]),
        [
          ['core', 'unchanged', 9],
          ['billing', 'unchanged', 1],
        ],
      )
    } finally {
      await session.close()
    }
    const files: [golden: string, path: string][] = [
      ['postgres-core.db-types.ts', join(root, 'core', 'db-types.ts')],
      ['postgres-billing.db-types.ts', join(root, 'billing', 'db-types.ts')],
      ['postgres-whole-database.camel-case.db-types.ts', whole],
    ]
    for (const [golden, path] of files) {
      const text = readFileSync(path, 'utf8')
      compareGolden(golden, text)
      assert.equal(await prettierFormat(text), text, `${golden} is not Prettier-formatted`)
    }

    copyFileSync(join(root, 'core', 'db-types.ts'), join(root, 'core.db-types.ts'))
    copyFileSync(join(root, 'billing', 'db-types.ts'), join(root, 'billing.db-types.ts'))
    writeFileSync(join(root, 'skill.ts'), SKILL_MODULE)
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }')
    const result = typecheck(root, ['skill.ts'])
    assert.equal(result.output, '', result.output)
    assert.equal(result.status, 0)

    // The check itself can fail: one real mistake without a directive is rejected.
    writeFileSync(
      join(root, 'broken.ts'),
      `import type { UsersInsert } from './core.db-types.js';\nexport const u: UsersInsert = { handle: 'x', email: 'e', mood: 'angry' };\n`,
    )
    const broken = typecheck(root, ['broken.ts'])
    assert.notEqual(broken.status, 0)
    assert.match(broken.output, /broken\.ts\(2,\d+\): error TS2322: Type '"angry"' is not assignable/)
  })
})

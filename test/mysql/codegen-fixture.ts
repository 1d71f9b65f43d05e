/**
 * The MySQL/MariaDB codegen fixture (`test/fixtures/codegen/mysql-core.sql`) applied to a fresh
 * database, and read back through the real introspector, as codegen would with the ownership
 * ledger saying: `invoices` is billing's, `AuditLog` nobody's, everything else core's.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Owners } from '../../codegen/dialects/codegen-dialect.js'
import { mysqlCodegen } from '../../codegen/dialects/mysql/mysql-codegen.js'
import type { SchemaModel } from '../../codegen/model.js'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'
import { GOLDEN_DIR } from '../codegen/helpers.js'
import { type ScratchDatabase, scratchDatabase } from './scratch-database.js'

export const FIXTURE_SQL = readFileSync(join(GOLDEN_DIR, 'mysql-core.sql'), 'utf8')

export const FIXTURE_OWNERS: Owners = {
  get(name) {
    if (name === 'AuditLog') return undefined
    return { skill: name === 'invoices' ? 'billing' : 'core', version: 1 }
  },
}

export interface Fixture {
  readonly scratch: ScratchDatabase
  /** A Kysely instance with mysql2's default options. */
  readonly db: Kysely<any>
  readonly model: SchemaModel
}

export async function loadFixture(purpose: string): Promise<Fixture> {
  const scratch = await scratchDatabase(purpose)
  await scratch.run(FIXTURE_SQL)
  const db = await scratch.kysely()
  const model = await mysqlCodegen.introspect(db, FIXTURE_OWNERS, RESERVED_TABLES)
  return { scratch, db, model }
}

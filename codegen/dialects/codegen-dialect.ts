import type { Kysely } from 'kysely'
import type { TypeMapper } from '../mapper.js'
import type { SchemaModel } from '../model.js'

/** Which skill created which relation (from the ownership ledger), looked up as the engine compares names. */
export interface Owners {
  get(name: string): { readonly skill: string; readonly version: number } | undefined
}

/**
 * What codegen needs from an engine: reading its catalog into the schema model, and mapping the
 * model's columns to the TypeScript types its driver returns. One per engine folder
 * (`codegen/dialects/<engine>/`), loaded through the registry only when types are generated.
 */
export interface CodegenDialect {
  /**
   * Reads every user table and view (except the names in `exclude`, the toolkit's own) into the
   * schema model, with each relation's owner.
   */
  introspect(db: Kysely<any>, owners: Owners, exclude: readonly string[]): Promise<SchemaModel>
  readonly mapper: TypeMapper
}

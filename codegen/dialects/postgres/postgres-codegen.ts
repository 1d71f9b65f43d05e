import type { CodegenDialect } from '../codegen-dialect.js'
import { introspectPostgres } from './postgres-introspector.js'
import { postgresTypeMapper } from './postgres-type-map.js'

/** PostgreSQL: `pg_catalog` queries, mapped to what `pg` returns with its default type parsers. */
export const postgresCodegen: CodegenDialect = Object.freeze({
  introspect: introspectPostgres,
  mapper: postgresTypeMapper,
})

import type { EngineName } from '../../lib/dialects/dialect.js'
import type { CodegenDialect } from './codegen-dialect.js'

/**
 * Codegen's counterpart of `lib/dialects/registry.ts`: the one place in codegen that names
 * engines, loading an engine's introspector and type map only when its types are generated.
 */
export async function codegenDialectFor(engine: EngineName): Promise<CodegenDialect> {
  switch (engine) {
    case 'sqlite':
      return (await import('./sqlite/sqlite-codegen.js')).sqliteCodegen
    case 'postgres':
      return (await import('./postgres/postgres-codegen.js')).postgresCodegen
    case 'mysql':
      return (await import('./mysql/mysql-codegen.js')).mysqlCodegen
  }
}

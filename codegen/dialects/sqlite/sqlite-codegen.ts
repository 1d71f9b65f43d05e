import type { CodegenDialect } from '../codegen-dialect.js'
import { introspectSqlite } from './sqlite-introspector.js'
import { sqliteTypeMapper } from './sqlite-type-map.js'

/** SQLite: `pragma_table_list` + `pragma_table_xinfo`, mapped by affinity to what better-sqlite3 returns. */
export const sqliteCodegen: CodegenDialect = Object.freeze({ introspect: introspectSqlite, mapper: sqliteTypeMapper })

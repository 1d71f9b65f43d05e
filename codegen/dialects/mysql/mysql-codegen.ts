import type { CodegenDialect } from '../codegen-dialect.js'
import { introspectMysql } from './mysql-introspector.js'
import { mysqlTypeMapper } from './mysql-type-map.js'

/** MySQL and MariaDB: `information_schema` (COLUMN_TYPE, EXTRA, MariaDB's JSON CHECKs), mapped to what mysql2 returns. */
export const mysqlCodegen: CodegenDialect = Object.freeze({ introspect: introspectMysql, mapper: mysqlTypeMapper })

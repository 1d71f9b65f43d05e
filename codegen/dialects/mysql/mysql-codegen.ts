import type { CodegenDialect } from '../codegen-dialect.js'

/** Placeholder until MySQL codegen lands. */
export const mysqlCodegen: CodegenDialect = new Proxy({} as CodegenDialect, {
  get() {
    throw new Error('codegen for MySQL is not supported yet')
  },
})

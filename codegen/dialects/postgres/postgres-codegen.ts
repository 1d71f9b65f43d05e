import type { CodegenDialect } from '../codegen-dialect.js'

/** Placeholder until PostgreSQL codegen lands. */
export const postgresCodegen: CodegenDialect = new Proxy({} as CodegenDialect, {
  get() {
    throw new Error('codegen for PostgreSQL is not supported yet')
  },
})

// Loaded with `node --import`: makes the packages named in GLORIOUS_TEST_HIDE_MODULES (comma-
// separated) impossible to import, as if they were not installed, so tests can show what a
// command says without an optional package.
import { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        const hidden = (process.env.GLORIOUS_TEST_HIDE_MODULES ?? '').split(',')
        if (hidden.includes(specifier)) {
          const error = new Error("Cannot find package '" + specifier + "' (hidden by the test)")
          error.code = 'ERR_MODULE_NOT_FOUND'
          throw error
        }
        return next(specifier, context)
      }`),
)

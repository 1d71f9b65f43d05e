// Loaded with `node --import`: the module named by GLORIOUS_TEST_HIDE_MODULE cannot be resolved,
// as when an optional or development dependency is not installed.
import { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        if (specifier === process.env.GLORIOUS_TEST_HIDE_MODULE) {
          const error = new Error("Cannot find package '" + specifier + "'")
          error.code = 'ERR_MODULE_NOT_FOUND'
          throw error
        }
        return next(specifier, context)
      }`),
)

// Loaded with `node --import`: makes the packages named in GLORIOUS_TEST_HIDE_MODULES (comma-
// separated) impossible to load, as if they were not installed, so tests can show what a command
// says without an optional package. Both kinds of loading are covered: ES module resolution, and
// require() (the CLI bundle is CommonJS).
import Module, { register } from 'node:module'

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

const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if ((process.env.GLORIOUS_TEST_HIDE_MODULES ?? '').split(',').includes(request)) {
    const error = new Error(`Cannot find module '${request}' (hidden by the test)`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  return resolveFilename.call(this, request, ...rest)
}

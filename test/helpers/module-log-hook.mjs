// Loaded with `node --import`: records every module specifier the process resolves into the file
// named by GLORIOUS_TEST_MODULE_LOG, so tests can prove what a command does not load. Both kinds
// of loading are seen: ES module resolution, and require() (the CLI bundle is CommonJS).
import { appendFileSync } from 'node:fs'
import Module, { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { appendFileSync } from 'node:fs'
      export async function resolve(specifier, context, next) {
        if (process.env.GLORIOUS_TEST_MODULE_LOG) appendFileSync(process.env.GLORIOUS_TEST_MODULE_LOG, specifier + '\\n')
        return next(specifier, context)
      }`),
)

const load = Module._load
Module._load = function (request, ...rest) {
  if (process.env.GLORIOUS_TEST_MODULE_LOG) appendFileSync(process.env.GLORIOUS_TEST_MODULE_LOG, `${request}\n`)
  return load.call(this, request, ...rest)
}

// Loaded with `node --import`: records every module specifier the process resolves into the file
// named by GLORIOUS_TEST_MODULE_LOG, so tests can prove what a command does not load.
import { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { appendFileSync } from 'node:fs'
      export async function resolve(specifier, context, next) {
        if (process.env.GLORIOUS_TEST_MODULE_LOG) appendFileSync(process.env.GLORIOUS_TEST_MODULE_LOG, specifier + '\\n')
        return next(specifier, context)
      }`),
)

import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { deferModule } from './deferred-module.js'
import { driverCodeCache, loadWithCodeCache } from './driver-code-cache.js'

/**
 * Loads a server driver (an optional peer dependency) with `require`: both are CommonJS, and
 * `import()` of a CommonJS package also runs Node's ES module loader and its export scan.
 * `deferred` names data modules of the driver (paths inside its package) that it requires at load
 * but reads only on a rare path: they are loaded when first read (see {@link deferModule}). When
 * the process keeps a driver code cache (`enableDriverCodeCache`), the driver's files are
 * compiled from it.
 *
 * @throws the loader's error; {@link isMissingModule} tells whether the driver is not installed.
 */
export function requireDriver(name: 'pg' | 'mysql2', deferred: readonly string[] = []): unknown {
  const require = createRequire(import.meta.url)
  const root = packageRoot(require, name)
  if (root === undefined) return require(name) // not installed: the require says so
  for (const file of deferred) deferModule(require, join(root, file))
  return loadWithCodeCache(driverCodeCache(name, root), () => require(name))
}

/** The driver's folder, or `undefined` when it is not installed (the require then says so). */
function packageRoot(require: NodeJS.Require, name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`))
  } catch {
    return undefined
  }
}

/**
 * Whether `error` says that the package `name` itself is not installed. A module missing inside
 * an installed driver, or an error its code throws while loading, is not that: it is reported as
 * it is, not as "install the driver".
 */
export function isMissingModule(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.startsWith(`Cannot find module '${name}'`)
  )
}

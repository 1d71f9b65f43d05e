import { existsSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname } from 'node:path'

type Exports = Record<string | symbol, unknown>

/**
 * Puts a stand-in for the CommonJS module at `file` in Node's module cache, so that a package
 * requiring it gets an object that loads the real module the first time anything is read from it.
 * For a data module (a table of constants) that a driver requires at load but reads only on a rare
 * path: the common path no longer compiles and runs it.
 *
 * Does nothing (and returns false) when the module is already loaded or `file` is not there, so a
 * driver laid out differently is loaded as it is. The stand-in answers every read, key listing
 * and write as the real module would, after loading it; only `module.exports` identity differs,
 * which a data module's users do not compare.
 *
 * For example, `requireDriver('mysql2', ['lib/constants/errors.js'])` defers mysql2's table of
 * error names until the server first answers with an error.
 */
export function deferModule(require: NodeJS.Require, file: string): boolean {
  if (require.cache[file] !== undefined || !existsSync(file)) return false
  let real: Exports | undefined
  const load = (): Exports => {
    if (real === undefined) {
      // The stand-in leaves the cache and the real module takes its place for any later require.
      delete require.cache[file]
      real = createRequire(file)(file) as Exports
    }
    return real
  }
  const standIn = new Module(file)
  standIn.filename = file
  standIn.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file))
  standIn.loaded = true
  standIn.exports = new Proxy({} as Exports, {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key)
      // A proxy may only report a property of its (empty) target as configurable.
      return descriptor && { ...descriptor, configurable: true }
    },
    set: (_, key, value) => Reflect.set(load(), key, value),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(load(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(load(), key),
  })
  require.cache[file] = standIn
  return true
}

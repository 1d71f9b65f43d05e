import { createRequire } from 'node:module'

/**
 * Loads a server driver (an optional peer dependency) with `require`: both are CommonJS, and
 * `import()` of a CommonJS package also runs Node's ES module loader and its export scan.
 *
 * @throws the loader's error; {@link isMissingModule} tells whether the driver is not installed.
 */
export function requireDriver(name: 'pg' | 'mysql2'): unknown {
  return createRequire(import.meta.url)(name)
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

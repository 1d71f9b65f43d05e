import { createHash } from 'node:crypto'
import { Module } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { Script, constants as vmConstants } from 'node:vm'
import { gloriousHome, isOff } from '../files/glorious-home.js'
import { type CachedCode, readCodeCacheFile, writeCodeCacheFile } from './code-cache-file.js'

/**
 * A V8 code cache for the CommonJS files of a server driver (mysql2 or pg and what they require),
 * kept in one file per driver. A run that opens a server spends more time loading the driver's
 * hundred-odd files than talking to the server: Node compiles each file on every start, and the
 * functions the run calls again. With the cache V8 takes the compiled code of both from the file.
 *
 * The cache is made at the end of a process that had none (or a stale one) and wrote to a
 * database, so it holds every function that run compiled, not only the files' top levels. A file
 * is served from it only when its text has the SHA-256 recorded with it (V8 itself compares only
 * the text's length), on the Node and V8 that made it; anything else is compiled as usual and the
 * cache rewritten at exit by the next process that writes. The cache file must belong to the user
 * running the process, be writable by nobody else and be byte for byte what was written (V8 does
 * not check the code it reads), since the code in it runs; otherwise it is ignored.
 */
export interface DriverCodeCache {
  /** The file the cache lives in (one per driver, Node version, set of Node flags and driver folder). */
  readonly file: string
}

let cacheFolder: string | undefined
/** Whether this process wrote to a database, and so may write the cache at exit. */
let writeAllowed = false

/**
 * From now on in this process, keeps the compiled code of the server drivers it loads under
 * `GLORIOUS_HOME/cache/driver-code-v1` (`GLORIOUS_DRIVER_CACHE=off`: not at all). The CLI turns it
 * on for its own process; the library leaves Node's loading alone unless asked, since the cache
 * is written when the process exits.
 *
 * @example
 * ```ts
 * import { enableDriverCodeCache } from 'glorious-migrate'
 * enableDriverCodeCache(process.env)
 * ```
 */
export function enableDriverCodeCache(env: Readonly<Record<string, string | undefined>>): void {
  cacheFolder =
    isOff(env, 'GLORIOUS_DRIVER_CACHE') || !nodeLoadsAsUsual()
      ? undefined
      : join(gloriousHome(undefined, env), 'cache', 'driver-code-v1')
}

/**
 * Whether Node would compile the drivers' files with nothing of its own to add: source maps
 * (`--enable-source-maps`) and policies are applied by Node's own compile, so with them the
 * drivers are left to Node. On Windows, where a file's owner and mode cannot tell whether someone
 * else could have written the cache, there is no cache either.
 */
function nodeLoadsAsUsual(): boolean {
  return (
    process.platform !== 'win32' &&
    process.sourceMapsEnabled !== true &&
    !/--(experimental-)?(policy|permission)\b/.test(nodeFlags())
  )
}

/** The flags this Node runs with: its command line's and those of NODE_OPTIONS. */
function nodeFlags(): string {
  return `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`
}

/**
 * Lets this process write the cache at exit: only a process that wrote to a database does (see
 * `saveCaches`), so read-only commands and a run with nothing to do write nothing at all.
 */
export function allowDriverCodeCacheWrite(): void {
  writeAllowed = true
}

/** The cache for the driver `name` installed in `packageRoot`, when caching is on. */
export function driverCodeCache(name: string, packageRoot: string): DriverCodeCache | undefined {
  if (cacheFolder === undefined) return undefined
  // V8 refuses code made under other flags: each set of flags (`--max-old-space-size`, say) has a
  // cache of its own, rather than runs with and without them rewriting one in turn.
  const key = createHash('sha256')
    .update(`${packageRoot}\0${process.version}\0${process.arch}\0${process.versions.v8}\0${nodeFlags()}`)
    .digest('hex')
    .slice(0, 24)
  return { file: join(cacheFolder, `${name}-${key}.bin`) }
}

/**
 * Runs `load` (a synchronous `require` of a driver) with the CommonJS files it compiles taken
 * from `cache` when the cache has their text. Files the driver's packages load later (mysql2 loads
 * iconv-lite's encodings on the first connection) are served from the same cache. When any file was
 * missing from it, the cache is rewritten at process exit. Without a cache, `load` runs as it is.
 */
export function loadWithCodeCache<T>(cache: DriverCodeCache | undefined, load: () => T): T {
  if (cache === undefined) return load()
  const pack: Pack = packs.get(cache.file) ?? {
    file: cache.file,
    known: readCodeCacheFile(cache.file),
    compiled: new Map(),
    stale: false,
    served: new Set(),
  }
  packs.set(cache.file, pack)
  installCompileHook()
  const outer = loading
  loading = pack
  try {
    return load()
  } finally {
    loading = outer
  }
}

interface Pack {
  readonly file: string
  /** What the cache file held, by file name. */
  readonly known: ReadonlyMap<string, CachedCode>
  /** What this process compiled, by file name. */
  readonly compiled: Map<string, { readonly content: string; readonly script: Script }>
  /** Whether some file was not in the cache (or V8 refused its code): rewrite at exit. */
  stale: boolean
  /** The files compiled with cached code. */
  readonly served: Set<string>
}

const packs = new Map<string, Pack>()
/** The pack of each package folder a driver's load compiled files from. */
const packOfPackage = new Map<string, Pack>()
/** The pack of the driver being loaded now. */
let loading: Pack | undefined
let hookInstalled = false

interface ModuleInternals {
  exports: unknown
  require(id: string): unknown
  _compile(content: string, filename: string, format?: string): unknown
}

/** Node's module loader, as its own `require` functions use it. */
const loader = Module as unknown as {
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string
  _resolveLookupPaths(request: string, parent: unknown): string[] | null
  _extensions: NodeJS.RequireExtensions
  _cache: NodeJS.Dict<NodeModule>
}

type ModuleWrapper = (
  this: unknown,
  exports: unknown,
  require: NodeJS.Require,
  module: unknown,
  filename: string,
  dirname: string,
) => unknown

// Node compiles every CommonJS file through Module.prototype._compile: the hook compiles the
// driver's files itself, with their cached code, and hands every other file to Node unchanged.
function installCompileHook(): void {
  if (hookInstalled) return
  hookInstalled = true
  const prototype = Module.prototype as unknown as ModuleInternals
  const compile = prototype._compile
  prototype._compile = function (this: ModuleInternals, content: string, filename: string, format?: string): unknown {
    const pack = packFor(filename)
    // Left to Node: files of other packages, ES modules (Node 20.19+ requires them through here),
    // code with import(), which a script compiled from a cache could not run (the module loader's
    // callback is not attached to cached code), and a #! line, valid only as a script's first.
    if (
      pack === undefined ||
      typeof content !== 'string' ||
      (format !== undefined && format !== 'commonjs') ||
      content.startsWith('#!') ||
      content.includes('import(')
    ) {
      return compile.call(this, content, filename, format)
    }
    // V8 compares only the text's length: a file's code is used only while its text is the same.
    // (Without an entry there is nothing to compare: the text is hashed only if the cache is written.)
    const entry = pack.known.get(filename)
    const cachedData = entry !== undefined && entry.textHash === hashOf(content) ? entry.data : undefined
    let script: Script
    try {
      // The wrapper on a line of its own, counted as line 0: lines and columns in stack traces
      // are the file's own.
      script = new Script(`${WRAPPER_START}\n${content}${WRAPPER_END}`, {
        filename,
        lineOffset: -1,
        cachedData,
        importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      })
    } catch {
      // Not CommonJS after all (ES module syntax Node may detect), or not valid: Node decides.
      return compile.call(this, content, filename, format)
    }
    if (cachedData === undefined || script.cachedDataRejected === true) markStale(pack)
    else pack.served.add(filename)
    pack.compiled.set(filename, { content, script })
    const wrapper = script.runInThisContext() as ModuleWrapper
    return wrapper.call(this.exports, this.exports, requireOf(this), this, filename, dirname(filename))
  }
}

const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) {'
const WRAPPER_END = '\n});'

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('base64')
}

/** The `require` a module's code gets, made as Node makes it (cheaper than `createRequire`). */
function requireOf(module: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    loader._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, module)
  require.resolve = resolve
  require.main = process.mainModule
  require.extensions = loader._extensions
  require.cache = loader._cache
  return require
}

/** The pack a file belongs to: the driver being loaded, or the one whose load used its package. */
function packFor(filename: string): Pack | undefined {
  const root = packageFolder(filename)
  if (loading !== undefined) {
    if (!packOfPackage.has(root)) packOfPackage.set(root, loading)
    return loading
  }
  return packOfPackage.get(root)
}

/** `…/node_modules/name` or `…/node_modules/@scope/name` of a file; its folder otherwise. */
function packageFolder(filename: string): string {
  const marker = `${sep}node_modules${sep}`
  const at = filename.lastIndexOf(marker)
  if (at < 0) return dirname(filename)
  const rest = filename.slice(at + marker.length).split(sep)
  const depth = rest[0]?.startsWith('@') ? 2 : 1
  return filename.slice(0, at + marker.length) + rest.slice(0, depth).join(sep)
}

/** What each cache did in this process: files compiled with cached code, and in all. */
export function driverCodeCacheUse(): { file: string; served: number; compiled: number }[] {
  return [...packs.values()].map((pack) => ({
    file: pack.file,
    served: pack.served.size,
    compiled: pack.compiled.size,
  }))
}

function markStale(pack: Pack): void {
  if (pack.stale) return
  pack.stale = true
  process.once('exit', () => {
    if (!writeAllowed) return
    try {
      writeCodeCacheFile(pack.file, packEntries(pack))
    } catch {
      // The cache only ever saves time: nothing here may change how the process ends.
    }
  })
}

/**
 * What the cache is rewritten with: the code of every file this process compiled, functions
 * compiled since included, and what the old cache held for files this process did not load (an
 * error path's, say).
 */
function packEntries(pack: Pack): [name: string, textHash: string, data: Buffer][] {
  const entries: [string, string, Buffer][] = []
  for (const [name, { content, script }] of pack.compiled)
    entries.push([name, hashOf(content), script.createCachedData()])
  for (const [name, { textHash, data }] of pack.known) {
    if (!pack.compiled.has(name)) entries.push([name, textHash, data])
  }
  return entries
}

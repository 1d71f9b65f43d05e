import { createHash } from 'node:crypto'
import { mkdirSync, openSync, readFileSync, fstatSync, closeSync, renameSync, writeFileSync, unlinkSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { Script, constants as vmConstants } from 'node:vm'
import { envSetting, gloriousHome } from '../files/glorious-home.js'

/**
 * A V8 code cache for the CommonJS files of a server driver (mysql2 or pg and what they require),
 * kept in one file per driver. A run that opens a server spends more time loading the driver's
 * hundred-odd files than talking to the server: Node compiles each file on every start, and the
 * functions the run calls again. With the cache V8 takes the compiled code of both from the file.
 *
 * The cache is made at the end of a process that had none (or a stale one) and wrote to a
 * database, so it holds every function that run compiled, not only the files' top levels. A file is served from it only when
 * its text has the SHA-256 recorded with it (V8 itself compares only the text's length), on the
 * Node and V8 that made it; anything else is compiled as usual and the cache rewritten at exit.
 * The file must belong to the user running the process and be writable by nobody else, since
 * compiled code from it runs; otherwise it is ignored.
 */
export interface DriverCodeCache {
  /** The file the cache lives in (one per driver, Node version and driver folder). */
  readonly file: string
}

const MAGIC = 'glorious-driver-code-v1\n'

interface CachedEntry {
  readonly hash: string
  readonly data: Buffer
}

interface PackHeader {
  readonly entries: readonly (readonly [file: string, hash: string, bytes: number])[]
  /** SHA-256 of the code that follows: V8 checks a cache's header, not all of its bytes. */
  readonly code: string
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
    envSetting(env, 'GLORIOUS_DRIVER_CACHE') === 'off'
      ? undefined
      : join(gloriousHome(undefined, env), 'cache', 'driver-code-v1')
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
  const key = createHash('sha256')
    .update(`${packageRoot}\0${process.version}\0${process.arch}\0${process.versions.v8}`)
    .digest('hex')
    .slice(0, 24)
  return { file: join(cacheFolder, `${name}-${key}.bin`) }
}

/**
 * Runs `load` (a synchronous `require` of a driver) with the CommonJS files it compiles taken
 * from `cache` when the cache has their text. Files the driver's packages load later (mysql2 loads
 * its character sets on the first connection) are served from the same cache. When any file was
 * missing from it, the cache is rewritten at process exit. Without a cache, `load` runs as it is.
 */
export function loadWithCodeCache<T>(cache: DriverCodeCache | undefined, load: () => T): T {
  if (cache === undefined) return load()
  const pack: Pack = packs.get(cache.file) ?? {
    file: cache.file,
    known: readPack(cache.file),
    compiled: new Map(),
    stale: false,
    served: 0,
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
  readonly known: ReadonlyMap<string, CachedEntry>
  /** What this process compiled, by file name. */
  readonly compiled: Map<string, { readonly hash: string; readonly script: Script }>
  /** Whether some file was not in the cache (or V8 refused its code): rewrite at exit. */
  stale: boolean
  /** How many files were compiled with cached code. */
  served: number
}

const packs = new Map<string, Pack>()
/** The pack of each package folder a driver's load compiled files from. */
const packOfPackage = new Map<string, Pack>()
/** The pack of the driver being loaded now. */
let loading: Pack | undefined
let hookInstalled = false

interface ModuleInternals {
  exports: unknown
  _compile(content: string, filename: string): unknown
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
  prototype._compile = function (this: ModuleInternals, content: string, filename: string): unknown {
    const pack = packFor(filename)
    // A #! line would no longer be the first line once wrapped: such a file is left to Node.
    if (pack === undefined || typeof content !== 'string' || content.startsWith('#!')) {
      return compile.call(this, content, filename)
    }
    const hash = createHash('sha256').update(content).digest('base64')
    const entry = pack.known.get(filename)
    const cachedData = entry?.hash === hash ? entry.data : undefined
    const script = new Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    })
    if (cachedData === undefined || script.cachedDataRejected === true) markStale(pack)
    else pack.served++
    pack.compiled.set(filename, { hash, script })
    const wrapper = script.runInThisContext() as ModuleWrapper
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename))
  }
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
  return [...packs.values()].map((pack) => ({ file: pack.file, served: pack.served, compiled: pack.compiled.size }))
}

function markStale(pack: Pack): void {
  if (pack.stale) return
  pack.stale = true
  process.once('exit', () => {
    if (writeAllowed) writePack(pack)
  })
}

function readPack(file: string): Map<string, CachedEntry> {
  const entries = new Map<string, CachedEntry>()
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    if (!trustworthy(fstatSync(fd))) return entries
    const pack = readFileSync(fd)
    if (pack.toString('latin1', 0, MAGIC.length) !== MAGIC) return entries
    const headerBytes = pack.readUInt32LE(MAGIC.length)
    let offset = MAGIC.length + 4
    const header = JSON.parse(pack.toString('utf8', offset, offset + headerBytes)) as PackHeader
    offset += headerBytes
    // Damaged code could crash V8 as it is read: a file that is not byte for byte what was
    // written is not used at all.
    if (createHash('sha256').update(pack.subarray(offset)).digest('base64') !== header.code) return entries
    for (const [name, hash, bytes] of header.entries) {
      if (offset + bytes > pack.length) break
      entries.set(name, { hash, data: pack.subarray(offset, offset + bytes) })
      offset += bytes
    }
  } catch {
    // No cache yet, or a damaged one: every file is compiled and the cache made again.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return entries
}

/** Compiled code is taken only from a file of the user's own that nobody else may write. */
function trustworthy(stat: { uid: number; mode: number; isFile(): boolean }): boolean {
  const uid = process.getuid?.()
  return stat.isFile() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0
}

/**
 * Writes the cache: the code of every file this process compiled, functions compiled since
 * included, and what the old cache held for files this process did not load (an error path's).
 */
function writePack(pack: Pack): void {
  const temporary = `${pack.file}.${process.pid}.tmp`
  try {
    const entries: [name: string, hash: string, data: Buffer][] = []
    for (const [name, { hash, script }] of pack.compiled) entries.push([name, hash, script.createCachedData()])
    for (const [name, { hash, data }] of pack.known) if (!pack.compiled.has(name)) entries.push([name, hash, data])
    const code = Buffer.concat(entries.map(([, , data]) => data))
    const header: PackHeader = {
      entries: entries.map(([name, hash, data]) => [name, hash, data.length]),
      code: createHash('sha256').update(code).digest('base64'),
    }
    const headerBytes = Buffer.from(JSON.stringify(header))
    const size = Buffer.alloc(4)
    size.writeUInt32LE(headerBytes.length)
    mkdirSync(dirname(pack.file), { recursive: true, mode: 0o700 })
    writeFileSync(temporary, Buffer.concat([Buffer.from(MAGIC, 'latin1'), size, headerBytes, code]), { mode: 0o600 })
    renameSync(temporary, pack.file)
  } catch {
    // A read-only or missing home: the driver is compiled on every start, as without a cache.
    try {
      unlinkSync(temporary)
    } catch {
      // Nothing was written.
    }
  }
}

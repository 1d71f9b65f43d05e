import { isAbsolute, relative } from 'node:path'
import type { DatabaseOptions, GloriousMigrateError, SkillSearch } from '../lib/index.js'
import { resolveDatabaseTarget, searchSkills, skillsSearchRoots } from '../lib/index.js'
import { jsonError, jsonText } from './print/json.js'
import { type SafeText, escapeForTerminal, safe } from './print/safe.js'
import { type Style, createStyle } from './print/style.js'
import { UsageError } from './usage-error.js'

/** The process the CLI runs in: streams and environment (a fake one in tests if needed). */
export interface CliProcess {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  readonly env: Readonly<Record<string, string | undefined>>
  cwd(): string
}

/** Options every migrate command accepts. */
export interface GlobalArgs {
  readonly db?: string | undefined
  readonly url?: string | undefined
  readonly schema?: string | undefined
  readonly statementLockTimeout?: number | undefined
  readonly lockRetries?: number | undefined
  readonly agent?: string | undefined
  readonly skills?: readonly string[] | undefined
  readonly lockTimeout?: number | undefined
  readonly loadExtension?: readonly string[] | undefined
  readonly journalMode?: 'wal' | 'delete' | undefined
  readonly maxFileSize?: number | undefined
  readonly verbose?: boolean | undefined
  readonly json?: boolean | undefined
}

/**
 * What a command handler gets: where to print and how to turn flags into library options.
 * Everything printed goes through here, as {@link SafeText} (data escaped, see `print/safe.ts`);
 * with `--json`, stdout gets exactly one JSON document, whatever happens.
 */
export class CliContext {
  readonly process: CliProcess
  readonly out: Style
  readonly err: Style
  /** `--json` was asked for: stdout carries one JSON document and nothing else. */
  readonly json: boolean
  readonly verbose: boolean
  exitCode = 0
  #documentWritten = false

  constructor(cliProcess: CliProcess, mode: { readonly json: boolean; readonly verbose: boolean }) {
    this.process = cliProcess
    this.json = mode.json
    this.verbose = mode.verbose
    this.out = createStyle(Boolean(cliProcess.stdout.isTTY), cliProcess.env)
    this.err = createStyle(Boolean(cliProcess.stderr.isTTY), cliProcess.env)
  }

  /** Library options for the database (flag > env > default, resolved by the library). */
  databaseOptions(args: GlobalArgs): DatabaseOptions & { readonly maxFileBytes?: number | undefined } {
    if (args.db !== undefined && args.url !== undefined) {
      throw new UsageError('--db and --url both name the database: give one of them')
    }
    const options = this.#databaseOptions(args)
    const target = resolveDatabaseTarget(options)
    const sqliteOnly = [
      args.journalMode !== undefined ? '--journal-mode' : undefined,
      args.loadExtension !== undefined ? '--load-extension' : undefined,
    ].filter((flag) => flag !== undefined)
    if (target.engine !== 'sqlite' && sqliteOnly.length > 0) {
      throw new UsageError(`${sqliteOnly.join(' and ')} apply to SQLite databases only, not to ${target.label}`)
    }
    if (target.engine !== 'postgres' && args.schema !== undefined) {
      throw new UsageError(`--schema applies to PostgreSQL databases only, not to ${target.label}`)
    }
    return options
  }

  #databaseOptions(args: GlobalArgs): DatabaseOptions & { readonly maxFileBytes?: number | undefined } {
    return {
      maxFileBytes: args.maxFileSize,
      database: args.url ?? args.db,
      schema: args.schema,
      statementLockTimeoutMs: args.statementLockTimeout,
      lockRetries: args.lockRetries,
      agent: args.agent,
      lockTimeoutMs: args.lockTimeout,
      extensions: args.loadExtension,
      journalMode: args.journalMode,
      env: this.process.env,
    }
  }

  /** The database as messages name it: its path, or its URL without the password. */
  databasePath(args: GlobalArgs): string {
    return resolveDatabaseTarget(this.databaseOptions(args)).label
  }

  /** The skills in the skills folders (`--skills`, `GLORIOUS_SKILLS`, or the default ones). */
  searchSkills(args: GlobalArgs): SkillSearch {
    const { roots, named } = skillsSearchRoots({ skills: args.skills, env: this.process.env, cwd: this.process.cwd() })
    return searchSkills(roots, { mustExist: named })
  }

  /** A path as users like to read it: relative when it is inside the working folder. */
  shown(path: string): string {
    if (!isAbsolute(path)) return path // a URL, or a label
    const local = relative(this.process.cwd(), path)
    return local !== '' && !local.startsWith('..') && !isAbsolute(local) ? local : path
  }

  /** Prints a line of human output (never with `--json`: stdout is the document's). */
  print(text: SafeText = safe('')): void {
    if (this.json) return
    this.process.stdout.write(`${text.text}\n`)
  }

  /** Writes the one JSON document of `--json` (a second one is a bug and is dropped). */
  document(document: object): void {
    if (this.#documentWritten) return
    this.#documentWritten = true
    this.process.stdout.write(jsonText(document))
  }

  get documentWritten(): boolean {
    return this.#documentWritten
  }

  warn(message: string): void {
    this.process.stderr.write(`${this.err.yellow('warning:').text} ${escapeForTerminal(message)}\n`)
  }

  /** Prints an error as one line on stderr (plus its stack with --verbose) and sets exit code 1. */
  error(error: GloriousMigrateError | Error): void {
    this.process.stderr.write(`${this.err.red('error:').text} ${escapeForTerminal(error.message)}\n`)
    if (this.verbose) {
      this.process.stderr.write(`${stackText(error)}\n`)
      if (error.cause instanceof Error) this.process.stderr.write(`caused by: ${stackText(error.cause)}\n`)
    }
    this.exitCode = Math.max(this.exitCode, 1)
  }

  /**
   * The `--json` document for a command that ended with an error before it wrote its own:
   * `{ "ok": false, "error": { code, message, skill, file } }`.
   */
  failureDocument(error: GloriousMigrateError | Error, facts: Readonly<Record<string, unknown>> = {}): void {
    if (this.json) this.document({ ok: false, ...facts, error: jsonError(error) })
  }
}

/** A stack trace with its message escaped like any data, and its frames one per line. */
function stackText(error: Error): string {
  const stack = error.stack ?? `${error.name}: ${error.message}`
  const head = `${error.name}: ${error.message}`
  const frames = stack.startsWith(head) ? stack.slice(head.length) : `\n${stack}`
  return [
    escapeForTerminal(head),
    ...frames
      .split('\n')
      .filter((frame) => frame !== '')
      .map((frame) => escapeForTerminal(frame, { tabs: true })),
  ].join('\n')
}

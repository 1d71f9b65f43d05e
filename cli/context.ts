import { isAbsolute, relative } from 'node:path'
import type { DatabaseOptions, GloriousMigrateError } from '../lib/index.js'
import { resolveDatabasePath, resolveSkillsRoots } from '../lib/index.js'
import { type Style, createStyle } from './print/style.js'

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
  readonly agent?: string | undefined
  readonly skills?: readonly string[] | undefined
  readonly lockTimeout?: number | undefined
  readonly loadExtension?: readonly string[] | undefined
  readonly journalMode?: 'wal' | 'delete' | undefined
  readonly maxFileSize?: number | undefined
  readonly verbose?: boolean | undefined
  readonly json?: boolean | undefined
}

/** What a command handler gets: where to print and how to turn flags into library options. */
export class CliContext {
  readonly process: CliProcess
  readonly out: Style
  readonly err: Style
  exitCode = 0

  constructor(cliProcess: CliProcess) {
    this.process = cliProcess
    this.out = createStyle(Boolean(cliProcess.stdout.isTTY), cliProcess.env)
    this.err = createStyle(Boolean(cliProcess.stderr.isTTY), cliProcess.env)
  }

  /** Library options for the database (flag > env > default, resolved by the library). */
  databaseOptions(args: GlobalArgs): DatabaseOptions & { readonly maxFileBytes?: number | undefined } {
    return {
      maxFileBytes: args.maxFileSize,
      database: args.db,
      agent: args.agent,
      lockTimeoutMs: args.lockTimeout,
      extensions: args.loadExtension,
      journalMode: args.journalMode,
      env: this.process.env,
    }
  }

  databasePath(args: GlobalArgs): string {
    return resolveDatabasePath(this.databaseOptions(args)).path
  }

  skillsRoots(args: GlobalArgs): readonly string[] {
    return resolveSkillsRoots({ skills: args.skills, env: this.process.env, cwd: this.process.cwd() })
  }

  /** A path as users like to read it: relative when it is inside the working folder. */
  shown(path: string): string {
    const local = relative(this.process.cwd(), path)
    return local !== '' && !local.startsWith('..') && !isAbsolute(local) ? local : path
  }

  print(line = ''): void {
    this.process.stdout.write(`${line}\n`)
  }

  warn(message: string): void {
    this.process.stderr.write(`${this.err.yellow('warning:')} ${message}\n`)
  }

  /** Prints an error as one line (plus its stack with --verbose) and sets exit code 1. */
  error(error: GloriousMigrateError | Error, args?: GlobalArgs): void {
    this.process.stderr.write(`${this.err.red('error:')} ${error.message}\n`)
    if (args?.verbose) {
      this.process.stderr.write(`${error.stack ?? ''}\n`)
      if (error.cause instanceof Error)
        this.process.stderr.write(`caused by: ${error.cause.stack ?? error.cause.message}\n`)
    }
    this.exitCode = Math.max(this.exitCode, 1)
  }
}

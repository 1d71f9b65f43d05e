import yargs, { type Argv } from 'yargs'
import { GloriousMigrateError, InvalidOptionError, SkillError, UnexpectedError } from '../lib/index.js'
// The entry points turn the driver code cache on for the CLI's own process (runCli runs in tests).
export { enableDriverCodeCache } from '../lib/index.js'
import { codegenCommand } from './commands/codegen.js'
import { createCommand } from './commands/create.js'
import { historyCommand } from './commands/history.js'
import { reloadCommand } from './commands/reload.js'
import { rollbackCommand } from './commands/rollback.js'
import { baselineCommand } from './commands/baseline.js'
import { acceptCommand } from './commands/accept.js'
import { driftCommand } from './commands/drift.js'
import { runCommand } from './commands/run.js'
import { statusCommand } from './commands/status.js'
import { verifyCommand } from './commands/verify.js'
import { lintCommand } from './commands/lint.js'
import { CliContext, type CliProcess, type GlobalArgs } from './context.js'
import { checkOptionValues, choicesOf } from './options.js'
import { line } from './print/safe.js'
import { UsageError, usageMessage } from './usage-error.js'
import { packageVersion } from './version.js'

const COMMANDS = 'create, run, status, history, rollback, baseline, accept, verify, lint, drift, reload, codegen'

/**
 * Runs `glorious …` with the given arguments and returns the exit code: 0 ok, 1 a migration or
 * validation problem, 2 a usage error. Never calls process.exit, so it can run in tests.
 */
export async function runCli(argv: readonly string[], cliProcess: CliProcess): Promise<number> {
  // A reader that stops early (`| head -1`) costs the rest of the output, not the command (EPIPE).
  // Any other failure to write stdout (a full disk, an I/O error) is reported once the command
  // has finished — never thrown in the middle of a run — and makes the exit code 1: a script that
  // reads the output must not take a cut-off report or JSON document for a whole one.
  let outputFailure: NodeJS.ErrnoException | undefined
  const onOutputError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') outputFailure ??= error
  }
  cliProcess.stdout.on('error', onOutputError)
  let code: number
  try {
    code = await runCommandLine(argv, cliProcess)
    // A write's error is emitted on a later tick (stdout to a file is written synchronously).
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    cliProcess.stdout.removeListener('error', onOutputError)
  }
  if (outputFailure === undefined) return code
  const reason = outputFailure.code ?? outputFailure.message
  cliProcess.stderr.write(
    `error: cannot write to standard output (${reason}): the output is incomplete, though the command ran to its end; check where the output goes (a full disk?)\n`,
  )
  return Math.max(code, 1)
}

async function runCommandLine(argv: readonly string[], cliProcess: CliProcess): Promise<number> {
  const ctx = new CliContext(cliProcess, { json: asksForJson(argv), verbose: argv.includes('--verbose') })
  const parser = yargs([...argv])
    .scriptName('glorious')
    .usage('Usage: $0 migrate <command> [options]')
    .command('migrate', 'Versioned SQL migrations for skills', (migrate: Argv) =>
      withGlobalOptions(migrate)
        .check((parsed) => {
          checkOptionValues(parsed, argv)
          return true
        }, true)
        .command(createCommand(ctx))
        .command(runCommand(ctx))
        .command(statusCommand(ctx))
        .command(historyCommand(ctx))
        .command(rollbackCommand(ctx))
        .command(baselineCommand(ctx))
        .command(acceptCommand(ctx))
        .command(verifyCommand(ctx))
        .command(lintCommand(ctx))
        .command(driftCommand(ctx))
        .command(reloadCommand(ctx))
        .command(codegenCommand(ctx))
        .demandCommand(1, `name a migrate command: ${COMMANDS}`),
    )
    .demandCommand(1, 'name a command: glorious migrate <command>')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version('version', 'Show the version of glorious-migrate', packageVersion())
    .wrap(Math.min(110, cliProcess.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message: string | null, error: Error | undefined) => {
      // Throwing stops yargs; otherwise it would run the handler after reporting the problem.
      throw error ?? new UsageError(usageMessage(message ?? 'invalid command line', argv))
    })
  skipHelpCache(parser)
  try {
    await parser.parseAsync()
  } catch (error) {
    return report(ctx, error)
  }
  if (ctx.json && !ctx.documentWritten && !asksForHelp(argv)) {
    // Every path of --json ends with one document; a command that printed none has nothing to say.
    ctx.document({ ok: ctx.exitCode === 0, error: null })
  }
  return ctx.exitCode
}

/**
 * yargs renders the full help text of every command it runs (a tenth of a no-op `migrate run`),
 * in case the handler later asks to show help; no handler here does, and `--help` renders its
 * own text when asked.
 */
function skipHelpCache(parser: Argv): void {
  const internals = (
    parser as unknown as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?(): void } } }
  )
    .getInternalMethods?.()
    .getUsageInstance?.()
  if (internals?.cacheHelpMessage) internals.cacheHelpMessage = () => undefined
}

/** `--json` anywhere before `--` (the parser may not get far enough to say). */
function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some(
    (arg) => arg === '--json' || (arg.startsWith('--json=') && !/^--json=(false|0|no)$/i.test(arg)),
  )
}

function asksForHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

function withGlobalOptions(migrate: Argv): Argv<GlobalArgs> {
  return migrate
    .option('db', {
      type: 'string',
      describe: 'SQLite database file (env GLORIOUS_DB; default ~/.glorious/agents/<agent>/agent.db)',
    })
    .option('url', {
      type: 'string',
      describe:
        'Server database: postgres://, postgresql://, mysql:// or mariadb:// (env GLORIOUS_DATABASE_URL, then DATABASE_URL)',
    })
    .option('schema', {
      type: 'string',
      describe: 'PostgreSQL schema of the ledger and default search_path (default public)',
    })
    .option('agent', {
      type: 'string',
      describe: 'Agent whose default database to use (env GLORIOUS_AGENT; default "default")',
    })
    .option('skills', {
      type: 'string',
      array: true,
      describe: 'Skills folder, repeatable (env GLORIOUS_SKILLS; default ./skills and ~/.glorious/skills)',
    })
    .option('lock-timeout', { type: 'number', describe: 'Milliseconds to wait for another migrator (default 60000)' })
    .option('statement-lock-timeout', {
      type: 'number',
      describe:
        'Server databases: milliseconds a migration statement may wait for a table lock before its migration is retried; 0 = no limit (default 5000)',
    })
    .option('lock-retries', {
      type: 'number',
      describe: 'Server databases: retries of a migration that hit a lock timeout or deadlock (default 5)',
    })
    .option('load-extension', {
      type: 'string',
      array: true,
      describe: 'SQLite extension to load into the connection, repeatable',
    })
    .option('max-file-size', { type: 'number', describe: 'Largest migration file in bytes (default 16 MiB)' })
    .option('journal-mode', {
      type: 'string',
      describe: `Journal mode for a database this command creates: ${choicesOf('journal-mode')} (default wal)`,
    })
    .option('verbose', { type: 'boolean', describe: 'Print stack traces with errors' }) as Argv<GlobalArgs>
}

function report(ctx: CliContext, error: unknown): number {
  if (error instanceof UsageError) {
    ctx.failureDocument(error)
    ctx.process.stderr.write(
      `${line`${ctx.err.red('error:')} ${error.message}`.text} (see "glorious migrate --help")\n`,
    )
    return 2
  }
  if (error instanceof GloriousMigrateError || error instanceof SkillError) {
    ctx.failureDocument(error)
    ctx.error(error)
    return error instanceof InvalidOptionError ? 2 : Math.max(ctx.exitCode, 1)
  }
  const message = error instanceof Error ? error.message : String(error)
  const unexpected = new UnexpectedError(
    `unexpected error: ${message}${ctx.verbose ? '' : ' (run with --verbose for details)'}`,
    { cause: error },
  )
  ctx.failureDocument(unexpected)
  ctx.error(unexpected)
  return 1
}

import yargs, { type Argv } from 'yargs'
import { GloriousMigrateError, InvalidOptionError, SkillError } from '../lib/index.js'
import { codegenCommand } from './commands/codegen.js'
import { createCommand } from './commands/create.js'
import { historyCommand } from './commands/history.js'
import { reloadCommand } from './commands/reload.js'
import { rollbackCommand } from './commands/rollback.js'
import { runCommand } from './commands/run.js'
import { statusCommand } from './commands/status.js'
import { verifyCommand } from './commands/verify.js'
import { CliContext, type CliProcess, type GlobalArgs } from './context.js'
import { UsageError } from './usage-error.js'
import { packageVersion } from './version.js'

const COMMANDS = 'create, run, status, history, rollback, verify, reload, codegen'

/**
 * Runs `glorious …` with the given arguments and returns the exit code: 0 ok, 1 a migration or
 * validation problem, 2 a usage error. Never calls process.exit, so it can run in tests.
 */
export async function runCli(argv: readonly string[], cliProcess: CliProcess): Promise<number> {
  const ctx = new CliContext(cliProcess)
  const parser = yargs([...argv])
    .scriptName('glorious')
    .usage('Usage: $0 migrate <command> [options]')
    .command('migrate', 'Versioned SQL migrations for skills', (migrate: Argv) =>
      withGlobalOptions(migrate)
        .command(createCommand(ctx))
        .command(runCommand(ctx))
        .command(statusCommand(ctx))
        .command(historyCommand(ctx))
        .command(rollbackCommand(ctx))
        .command(verifyCommand(ctx))
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
      throw error ?? new UsageError(message ?? 'invalid command line')
    })
  try {
    await parser.parseAsync()
  } catch (error) {
    return report(ctx, error, argv)
  }
  return ctx.exitCode
}

function withGlobalOptions(migrate: Argv): Argv<GlobalArgs> {
  return migrate
    .option('db', {
      type: 'string',
      describe: 'Database file (env GLORIOUS_DB; default ~/.glorious/agents/<agent>/agent.db)',
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
    .option('load-extension', {
      type: 'string',
      array: true,
      describe: 'SQLite extension to load into the connection, repeatable',
    })
    .option('max-file-size', { type: 'number', describe: 'Largest migration file in bytes (default 16 MiB)' })
    .option('journal-mode', {
      choices: ['wal', 'delete'] as const,
      describe: 'Journal mode for a database this command creates (default wal)',
    })
    .option('verbose', { type: 'boolean', describe: 'Print stack traces with errors' }) as Argv<GlobalArgs>
}

function report(ctx: CliContext, error: unknown, argv: readonly string[]): number {
  const verbose = argv.includes('--verbose')
  if (error instanceof UsageError) return usage(ctx, error.message)
  if (error instanceof InvalidOptionError) {
    ctx.error(error, { verbose })
    return 2
  }
  if (error instanceof GloriousMigrateError || error instanceof SkillError) {
    ctx.error(error, { verbose })
    return Math.max(ctx.exitCode, 1)
  }
  const unexpected = error instanceof Error ? error : new Error(String(error))
  ctx.error(
    new Error(`unexpected error: ${unexpected.message}${verbose ? '' : ' (run with --verbose for details)'}`, {
      cause: unexpected,
    }),
    {
      verbose,
    },
  )
  return 1
}

function usage(ctx: CliContext, message: string): number {
  ctx.process.stderr.write(`${ctx.err.red('error:')} ${message} (see "glorious migrate --help")\n`)
  return 2
}

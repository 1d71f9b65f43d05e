import type { Argv, CommandModule } from 'yargs'
import { ROLLBACK_WARNING, previewRollback, rollbackMigrations } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { line } from '../print/safe.js'
import { UsageError } from '../usage-error.js'

interface RollbackArgs extends GlobalArgs {
  readonly skill: string
  readonly to?: number
  readonly steps?: number
  readonly yes?: boolean
}

export function rollbackCommand(ctx: CliContext): CommandModule<GlobalArgs, RollbackArgs> {
  return {
    command: 'rollback <skill>',
    describe: 'Remove ledger rows of a skill (the schema is NOT undone)',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', demandOption: true })
        .option('to', {
          type: 'number',
          describe: 'Keep this version and below; remove the rows above (0 removes all)',
        })
        .option('steps', { type: 'number', describe: 'Remove the newest N rows (default 1)' })
        .conflicts('to', 'steps')
        .option('yes', { type: 'boolean', alias: 'y', describe: 'Do not ask for confirmation' })
        .example('$0 migrate rollback notes --to 3 --yes', 'Forget versions above 3; they run again on the next load')
        .example(
          '$0 migrate rollback notes --steps 1',
          'Forget the newest migration (asks first)',
        ) as Argv<RollbackArgs>,
    handler: async (args) => {
      const options = { ...ctx.databaseOptions(args), skill: args.skill, to: args.to, steps: args.steps }
      const rows = await previewRollback(options)
      if (rows.length === 0) {
        ctx.print(line`Nothing to roll back for skill "${args.skill}"`)
        return
      }
      ctx.warn(ROLLBACK_WARNING)
      for (const row of rows)
        ctx.print(
          line`  ${args.skill} ${row.filename} (version ${String(row.version)}, applied ${String(row.appliedAt)})`,
        )
      if (!args.yes) {
        if (!ctx.process.stdin.isTTY) {
          throw new UsageError('rollback needs confirmation and there is no terminal to ask: pass --yes')
        }
        const { createInterface } = await import('node:readline/promises') // only when asking
        const prompt = createInterface({ input: ctx.process.stdin, output: ctx.process.stderr })
        const answer = await prompt.question(
          line`Remove ${plural(rows.length, 'ledger row')} of skill "${args.skill}"? [y/N] `.text,
        )
        prompt.close()
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.print(line`Rollback cancelled; nothing was changed`)
          return
        }
      }
      const result = await rollbackMigrations({ ...options, expected: rows })
      ctx.print(
        line`Removed ${plural(result.removed.length, 'ledger row')} of skill "${args.skill}": ${result.removed.map((r) => String(r.filename)).join(', ')}`,
      )
    },
  }
}

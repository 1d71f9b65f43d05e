import type { Argv, CommandModule } from 'yargs'
import { loadSkill } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { printRun } from '../print/run-report.js'
import { line } from '../print/safe.js'
import { skillByName } from '../targets.js'
import { TYPES_FLAGS, type TypesFlags, typesOptions } from '../types-flags.js'
import { stopwatch } from '../print/stopwatch.js'

interface ReloadArgs extends GlobalArgs, TypesFlags {
  readonly skill: string
  readonly allowOutOfOrder?: boolean
  readonly allowMissing?: boolean
}

export function reloadCommand(ctx: CliContext): CommandModule<GlobalArgs, ReloadArgs> {
  return {
    command: 'reload <skill>',
    describe:
      'Load a skill again as the agent does: apply its pending migrations (or legacy schema.sql), then generate its types',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', demandOption: true })
        .options(TYPES_FLAGS)
        .option('allow-out-of-order', {
          type: 'boolean',
          describe: 'Apply pending files numbered below the highest applied version',
        })
        .option('allow-missing', { type: 'boolean', describe: 'Proceed although an applied file is gone' })
        .example(
          '$0 migrate reload my_skill',
          'After adding a migration, apply it as the next agent start would',
        ) as Argv<ReloadArgs>,
    handler: async (args) => {
      // reload takes no --dir: the skill is always found by name.
      const skill = skillByName(ctx, args, args.skill, false)
      const elapsed = stopwatch()
      const result = await loadSkill(skill.root, {
        ...ctx.databaseOptions(args),
        allowMissing: args.allowMissing,
        allowOutOfOrder: args.allowOutOfOrder,
        codegen: typesOptions(args),
      })
      if (result.kind === 'none' && !result.error) {
        ctx.print(line`Skill "${skill.name}" has no migrations/ folder and no schema.sql: nothing to do`)
        return
      }
      // A legacy schema.sql is executed, not migrated: the summary says so (never "0 skills up to date").
      const done =
        result.kind === 'legacy-schema' && skill.schemaFile
          ? `Executed the legacy ${ctx.shown(skill.schemaFile)}`
          : undefined
      printRun(ctx, result, ctx.databasePath(args), elapsed(), 0, done)
      if (result.error) ctx.exitCode = 1
    },
  }
}

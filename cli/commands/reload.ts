import type { Argv, CommandModule } from 'yargs'
import { findSkill, loadSkill } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { printRun } from '../print/run-report.js'
import { TYPES_FLAGS, type TypesFlags, typesOptions } from '../types-flags.js'

interface ReloadArgs extends GlobalArgs, TypesFlags {
  readonly skill: string
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
        .example(
          '$0 migrate reload my_skill',
          'After adding a migration, apply it as the next agent start would',
        ) as Argv<ReloadArgs>,
    handler: async (args) => {
      const skill = findSkill(ctx.skillsRoots(args), args.skill)
      const started = performance.now()
      const result = await loadSkill(skill.root, { ...ctx.databaseOptions(args), codegen: typesOptions(args) })
      if (result.kind === 'none') {
        ctx.print(`Skill "${skill.name}" has no migrations/ folder and no schema.sql: nothing to do`)
        return
      }
      if (result.kind === 'legacy-schema' && !result.error) ctx.print(`Executed the legacy ${skill.schemaFile}`)
      printRun(ctx, result, ctx.databasePath(args), performance.now() - started, Boolean(args.verbose))
    },
  }
}

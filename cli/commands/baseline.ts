import type { Argv, CommandModule } from 'yargs'
import { baselineSkill } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { line } from '../print/safe.js'
import { selectSkills } from '../targets.js'

interface BaselineArgs extends GlobalArgs {
  readonly skill: string
  readonly dir?: string
  readonly to: number
}

export function baselineCommand(ctx: CliContext): CommandModule<GlobalArgs, BaselineArgs> {
  return {
    command: 'baseline <skill>',
    describe:
      "Adopt a database made outside the toolkit: record a skill's versions 1-N as applied without running them",
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', demandOption: true })
        .option('to', { type: 'number', demandOption: true, describe: 'Record versions up to and including this one' })
        .option('dir', {
          type: 'string',
          describe: "The skill's migrations folder (instead of finding the skill by name)",
        })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example(
          '$0 migrate baseline notes --to 3',
          'The schema of versions 1-3 is already there: record them, run the rest',
        ) as Argv<BaselineArgs>,
    handler: async (args) => {
      const [skill] = selectSkills(ctx, args).skills
      if (!skill) return
      const result = await baselineSkill({
        ...ctx.databaseOptions(args),
        skill: skill.name,
        migrationsDir: skill.migrationsDir,
        to: args.to,
      })
      const database = ctx.databasePath(args)
      for (const warning of result.warnings) ctx.warn(warning)
      if (ctx.json) {
        ctx.document({
          ok: true,
          database,
          skill: result.skill,
          recorded: result.recorded.map((row) => ({
            version: row.version,
            filename: row.filename,
            checksum: row.checksum,
          })),
          owned: result.owned,
          warnings: result.warnings,
          error: null,
        })
        return
      }
      for (const row of result.recorded) ctx.print(line`baselined  ${result.skill}  ${row.filename}`)
      ctx.print(
        line`Recorded ${plural(result.recorded.length, 'migration')} of skill "${result.skill}" as applied without running them; ${plural(result.owned.length, 'table and view', 'tables and views')} recorded as its own (${ctx.shown(database)})`,
      )
    },
  }
}

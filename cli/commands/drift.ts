import type { Argv, CommandModule } from 'yargs'
import { detectDrift } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { SafeText, escapeForTerminal, line } from '../print/safe.js'

interface DriftArgs extends GlobalArgs {
  readonly skill?: string
}

export function driftCommand(ctx: CliContext): CommandModule<GlobalArgs, DriftArgs> {
  return {
    command: 'drift [skill]',
    describe:
      "Replay the applied migrations into a scratch database and show how each skill's live tables and views differ (exit 1 on drift)",
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', describe: "Only this skill's objects" })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example('$0 migrate drift', 'Every skill: exit 1 when the live schema is not what the migrations make')
        .example('$0 migrate drift notes --json', 'One skill, machine-readable') as Argv<DriftArgs>,
    handler: async (args) => {
      const search = ctx.searchSkills(args)
      const report = await detectDrift({ ...ctx.databaseOptions(args), skills: search.skills, skill: args.skill })
      for (const warning of report.warnings) ctx.warn(warning)
      if (ctx.json) {
        ctx.document({
          ok: !report.drifted,
          database: report.database,
          drifted: report.drifted,
          skills: report.skills.map((skill) => ({
            skill: skill.skill,
            drifted: skill.drift.length > 0,
            objects: skill.objects,
            drift: skill.drift,
          })),
          warnings: report.warnings,
          error: null,
        })
      } else {
        for (const skill of report.skills) {
          if (skill.drift.length === 0) {
            ctx.print(
              line`${skill.skill}: no drift (${plural(skill.objects.length, 'table or view', 'tables and views')} compared)`,
            )
            continue
          }
          ctx.print(line`${skill.skill}: drift in ${plural(skill.drift.length, 'object')}`)
          for (const object of skill.drift) {
            for (const difference of object.differences) ctx.print(line`  ${difference}`)
            // A diff shows definitions from the database: each line escaped like any data, tabs kept.
            for (const diffLine of object.diff.replace(/\n$/, '').split('\n'))
              ctx.print(new SafeText(`    ${escapeForTerminal(diffLine, { tabs: true })}`))
          }
        }
        const drifted = report.skills.filter((skill) => skill.drift.length > 0).length
        ctx.print(
          line`${drifted === 0 ? 'No drift' : `Drift in ${drifted} of ${plural(report.skills.length, 'skill')}`}: migrations replayed into ${report.scratch}, since removed (${ctx.shown(report.database)})`,
        )
      }
      if (report.drifted) ctx.exitCode = Math.max(ctx.exitCode, 1)
    },
  }
}

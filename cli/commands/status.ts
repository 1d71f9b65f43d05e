import type { Argv, CommandModule } from 'yargs'
import { type SkillStatus, discoverSkills, getStatus } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { jsonError, writeJson } from '../print/json.js'
import { type Cell, boxTable, plainTable } from '../print/table.js'

interface StatusArgs extends GlobalArgs {
  readonly skill?: string
}

const STATE_TEXT: Record<SkillStatus['state'], string> = {
  ok: 'ok',
  pending: 'pending',
  'checksum-mismatch': 'checksum mismatch',
  'missing-file': 'missing file',
  'out-of-order': 'out of order',
  'invalid-files': 'invalid files',
  'not-found': 'skill not found',
  partial: 'stopped part way (resumes)',
}

export function statusCommand(ctx: CliContext): CommandModule<GlobalArgs, StatusArgs> {
  return {
    command: 'status',
    describe: 'Show each skill: highest applied version, applied and pending counts, state',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .option('skill', { type: 'string', describe: 'Only this skill' })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of a table' })
        .example('$0 migrate status', 'Every skill in the ledger and in the skills folders')
        .example('$0 migrate status --skill notes --json', 'One skill, machine-readable') as Argv<StatusArgs>,
    handler: async (args) => {
      const skills = discoverSkills(ctx.skillsRoots(args))
      const statuses = await getStatus({ ...ctx.databaseOptions(args), skills, skill: args.skill })
      const database = ctx.databasePath(args)
      if (args.json) {
        writeJson(ctx.process.stdout, {
          database,
          skills: statuses.map((s) => ({
            skill: s.skill,
            version: s.version,
            migrations: s.migrations,
            pending: s.pending,
            state: s.state,
            problems: s.problems.map(jsonError),
          })),
        })
      } else if (statuses.length === 0) {
        ctx.print(`No skills with migrations (${database})`)
      } else {
        const rows: Cell[][] = statuses.map((s) => [
          s.skill,
          String(s.version),
          String(s.migrations),
          String(s.pending),
          STATE_TEXT[s.state],
        ])
        const header = ['Skill', 'Version', 'Migrations', 'Pending', 'State']
        ctx.print(ctx.process.stdout.isTTY ? boxTable(header, rows) : plainTable(header, rows))
        for (const status of statuses)
          for (const problem of status.problems) ctx.print(`  ${status.skill}: ${problem.message}`)
      }
      if (statuses.some((s) => s.problems.length > 0)) ctx.exitCode = 1
    },
  }
}

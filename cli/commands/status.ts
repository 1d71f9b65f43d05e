import type { Argv, CommandModule } from 'yargs'
import { type SkillStatus, SkillNotFoundError, getStatus } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { jsonError } from '../print/json.js'
import { line } from '../print/safe.js'
import { type Cell, boxTable, plainTable } from '../print/table.js'

interface StatusArgs extends GlobalArgs {
  readonly skill?: string
  readonly allowOutOfOrder?: boolean
  readonly allowMissing?: boolean
  readonly drift?: boolean
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
  drifted: 'schema drift',
}

export function statusCommand(ctx: CliContext): CommandModule<GlobalArgs, StatusArgs> {
  return {
    command: 'status',
    describe: 'Show each skill: highest applied version, applied and pending counts, state',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .option('skill', { type: 'string', describe: 'Only this skill' })
        .option('allow-out-of-order', {
          type: 'boolean',
          describe: 'Do not report pending files below the highest applied version',
        })
        .option('allow-missing', { type: 'boolean', describe: 'Do not report applied files that are gone' })
        .option('drift', {
          type: 'boolean',
          describe:
            "Compare each skill's tables and views with the fingerprint recorded after its last run (default; --no-drift skips it)",
        })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of a table' })
        .example('$0 migrate status', 'Every skill in the ledger and in the skills folders')
        .example('$0 migrate status --skill notes --json', 'One skill, machine-readable') as Argv<StatusArgs>,
    handler: async (args) => {
      const search = ctx.searchSkills(args)
      const statuses = await getStatus({
        ...ctx.databaseOptions(args),
        skills: search.skills,
        skill: args.skill,
        allowMissing: args.allowMissing,
        allowOutOfOrder: args.allowOutOfOrder,
        drift: args.drift,
      })
      const database = ctx.databasePath(args)
      // With --skill, folders that could not be read matter only when the skill was not found:
      // it may be one of them.
      const problems = args.skill === undefined || statuses.length === 0 ? search.problems : []
      if (args.skill !== undefined && statuses.length === 0) {
        throw new SkillNotFoundError(args.skill, search.roots, { suggestDir: false, problems })
      }
      const first = problems[0] ?? statuses.find((s) => s.problems.length > 0)?.problems[0]
      const failed = first !== undefined
      if (ctx.json) {
        ctx.document({
          ok: !failed,
          database,
          skills: statuses.map((s) => ({
            skill: s.skill,
            version: s.version,
            migrations: s.migrations,
            pending: s.pending,
            state: s.state,
            drift: s.drift,
            problems: s.problems.map(jsonError),
          })),
          problems: problems.map(jsonError),
          error: first ? jsonError(first) : null,
        })
      } else if (statuses.length === 0) {
        const folders = search.roots.map((root) => ctx.shown(root)).join(', ')
        ctx.print(line`No skills found in ${folders}, and none in the ledger (${ctx.shown(database)})`)
      } else {
        const rows: Cell[][] = statuses.map((s) => [
          s.skill,
          String(s.version),
          String(s.migrations),
          String(s.pending),
          stateText(s),
        ])
        const header = ['Skill', 'Version', 'Migrations', 'Pending', 'State']
        ctx.print(ctx.process.stdout.isTTY ? boxTable(header, rows) : plainTable(header, rows))
        for (const status of statuses)
          for (const problem of status.problems) ctx.print(line`  ${status.skill}: ${problem.message}`)
      }
      for (const problem of problems) ctx.error(problem)
      if (failed) ctx.exitCode = 1
    },
  }
}

/** The state as shown; a migration stopped part way says where: "failed at statement k of n (file)". */
function stateText(status: SkillStatus): string {
  const stopped = status.details.find((m) => m.status === 'partial' && m.progress !== undefined)
  if (status.state !== 'partial' || !stopped?.progress) return STATE_TEXT[status.state]
  const { applied, total, error } = stopped.progress
  return `${error === null ? 'interrupted' : 'failed'} at statement ${applied + 1} of ${total} (${stopped.filename}; resumes)`
}

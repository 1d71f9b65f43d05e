import type { Argv, CommandModule } from 'yargs'
import { getHistory } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { duration } from '../print/format.js'
import { line } from '../print/safe.js'
import { boxTable, plainTable } from '../print/table.js'

interface HistoryArgs extends GlobalArgs {
  readonly skill?: string
  readonly limit?: number
}

export function historyCommand(ctx: CliContext): CommandModule<GlobalArgs, HistoryArgs> {
  return {
    command: 'history',
    describe: 'List applied migrations, newest first',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .option('skill', { type: 'string', describe: 'Only this skill' })
        .option('limit', { type: 'number', describe: 'At most this many rows' })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of a table' })
        .example(
          '$0 migrate history --skill issues --limit 10',
          'The ten latest migrations of "issues"',
        ) as Argv<HistoryArgs>,
    handler: async (args) => {
      const rows = await getHistory({ ...ctx.databaseOptions(args), skill: args.skill, limit: args.limit })
      const database = ctx.databasePath(args)
      if (ctx.json) {
        ctx.document({
          ok: true,
          database,
          migrations: rows.map((row) => ({
            appliedAt: row.appliedAt,
            skill: row.skill,
            version: row.version,
            filename: row.filename,
            checksum: row.checksum,
            durationMs: row.durationMs,
          })),
          error: null,
        })
        return
      }
      if (rows.length === 0) {
        ctx.print(
          args.skill === undefined
            ? line`No migrations applied (${ctx.shown(database)})`
            : line`No migrations applied for skill "${args.skill}" (${ctx.shown(database)})`,
        )
        return
      }
      const header = ['Applied at', 'Skill', 'Version', 'File', 'Checksum', 'Duration']
      const cells = rows.map((row) => [
        row.appliedAt,
        row.skill,
        { text: String(row.version), align: 'right' as const },
        row.filename,
        String(row.checksum).slice(0, 12),
        { text: row.durationMs === null ? '-' : duration(row.durationMs), align: 'right' as const },
      ])
      ctx.print(ctx.process.stdout.isTTY ? boxTable(header, cells) : plainTable(header, cells))
    },
  }
}

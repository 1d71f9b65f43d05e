import type { Argv, CommandModule } from 'yargs'
import { getHistory } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { duration } from '../print/format.js'
import { writeJson } from '../print/json.js'
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
      if (args.json) {
        writeJson(ctx.process.stdout, {
          database,
          migrations: rows.map((row) => ({
            appliedAt: row.appliedAt,
            skill: row.skill,
            version: row.version,
            filename: row.filename,
            checksum: row.checksum,
            durationMs: row.durationMs,
          })),
        })
        return
      }
      if (rows.length === 0) {
        ctx.print(`No migrations applied${args.skill ? ` for skill "${args.skill}"` : ''} (${database})`)
        return
      }
      const header = ['Applied at', 'Skill', 'Version', 'File', 'Checksum', 'Duration']
      const cells = rows.map((row) => [
        row.appliedAt,
        row.skill,
        { text: String(row.version), align: 'right' as const },
        row.filename,
        row.checksum.slice(0, 12),
        { text: row.durationMs === null ? '-' : duration(row.durationMs), align: 'right' as const },
      ])
      ctx.print(ctx.process.stdout.isTTY ? boxTable(header, cells) : plainTable(header, cells))
    },
  }
}

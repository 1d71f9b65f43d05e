import type { Argv, CommandModule } from 'yargs'
import { type LedgerEvent, type LedgerRow, getEvents, getHistory } from '../../lib/index.js'
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
      const options = { ...ctx.databaseOptions(args), skill: args.skill, limit: args.limit }
      const rows = await getHistory(options)
      const events = await getEvents(options)
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
            status: row.status,
            source: row.source,
            progress: row.progress && {
              applied: row.progress.applied,
              total: row.progress.total,
              error: row.progress.error,
            },
          })),
          events: events.map((event) => ({ ...event })),
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
      // The Note column appears only when some row has one, so a plain history stays narrow.
      const notes = rows.map(noteOf)
      const withNotes = notes.some((note) => note !== '')
      const header = ['Applied at', 'Skill', 'Version', 'File', 'Checksum', 'Duration', ...(withNotes ? ['Note'] : [])]
      const cells = rows.map((row, index) => [
        row.appliedAt,
        row.skill,
        { text: String(row.version), align: 'right' as const },
        row.filename,
        String(row.checksum).slice(0, 12),
        { text: row.durationMs === null ? '-' : duration(row.durationMs), align: 'right' as const },
        ...(withNotes ? [notes[index] ?? ''] : []),
      ])
      ctx.print(ctx.process.stdout.isTTY ? boxTable(header, cells) : plainTable(header, cells))
      if (events.length > 0) {
        ctx.print(line`Audit (newest first):`)
        for (const event of events) ctx.print(line`  ${describeEvent(event)}`)
      }
    },
  }
}

/** What is notable about a ledger row: how it came to be, or how far it got. */
function noteOf(row: LedgerRow): string {
  if (row.status !== 'applied') {
    const at = `${(row.progress?.applied ?? 0) + 1} of ${row.progress?.total ?? '?'}`
    return row.status === 'failed' ? `failed at statement ${at}` : `interrupted at statement ${at}`
  }
  if (row.source === 'baseline') return 'baselined'
  if (row.source === 'resolved') return 'resolved by hand'
  return ''
}

function describeEvent(event: LedgerEvent): string {
  const who = [event.user, event.host].filter((part) => part !== null).join('@') || 'unknown user'
  const what =
    event.event === 'accept'
      ? `edit accepted (${event.change === 'whitespace-and-comments' ? 'comments and whitespace only' : event.change === 'sql' ? 'SQL changed' : 'change unknown'}), checksum ${String(event.oldChecksum).slice(0, 12)} -> ${String(event.newChecksum).slice(0, 12)}`
      : event.event === 'baseline'
        ? `baseline: ${event.detail ?? ''}`
        : event.event === 'resolve-applied'
          ? 'resolved: recorded as applied'
          : event.event === 'resolve-pending'
            ? `resolved: will run again (${event.detail ?? ''})`
            : `resolved: ${event.detail ?? ''}`
  return `${event.at}  ${event.skill} version ${event.version}: ${what}, by ${who}`
}

import type { Argv, CommandModule } from 'yargs'
import { acceptMigration } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { line } from '../print/safe.js'
import { selectSkills } from '../targets.js'
import { UsageError } from '../usage-error.js'

interface AcceptArgs extends GlobalArgs {
  readonly skill: string
  readonly migration: number
  readonly dir?: string
  readonly as?: 'applied' | 'pending'
  readonly through?: number
  readonly yes?: boolean
}

const CHANGE_TEXT = {
  'whitespace-and-comments': 'the edit only touches comments and whitespace',
  sql: 'the edit CHANGES SQL (the database keeps what the old text did)',
  unknown: 'whether the edit changes SQL is unknown (the migration was recorded before SQL checksums were)',
} as const

export function acceptCommand(ctx: CliContext): CommandModule<GlobalArgs, AcceptArgs> {
  return {
    command: 'accept <skill> <migration>',
    describe:
      'Record a deliberate change to an applied migration (an edited file, or a migration stopped part way), with an audit record',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', demandOption: true })
        .positional('migration', { type: 'number', demandOption: true, describe: 'The migration’s version number' })
        .option('dir', {
          type: 'string',
          describe: "The skill's migrations folder (instead of finding the skill by name)",
        })
        .option('as', {
          type: 'string',
          describe:
            'A migration stopped part way (MySQL): applied (finished by hand) or pending (undone: run it again)',
        })
        .option('through', {
          type: 'number',
          describe: 'A migration stopped part way (MySQL): statements 1-N took effect; resume after them',
        })
        .conflicts('as', 'through')
        .option('yes', { type: 'boolean', alias: 'y', describe: 'Do not ask for confirmation' })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example('$0 migrate accept notes 3', 'Record the edited 003_… file’s new checksum (asks first)')
        .example(
          '$0 migrate accept shop 7 --through 4 --yes',
          'Statements 1-4 of shop’s migration 7 took effect',
        ) as Argv<AcceptArgs>,
    handler: async (args) => {
      const [skill] = selectSkills(ctx, args).skills
      if (!skill) return
      if (!args.yes) {
        if (!ctx.process.stdin.isTTY) {
          throw new UsageError(
            'accept changes the ledger and needs confirmation, and there is no terminal to ask: pass --yes',
          )
        }
        const { createInterface } = await import('node:readline/promises') // only when asking
        const prompt = createInterface({ input: ctx.process.stdin, output: ctx.process.stderr })
        const answer = await prompt.question(
          line`Record a deliberate change to migration ${String(args.migration)} of skill "${skill.name}" in the ledger (with an audit record)? [y/N] `
            .text,
        )
        prompt.close()
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.print(line`Accept cancelled; nothing was changed`)
          return
        }
      }
      const result = await acceptMigration({
        ...ctx.databaseOptions(args),
        skill: skill.name,
        migrationsDir: skill.migrationsDir,
        version: args.migration,
        as: args.as,
        through: args.through,
      })
      if (ctx.json) {
        ctx.document({ ok: true, database: ctx.databasePath(args), ...result, error: null })
        return
      }
      const what =
        result.event === 'accept'
          ? line`accepted ${result.skill} ${result.filename}: checksum ${result.oldChecksum.slice(0, 12)} -> ${result.newChecksum.slice(0, 12)}; ${CHANGE_TEXT[result.change ?? 'unknown']}`
          : result.event === 'resolve-applied'
            ? line`resolved ${result.skill} ${result.filename}: recorded as applied`
            : result.event === 'resolve-pending'
              ? line`resolved ${result.skill} ${result.filename}: it runs again from its first statement on the next run`
              : line`resolved ${result.skill} ${result.filename}: statements 1-${String(args.through)} recorded as applied; the next run resumes after them`
      ctx.print(what)
    },
  }
}

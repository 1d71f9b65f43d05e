import type { Argv, CommandModule } from 'yargs'
import { createMigrationFile } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { line } from '../print/safe.js'
import { skillByName } from '../targets.js'

interface CreateArgs extends GlobalArgs {
  readonly skill: string
  readonly description: string
  readonly dir?: string
}

export function createCommand(ctx: CliContext): CommandModule<GlobalArgs, CreateArgs> {
  return {
    command: 'create <skill> <description>',
    describe: 'Write the next numbered migration file from the template',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', demandOption: true, describe: 'The skill the migration belongs to' })
        .positional('description', {
          type: 'string',
          demandOption: true,
          describe: 'What it does, in words ("add user preferences"); letters of any script are kept',
        })
        .option('dir', { type: 'string', describe: "The skill's migrations folder (default: found by skill name)" })
        .example(
          '$0 migrate create notes "add user preferences"',
          'Writes e.g. src/notes/migrations/002_add_user_preferences.sql',
        ) as Argv<CreateArgs>,
    handler: (args) => {
      const migrationsDir = args.dir ?? skillByName(ctx, args, args.skill).migrationsDir
      const created = createMigrationFile({ skill: args.skill, description: String(args.description), migrationsDir })
      ctx.print(line`${ctx.shown(created.path)}`)
    },
  }
}

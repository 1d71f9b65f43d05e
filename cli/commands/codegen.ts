import type { Argv, CommandModule } from 'yargs'
import { StaleTypesError, generateSkillTypes } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { writeJson } from '../print/json.js'
import { selectSkills } from '../targets.js'

interface CodegenArgs extends GlobalArgs {
  readonly skill?: string
  readonly dir?: string
  readonly out?: string
  readonly all?: boolean
  readonly check?: boolean
  readonly camelCase?: boolean
  readonly booleans?: 'number' | 'boolean'
  readonly jsonColumns?: 'string' | 'json'
}

export function codegenCommand(ctx: CliContext): CommandModule<GlobalArgs, CodegenArgs> {
  return {
    command: 'codegen [skill]',
    describe: "Generate each skill's db-types.ts from the database (Kysely table types); --check compares only",
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', describe: 'Only this skill' })
        .option('dir', { type: 'string', describe: "The skill's migrations folder (db-types.ts goes beside it)" })
        .option('out', { type: 'string', describe: 'Write this file instead (one skill, or --all)' })
        .option('all', { type: 'boolean', describe: "Every table of the database, not only the skill's own" })
        .option('check', {
          type: 'boolean',
          describe: 'Write nothing; exit 1 with a diff when a file is stale or missing (for CI)',
        })
        .option('camel-case', { type: 'boolean', describe: "Keys as Kysely's CamelCasePlugin shows them" })
        .option('booleans', {
          choices: ['number', 'boolean'] as const,
          describe: 'Type of BOOLEAN columns (default number: SQLite stores 0/1)',
        })
        .option('json-columns', {
          choices: ['string', 'json'] as const,
          describe: 'Type of JSON columns (default string: the stored text)',
        })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example('$0 migrate codegen', "Regenerate every skill's db-types.ts")
        .example('$0 migrate codegen --check', 'In CI: fail when committed types are out of date')
        .example(
          '$0 migrate codegen --all --out src/db-types.ts',
          'One file for the whole database',
        ) as Argv<CodegenArgs>,
    handler: async (args) => {
      const skills = args.all && args.skill === undefined && args.dir === undefined ? [] : selectSkills(ctx, args)
      const results = await generateSkillTypes({
        ...ctx.databaseOptions(args),
        skills,
        out: args.out,
        all: args.all,
        check: args.check,
        camelCase: args.camelCase,
        booleans: args.booleans,
        json: args.jsonColumns,
      })
      const stale = results.filter((result) => result.status === 'stale' || result.status === 'missing')
      if (args.json) {
        writeJson(ctx.process.stdout, {
          ok: stale.length === 0,
          check: Boolean(args.check),
          files: results.map((result) => ({
            skill: result.skill,
            path: result.path,
            status: result.status,
            tables: result.tables,
            diff: result.diff ?? null,
          })),
        })
      } else {
        for (const result of results) {
          for (const warning of result.warnings ?? []) ctx.warn(warning)
          if (result.diff !== undefined)
            ctx.process.stdout.write(result.diff.endsWith('\n') ? result.diff : `${result.diff}\n`)
          else
            ctx.print(
              `${result.status.padEnd(9)}  ${result.skill}  ${ctx.shown(result.path)}  (${plural(result.tables, 'table')})`,
            )
        }
        if (results.length === 0) ctx.print('No skills to generate types for')
      }
      if (stale.length > 0) {
        throw new StaleTypesError(
          stale.map((result) => ({
            skill: result.skill,
            path: result.path,
            status: result.status as 'stale' | 'missing',
            diff: result.diff ?? '',
          })),
        )
      }
    },
  }
}

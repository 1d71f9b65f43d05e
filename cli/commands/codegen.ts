import type { Argv, CommandModule } from 'yargs'
import { StaleTypesError, generateSkillTypes } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { jsonError } from '../print/json.js'
import { SafeText, escapeForTerminal, line } from '../print/safe.js'
import { type Targets, selectSkills } from '../targets.js'
import { TYPES_FLAGS, type TypesFlags, typesOptions } from '../types-flags.js'

interface CodegenArgs extends GlobalArgs, TypesFlags {
  readonly skill?: string
  readonly dir?: string
  readonly out?: string
  readonly all?: boolean
  readonly check?: boolean
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
        .options(TYPES_FLAGS)
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example('$0 migrate codegen', "Regenerate every skill's db-types.ts")
        .example('$0 migrate codegen --check', 'In CI: fail when committed types are out of date')
        .example('$0 migrate codegen --all --out src/db-types.ts', 'One file for the whole database')
        .epilogue(
          'Each skill keeps its type options in its skill.json, which run, reload and --check all use: ' +
            '{"name": "notes", "codegen": {"camelCase": true, "booleans": "boolean", "json": "json", "integers": "bigint"}}. ' +
            'A flag overrides one for this command only and is not saved (a warning says so).',
        ) as Argv<CodegenArgs>,
    handler: async (args) => {
      const targets: Targets =
        args.all && args.skill === undefined && args.dir === undefined
          ? { skills: [], problems: [] }
          : selectSkills(ctx, args)
      for (const problem of targets.problems) ctx.error(problem)
      const results = await generateSkillTypes({
        ...ctx.databaseOptions(args),
        skills: targets.skills,
        out: args.out,
        all: args.all,
        check: args.check,
        ...typesOptions(args),
      })
      const stale = results.filter((result) => result.status === 'stale' || result.status === 'missing')
      const staleError =
        stale.length > 0
          ? new StaleTypesError(
              stale.map((result) => ({
                skill: result.skill,
                path: result.path,
                status: result.status as 'stale' | 'missing',
                diff: result.diff ?? '',
              })),
            )
          : undefined
      const error = targets.problems[0] ?? staleError
      if (ctx.json) {
        ctx.document({
          ok: error === undefined,
          check: Boolean(args.check),
          files: results.map((result) => ({
            skill: result.skill,
            path: result.path,
            status: result.status,
            tables: result.tables,
            diff: result.diff ?? null,
          })),
          problems: targets.problems.map(jsonError),
          error: error ? jsonError(error) : null,
        })
      } else {
        for (const result of results) {
          for (const warning of result.warnings ?? []) ctx.warn(warning)
          if (result.diff !== undefined) {
            // A diff shows file contents: each line escaped like any data, tabs kept.
            for (const diffLine of result.diff.replace(/\n$/, '').split('\n'))
              ctx.print(new SafeText(escapeForTerminal(diffLine, { tabs: true })))
          } else
            ctx.print(
              line`${result.status.padEnd(9)}  ${result.skill}  ${ctx.shown(result.path)}  (${plural(result.tables, 'table')})`,
            )
        }
      }
      if (targets.problems.length > 0) ctx.exitCode = 1
      if (staleError) throw staleError
    },
  }
}

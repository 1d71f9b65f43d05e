import type { Argv, CommandModule } from 'yargs'
import { InvalidOptionError, type SkillsRunResult, migrateSkills, planDryRun } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { ProgressBar } from '../print/progress.js'
import { dryRunJson, printDryRun, printRun, runJson } from '../print/run-report.js'
import { line } from '../print/safe.js'
import { selectSkills } from '../targets.js'
import { TYPES_FLAGS, type TypesFlags, typesOptions } from '../types-flags.js'
import { stopwatch } from '../print/stopwatch.js'

interface RunArgs extends GlobalArgs, TypesFlags {
  readonly skill?: string
  readonly dir?: string
  readonly to?: number
  readonly dryRun?: boolean
  readonly allowOutOfOrder?: boolean
  readonly allowMissing?: boolean
  readonly codegen?: boolean
  readonly strict?: boolean
}

/** Progress bars appear only on a terminal, and only when this many migrations are pending. */
const PROGRESS_FROM = 20

export function runCommand(ctx: CliContext): CommandModule<GlobalArgs, RunArgs> {
  return {
    command: 'run [skill]',
    describe: 'Apply pending migrations (of every skill found, or of one)',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', describe: 'Only this skill' })
        .option('dir', {
          type: 'string',
          describe: "The skill's migrations folder (instead of finding the skill by name)",
        })
        .option('to', { type: 'number', describe: 'Apply up to and including this version (one skill only)' })
        .option('dry-run', {
          type: 'boolean',
          describe:
            'Print the plan (per migration: how it runs, its statements, the locks they take) and change nothing',
        })
        .option('allow-out-of-order', {
          type: 'boolean',
          describe: 'Apply pending files numbered below the highest applied version',
        })
        .option('allow-missing', { type: 'boolean', describe: 'Proceed although an applied file is gone' })
        .option('codegen', {
          type: 'boolean',
          default: true,
          describe: 'Generate db-types.ts after applying (--no-codegen to skip)',
        })
        .option('strict', {
          type: 'boolean',
          describe:
            'Treat warnings (e.g. an empty migration) as errors and change nothing; types that cannot be written fail the run',
        })
        .options(TYPES_FLAGS)
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example('$0 migrate run', 'Apply everything pending for every skill')
        .example('$0 migrate run notes --dir ./src/notes/migrations', 'Apply one skill from a folder')
        .example('$0 migrate run notes --to 3 --dry-run', 'Show what would run up to version 3') as Argv<RunArgs>,
    handler: async (args) => {
      const { skills, problems } = selectSkills(ctx, args)
      if (args.to !== undefined && skills.length !== 1) {
        throw new InvalidOptionError('--to needs exactly one skill: glorious migrate run <skill> --to <version>')
      }
      const targets = skills.map((skill) => ({
        name: skill.name,
        migrationsDir: skill.migrationsDir,
        toVersion: args.to,
      }))
      const database = ctx.databasePath(args)
      const options = {
        ...ctx.databaseOptions(args),
        allowOutOfOrder: args.allowOutOfOrder,
        allowMissing: args.allowMissing,
      }
      // Skill folders that could not be read are reported first; the other skills still run.
      for (const problem of problems) ctx.error(problem)
      if (args.dryRun || args.strict) {
        // --strict alone only needs the problems and warnings, not the locks.
        const found = await planDryRun(targets, { ...options, locks: args.dryRun === true })
        const plan = { ...found, problems: [...problems, ...found.problems] }
        const warnings = plan.migrations.flatMap((m) => m.warnings)
        if (args.dryRun) {
          if (ctx.json) {
            ctx.document(dryRunJson(plan, database))
            for (const problem of found.problems) ctx.error(problem)
          } else {
            printDryRun(ctx, { ...plan, problems: found.problems }, database)
          }
          ctx.exitCode = plan.problems.length > 0 ? 1 : 0
          return
        }
        if (plan.problems.length > 0 || warnings.length > 0) {
          // --strict refuses: one error line per problem or warning, and nothing was applied.
          const refusals = [
            ...found.problems,
            ...warnings.map((warning) => new InvalidOptionError(`--strict: ${warning}`)),
          ]
          const all = { ...plan, problems: [...problems, ...refusals] }
          ctx.document({ ...dryRunJson(all, database), dryRun: false, strict: true })
          for (const refusal of refusals) ctx.error(refusal)
          ctx.print(line`Nothing was applied (--strict) (${ctx.shown(database)})`)
          ctx.exitCode = 1
          return
        }
      }
      const bar = ctx.process.stderr.isTTY && !ctx.json ? new ProgressBar(ctx.process.stderr) : undefined
      const elapsed = stopwatch()
      const ran = await migrateSkills(targets, {
        ...options,
        codegen: args.codegen === false ? false : typesOptions(args),
        onProgress: bar
          ? ({ done, total, migration }) => {
              if (total >= PROGRESS_FROM) bar.update(done, total, `${migration.skill} ${migration.filename}`)
            }
          : undefined,
      })
      bar?.clear()
      const result = args.strict ? typesFailureIsError(ran) : ran
      if (ctx.json) {
        ctx.document(runJson(result, database, problems))
        const reported = new Set<unknown>()
        for (const skill of result.skills)
          if (skill.error) {
            reported.add(skill.error)
            ctx.error(skill.error)
          }
        if (result.error && !reported.has(result.error)) ctx.error(result.error)
      } else {
        printRun(ctx, result, database, elapsed(), problems.length)
      }
      if (result.error || problems.length > 0) ctx.exitCode = 1
    },
  }
}

/**
 * `--strict`: types that could not be generated fail the run (exit 1) instead of being a warning.
 * The migrations stay applied; the error says why the types are missing.
 */
function typesFailureIsError(result: SkillsRunResult): SkillsRunResult {
  const failure = result.typesError
  if (failure === undefined || result.error !== undefined) return result
  return {
    ...result,
    error: failure,
    warnings: result.warnings.filter((warning) => !warning.endsWith(failure.message)),
  }
}

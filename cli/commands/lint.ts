import type { Argv, CommandModule } from 'yargs'
import { type EngineName, lintMigrations } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { jsonError } from '../print/json.js'
import { countsByRule, findingLine, jsonFinding, jsonLintMeta } from '../print/lint-findings.js'
import { line } from '../print/safe.js'
import { selectSkills } from '../targets.js'

interface LintArgs extends GlobalArgs {
  readonly skill?: string
  readonly dir?: string
  readonly engine?: EngineName
  readonly strict?: boolean
  readonly pending?: boolean
}

export function lintCommand(ctx: CliContext): CommandModule<GlobalArgs, LintArgs> {
  return {
    command: 'lint [skill]',
    describe: 'Find risky statements in migration files (rule id, line, why, the safer way); exit 1 with --strict',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', describe: 'Only this skill' })
        .option('dir', { type: 'string', describe: "The skill's migrations folder" })
        .option('engine', {
          type: 'string',
          describe:
            "SQL dialect of the files when no database is given: sqlite | postgres | mysql (default: the database's, else sqlite)",
        })
        .option('pending', { type: 'boolean', describe: 'Only files the database has not applied yet' })
        .option('strict', { type: 'boolean', describe: 'Findings are errors: exit 1 when there is any' })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example('$0 migrate lint', "Lint every skill's migrations (SQLite rules)")
        .example('$0 migrate lint notes --dir db/migrations --engine postgres --strict', 'For CI')
        .epilogue(
          'Silence a rule with a comment "-- glorious:allow <rule-id>" on the statement (inside it or just above it), or before the first statement for the whole file.',
        ) as Argv<LintArgs>,
    handler: async (args) => {
      const targets = selectSkills(ctx, args)
      const report = await lintMigrations({
        ...ctx.databaseOptions(args),
        skills: targets.skills,
        engine: args.engine,
        strict: args.strict,
        only: args.pending ? 'pending' : 'all',
      })
      const problems = [...targets.problems, ...report.problems]
      const { findings } = report
      const failed = problems.length > 0 || (args.strict === true && findings.length > 0)
      if (ctx.json) {
        ctx.document({
          ok: !failed,
          database: report.databaseChecked ? ctx.databasePath(args) : null,
          databaseChecked: report.databaseChecked,
          skills: report.skills,
          migrations: report.migrations,
          findings: findings.map(jsonFinding),
          counts: countsByRule(findings),
          meta: jsonLintMeta(report),
          problems: problems.map(jsonError),
          error: problems[0] ? jsonError(problems[0]) : null,
        })
      } else {
        for (const rule of report.skippedRules) ctx.warn(`rule ${rule.id} skipped: ${rule.reason}`)
        for (const note of report.notes) ctx.warn(note)
        for (const problem of problems) ctx.print(line`${ctx.out.red('✗')} ${problem.message}`)
        for (const finding of findings) ctx.print(findingLine(ctx, finding))
        const scope = `${plural(report.migrations, 'migration')} of ${plural(report.skills, 'skill')} (${report.engine})`
        const counts = Object.entries(countsByRule(findings))
          .map(([rule, count]) => `${rule} ${count}`)
          .join(', ')
        ctx.print(
          findings.length === 0 && problems.length === 0
            ? line`${ctx.out.green('✓')} ${scope}: no findings`
            : line`${plural(findings.length, args.strict ? 'error' : 'warning')}${problems.length > 0 ? `, ${plural(problems.length, 'problem')}` : ''} in ${scope}${counts === '' ? '' : `: ${counts}`}`,
        )
      }
      if (failed) ctx.exitCode = 1
    },
  }
}

import type { Argv, CommandModule } from 'yargs'
import { verifyMigrations } from '../../lib/index.js'
import type { CliContext, GlobalArgs } from '../context.js'
import { plural } from '../print/format.js'
import { jsonError } from '../print/json.js'
import { findingLine, jsonFinding, jsonLintMeta } from '../print/lint-findings.js'
import { line } from '../print/safe.js'
import { selectSkills } from '../targets.js'

interface VerifyArgs extends GlobalArgs {
  readonly skill?: string
  readonly dir?: string
  readonly allowOutOfOrder?: boolean
  readonly allowMissing?: boolean
  readonly strict?: boolean
}

export function verifyCommand(ctx: CliContext): CommandModule<GlobalArgs, VerifyArgs> {
  return {
    command: 'verify [skill]',
    describe: 'Check migration files against the ledger without applying anything (for CI); exit 1 on any problem',
    builder: (yargs: Argv<GlobalArgs>) =>
      yargs
        .positional('skill', { type: 'string', describe: 'Only this skill' })
        .option('dir', { type: 'string', describe: "The skill's migrations folder" })
        .option('allow-out-of-order', {
          type: 'boolean',
          describe: 'Do not report pending files below the highest applied version',
        })
        .option('allow-missing', { type: 'boolean', describe: 'Do not report applied files that are gone' })
        .option('strict', {
          type: 'boolean',
          describe: 'Lint findings in pending files are errors (exit 1), not warnings',
        })
        .option('json', { type: 'boolean', describe: 'Print one JSON document instead of text' })
        .example(
          '$0 migrate verify',
          'Names, duplicates, checksums, missing and out-of-order files, SQL that would be refused',
        ) as Argv<VerifyArgs>,
    handler: async (args) => {
      const targets = selectSkills(ctx, args)
      const report = await verifyMigrations({
        ...ctx.databaseOptions(args),
        skills: targets.skills,
        allowOutOfOrder: args.allowOutOfOrder,
        allowMissing: args.allowMissing,
        strict: args.strict,
      })
      const findings = report.lint?.findings ?? []
      const problems = [...targets.problems, ...report.problems]
      const skills = report.skills
      const database = ctx.databasePath(args)
      const failed = problems.length > 0 || (args.strict === true && findings.length > 0)
      if (ctx.json) {
        ctx.document({
          ok: !failed,
          database,
          databaseChecked: report.databaseChecked,
          skills,
          migrations: report.migrations,
          problems: problems.map(jsonError),
          warnings: report.warnings,
          findings: findings.map(jsonFinding),
          lint: report.lint ? jsonLintMeta(report.lint) : null,
          error: problems[0] ? jsonError(problems[0]) : null,
        })
      } else {
        for (const warning of report.warnings) ctx.warn(warning)
        for (const problem of problems) ctx.print(line`${ctx.out.red('✗')} ${problem.message}`)
        for (const finding of findings) ctx.print(findingLine(ctx, finding))
        const lintSummary =
          findings.length === 0 ? '' : ` (lint: ${plural(findings.length, args.strict ? 'error' : 'warning')})`
        ctx.print(
          problems.length === 0 && !failed
            ? line`${ctx.out.green('✓')} ${plural(report.migrations, 'migration')} in ${plural(skills, 'skill')}: no problems${lintSummary}`
            : problems.length === 0
              ? line`${plural(findings.length, 'lint error')} in ${plural(report.migrations, 'migration')} of ${plural(skills, 'skill')}`
              : line`${plural(problems.length, 'problem')} in ${plural(report.migrations, 'migration')} of ${plural(skills, 'skill')}${lintSummary}`,
        )
      }
      if (failed) ctx.exitCode = 1
    },
  }
}

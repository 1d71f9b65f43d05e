import {
  InvalidOptionError,
  NoSkillsFoundError,
  type Skill,
  type SkillError,
  type SkillMigrations,
  findSkill,
  skillAt,
  skillsSearchRoots,
} from '../lib/index.js'
import type { CliContext, GlobalArgs } from './context.js'

/** The skills a command works on, and the skill folders that could not be read. */
export interface Targets {
  readonly skills: readonly (Skill | SkillMigrations)[]
  /** Reported, and the command fails, but they never stop the other skills. */
  readonly problems: readonly SkillError[]
}

/**
 * The skills a command works on: `--dir` with a skill name (the folder must exist), one skill
 * found by name in the skills folders, or every skill found there (none at all is an error that
 * names the folders searched).
 */
export function selectSkills(
  ctx: CliContext,
  args: GlobalArgs & { readonly skill?: string | undefined; readonly dir?: string | undefined },
): Targets {
  if (args.dir !== undefined) {
    if (args.skill === undefined)
      throw new InvalidOptionError('--dir needs the skill name too: glorious migrate <command> <skill> --dir <folder>')
    return { skills: [skillAt(args.skill, args.dir)], problems: [] }
  }
  if (args.skill !== undefined) return { skills: [skillByName(ctx, args, args.skill)], problems: [] }
  const search = ctx.searchSkills(args)
  if (search.skills.length === 0 && search.problems.length === 0) throw new NoSkillsFoundError(search.roots)
  return { skills: search.skills, problems: search.problems }
}

/** One skill by name in the skills folders; `suggestDir` when the command takes `--dir`. */
export function skillByName(ctx: CliContext, args: GlobalArgs, name: string, suggestDir = true): Skill {
  const { roots, named } = skillsSearchRoots({ skills: args.skills, env: ctx.process.env, cwd: ctx.process.cwd() })
  return findSkill(roots, name, { suggestDir, mustExist: named })
}

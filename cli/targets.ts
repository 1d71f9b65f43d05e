import { type Skill, type SkillMigrations, discoverSkills, findSkill, InvalidOptionError } from '../lib/index.js'
import type { CliContext, GlobalArgs } from './context.js'

/**
 * The skills a command works on: `--dir` with a skill name, one skill found by name in the
 * skills folders, or every skill found there.
 */
export function selectSkills(
  ctx: CliContext,
  args: GlobalArgs & { readonly skill?: string | undefined; readonly dir?: string | undefined },
): readonly (Skill | SkillMigrations)[] {
  if (args.dir !== undefined) {
    if (args.skill === undefined)
      throw new InvalidOptionError('--dir needs the skill name too: glorious migrate <command> <skill> --dir <folder>')
    return [{ name: args.skill, migrationsDir: args.dir }]
  }
  const roots = ctx.skillsRoots(args)
  if (args.skill !== undefined) return [findSkill(roots, args.skill)]
  return discoverSkills(roots)
}

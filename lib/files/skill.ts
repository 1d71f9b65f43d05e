import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { SkillError } from '../errors.js'
import { assertSkillName } from './skill-name.js'

/** A skill folder as found on disk. */
export interface Skill {
  readonly name: string
  /** The skill's folder (the one given or discovered). */
  readonly root: string
  /** The skill.json that names it. */
  readonly manifest: string
  /** The skill's source folder: `src/<name>/` when it exists, else the folder holding skill.json. */
  readonly sourceDir: string
  /** The migrations folder (`src/<name>/migrations/` or `migrations/`), whether or not it exists. */
  readonly migrationsDir: string
  /** A legacy `schema.sql`, if the skill has one. */
  readonly schemaFile: string | undefined
}

/**
 * Reads a skill folder: finds its `skill.json` (at the top, or in `src/<pkg>/` as in the guide's
 * layout), checks its `name`, and locates `migrations/` and a legacy `schema.sql`.
 *
 * @example
 * ```ts
 * const skill = readSkill('./skills/notes')
 * skill.migrationsDir // …/skills/notes/src/notes/migrations
 * ```
 * @throws {SkillError} when there is no skill.json, it is not valid JSON, or its name is invalid.
 */
export function readSkill(folder: string): Skill {
  const root = resolve(folder)
  if (!isDirectory(root)) throw new SkillError(`skill folder ${root} does not exist: check the path`)
  const manifest = findManifest(root)
  let name: unknown
  try {
    name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown } | null)?.name
  } catch (error) {
    throw new SkillError(`${manifest} is not valid JSON (${(error as Error).message}): fix the file`, {
      file: manifest,
    })
  }
  if (name === undefined) {
    throw new SkillError(`${manifest} has no "name": add "name": "<skill name>"`, { file: manifest })
  }
  const skillName = assertSkillName(name, manifest)
  const candidates = unique([join(root, 'src', skillName), dirname(manifest), root])
  const sourceDir =
    candidates.find((dir) => isDirectory(join(dir, 'migrations'))) ??
    candidates.find((dir) => existsSync(join(dir, 'schema.sql'))) ??
    candidates.find(isDirectory) ??
    root
  const schema = join(sourceDir, 'schema.sql')
  return Object.freeze({
    name: skillName,
    root,
    manifest,
    sourceDir,
    migrationsDir: join(sourceDir, 'migrations'),
    schemaFile: existsSync(schema) ? schema : undefined,
  })
}

/**
 * Finds every skill in the given skills roots (each root is a folder of skill folders). Folders
 * without a skill.json are skipped; two skills with one name are an error.
 */
export function discoverSkills(roots: readonly string[]): readonly Skill[] {
  const byName = new Map<string, Skill>()
  for (const root of roots) {
    const absolute = resolve(root)
    let entries
    try {
      entries = readdirSync(absolute, { withFileTypes: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw new SkillError(
        `skills folder ${absolute} cannot be read (${(error as NodeJS.ErrnoException).code}): check its permissions`,
      )
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue
      const folder = join(absolute, entry.name)
      if (!hasManifest(folder)) continue
      const skill = readSkill(folder)
      const other = byName.get(skill.name)
      if (other) {
        throw new SkillError(
          `two skills are named "${skill.name}": ${other.root} and ${skill.root}: rename one in its skill.json`,
          { skill: skill.name },
        )
      }
      byName.set(skill.name, skill)
    }
  }
  return Object.freeze([...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)))
}

/** Finds a skill by name in the skills roots. */
export function findSkill(roots: readonly string[], name: string): Skill {
  assertSkillName(name)
  const skill = discoverSkills(roots).find((candidate) => candidate.name === name)
  if (skill) return skill
  throw new SkillError(
    `skill "${name}" was not found in ${roots.length ? roots.join(', ') : 'any skills folder'}: ` +
      `check the name, pass --skills <folder>, or give its migrations folder with --dir`,
    { skill: name },
  )
}

function hasManifest(folder: string): boolean {
  try {
    findManifest(folder)
    return true
  } catch {
    return false
  }
}

function findManifest(root: string): string {
  const top = join(root, 'skill.json')
  if (existsSync(top)) return top
  const src = join(root, 'src')
  const nested = isDirectory(src)
    ? readdirSync(src)
        .sort()
        .map((entry) => join(src, entry, 'skill.json'))
        .filter((file) => existsSync(file))
    : []
  if (nested.length === 1) return nested[0] as string
  if (nested.length > 1) {
    throw new SkillError(`${root} holds several skill.json files (${nested.join(', ')}): keep one per skill folder`)
  }
  throw new SkillError(`${root} has no skill.json: add one with {"name": "<skill name>"}`)
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}

/**
 * The skill.json of the skill whose migrations are in `migrationsDir` (where its codegen
 * options are saved), found as {@link readSkill} finds it: in the folder that holds
 * `migrations/` (its skill.json, or the only `src/<name>/skill.json`), or, when `migrations/` is
 * in `src/<name>/`, in the skill folder above `src/`. `undefined` when there is none (a folder
 * migrated with `--dir` that has no skill.json).
 */
export function findSkillManifest(migrationsDir: string): string | undefined {
  const holder = dirname(resolve(migrationsDir))
  const skillFolder = basename(dirname(holder)) === 'src' ? dirname(dirname(holder)) : undefined
  for (const folder of skillFolder === undefined ? [holder] : [holder, skillFolder]) {
    try {
      return findManifest(folder)
    } catch {
      // No skill.json here (or several): look further up, or there is none.
    }
  }
  return undefined
}

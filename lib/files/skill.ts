import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { SkillError, SkillNotFoundError } from '../errors.js'
import { type FileReadProblem, readRegularFile } from './regular-file.js'
import { assertSkillName } from './skill-name.js'

/** A skill.json is a few lines; anything this large is not one. */
const MAX_MANIFEST_BYTES = 1024 * 1024

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
  if (manifest === undefined) throw new SkillError(`${root} has no skill.json: add one with {"name": "<skill name>"}`)
  return readFoundSkill(root, manifest)
}

/** {@link readSkill} once the folder (absolute) and its skill.json are known. */
function readFoundSkill(root: string, manifest: string): Skill {
  const read = readRegularFile(manifest, MAX_MANIFEST_BYTES)
  if (!read.ok) throw unreadableManifest(manifest, read.problem)
  let name: unknown
  try {
    name = (JSON.parse(read.bytes.toString('utf8')) as { name?: unknown } | null)?.name
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

/** What a search of skills folders found. */
export interface SkillSearch {
  /** The skills read, sorted by name. A name that two folders claim is left out (see `problems`). */
  readonly skills: readonly Skill[]
  /**
   * One error per skill folder that is not a usable skill (a skill.json that is not valid JSON,
   * has no name or an invalid one, two skills with one name, …), and per skills folder that
   * cannot be read (or, with `mustExist`, does not exist). They never stop the other skills.
   */
  readonly problems: readonly SkillError[]
  /** The skills folders searched, as absolute paths, in order. */
  readonly roots: readonly string[]
}

export interface SearchSkillsOptions {
  /**
   * The folders were named by the user (`--skills`, `GLORIOUS_SKILLS`): a missing one is a
   * problem. Default folders (`./skills`, `~/.glorious/skills`) may be missing. @default false
   */
  readonly mustExist?: boolean | undefined
}

/**
 * Finds every skill in the given skills roots (each root is a folder of skill folders), and
 * reports each folder that is not a usable skill on its own, so one broken `skill.json` never
 * hides the other skills. Folders without a skill.json, hidden folders and `node_modules` are
 * not skills and are skipped.
 *
 * @example
 * ```ts
 * const { skills, problems } = searchSkills(['./skills'])
 * for (const problem of problems) console.error(problem.message) // e.g. ".../broken/skill.json is not valid JSON (…)"
 * await migrateSkills(skills, { database: 'agent.db' }) // the other skills still migrate
 * ```
 */
export function searchSkills(roots: readonly string[], options: SearchSkillsOptions = {}): SkillSearch {
  const absoluteRoots = roots.map((root) => resolve(root))
  const byName = new Map<string, Skill[]>()
  const problems: SkillError[] = []
  for (const absolute of absoluteRoots) {
    let entries
    try {
      entries = readdirSync(absolute, { withFileTypes: true })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' && !options.mustExist) continue
      problems.push(skillsFolderProblem(absolute, code))
      continue
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
      const folder = join(absolute, entry.name)
      // A symbolic link to a skill folder counts as the folder.
      if (!entry.isDirectory() && !(entry.isSymbolicLink() && isDirectory(folder))) continue
      try {
        const manifest = findManifest(folder)
        if (manifest === undefined) continue
        const skill = readFoundSkill(folder, manifest)
        // Names are one name whatever their letter case: MariaDB compares the ledger's skill names
        // without case (and case-insensitive file systems their folders), so "Notes" and "notes"
        // would read and write each other's ledger rows there.
        const key = skill.name.toLowerCase()
        byName.set(key, [...(byName.get(key) ?? []), skill])
      } catch (error) {
        problems.push(
          error instanceof SkillError ? error : new SkillError(`skill folder ${folder}: ${(error as Error).message}`),
        )
      }
    }
  }
  const skills: Skill[] = []
  for (const found of byName.values()) {
    if (found.length === 1) {
      skills.push(found[0] as Skill)
      continue
    }
    const names = [...new Set(found.map((skill) => skill.name))].sort()
    const named =
      names.length === 1
        ? `are named "${names[0]}"`
        : `are named ${names.map((name) => `"${name}"`).join(', ')}, one name in any letter case`
    problems.push(
      new SkillError(
        `${found.length === 2 ? 'two' : found.length} skills ${named}: ${found.map((skill) => skill.root).join(', ')}: rename all but one in their skill.json (none of them was used)`,
        { skill: names[0] as string },
      ),
    )
  }
  return Object.freeze({
    skills: Object.freeze(skills.sort((a, b) => (a.name < b.name ? -1 : 1))),
    problems: Object.freeze(problems),
    roots: Object.freeze(absoluteRoots),
  })
}

/**
 * Finds every skill in the given skills roots. Folders without a skill.json are skipped.
 *
 * @throws {SkillError} the first problem {@link searchSkills} reports (a broken skill.json, two
 * skills with one name, an unreadable folder). Use `searchSkills` to get the usable skills and
 * every problem instead.
 */
export function discoverSkills(roots: readonly string[]): readonly Skill[] {
  const search = searchSkills(roots)
  if (search.problems[0]) throw search.problems[0]
  return search.skills
}

export interface FindSkillOptions extends SearchSkillsOptions {
  /** The command accepts `--dir`, so the error may suggest it. @default true */
  readonly suggestDir?: boolean | undefined
}

/**
 * Finds a skill by name in the skills roots. Other skill folders with problems do not matter,
 * unless the skill is not found: then the error mentions them (the skill may be among them).
 *
 * @throws {SkillError}
 */
export function findSkill(roots: readonly string[], name: string, options: FindSkillOptions = {}): Skill {
  assertSkillName(name)
  const search = searchSkills(roots, options)
  const skill = search.skills.find((candidate) => candidate.name === name)
  if (skill) return skill
  const clash = search.problems.find((problem) => problem.skill?.toLowerCase() === name.toLowerCase())
  if (clash) throw clash
  throw new SkillNotFoundError(name, search.roots, {
    suggestDir: options.suggestDir ?? true,
    problems: search.problems,
  })
}

/**
 * The skill given by its migrations folder (`--dir`): the folder must exist, since a mistyped
 * path must never look like a skill with nothing to do.
 *
 * @throws {SkillError}
 */
export function skillAt(
  name: string,
  migrationsDir: string,
  /** How the caller named the folder, for the message. */
  option = '--dir',
): { readonly name: string; readonly migrationsDir: string } {
  const skill = assertSkillName(name)
  const dir = resolve(migrationsDir)
  const stats = statSync(dir, { throwIfNoEntry: false })
  if (stats?.isDirectory()) return Object.freeze({ name: skill, migrationsDir: dir })
  throw new SkillError(
    stats
      ? `migrations folder ${dir} is not a folder: give the skill's migrations folder (${option})`
      : `migrations folder ${dir} does not exist: check the path (${option})`,
    { skill },
  )
}

/** The skill.json of a skill folder (at the top, or the one in `src/<pkg>/`), if it has one. */
function findManifest(root: string): string | undefined {
  const top = join(root, 'skill.json')
  if (existsSync(top)) return top
  const src = join(root, 'src')
  const nested = isDirectory(src)
    ? readdirSync(src)
        .sort()
        .map((entry) => join(src, entry, 'skill.json'))
        .filter((file) => existsSync(file))
    : []
  if (nested.length > 1) {
    throw new SkillError(`${root} holds several skill.json files (${nested.join(', ')}): keep one per skill folder`)
  }
  return nested[0]
}

function unreadableManifest(manifest: string, problem: FileReadProblem): SkillError {
  const reason =
    problem.kind === 'not-regular'
      ? `is a ${problem.type}, not a regular file, so it was not read`
      : problem.kind === 'too-large'
        ? `is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB, so it is not a skill.json`
        : problem.kind === 'dangling-link'
          ? 'is a symbolic link to a file that does not exist'
          : `cannot be read (${problem.code ?? String(problem.error)})`
  return new SkillError(`${manifest} ${reason}: replace it with the skill's JSON file`, { file: manifest })
}

function skillsFolderProblem(folder: string, code: string | undefined): SkillError {
  return new SkillError(
    code === 'ENOENT'
      ? `skills folder ${folder} does not exist: check --skills / GLORIOUS_SKILLS`
      : code === 'ENOTDIR'
        ? `skills folder ${folder} is not a folder: check --skills / GLORIOUS_SKILLS`
        : `skills folder ${folder} cannot be read (${code}): check its permissions`,
    { file: folder },
  )
}

function isDirectory(path: string): boolean {
  try {
    // No exception for a path that does not exist (the common case: `src/<name>/migrations`).
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false
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
      const found = findManifest(folder)
      if (found !== undefined) return found
    } catch {
      // Several skill.json files here: look further up, or there is none.
    }
  }
  return undefined
}

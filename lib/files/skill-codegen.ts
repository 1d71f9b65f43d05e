import { readFileSync, statSync } from 'node:fs'
import { SkillError } from '../errors.js'
import type { TypesOptions } from '../after-run.js'
import { findSkillManifest } from './skill.js'

/** Every codegen option with the values it takes (the first is the default), in skill.json and in the API. */
export const CODEGEN_CHOICES = Object.freeze({
  camelCase: Object.freeze([false, true]),
  booleans: Object.freeze(['number', 'boolean']),
  json: Object.freeze(['string', 'json']),
  integers: Object.freeze(['number', 'bigint']),
  bigNumbers: Object.freeze(['number', 'string']),
} as const)

export type CodegenOptionName = keyof typeof CODEGEN_CHOICES

/** The codegen options a skill saves, and where. */
export interface SavedCodegenOptions {
  /** The skill.json they come from; `undefined` when the skill has none (a `--dir` folder without one). */
  readonly manifest: string | undefined
  readonly options: Readonly<TypesOptions>
}

/**
 * The codegen options saved for the skill whose migrations are in `migrationsDir`: the
 * `"codegen"` object of its skill.json (found by {@link findSkillManifest}), such as
 * `{"name": "notes", "codegen": {"camelCase": true, "integers": "bigint"}}`. A skill without
 * skill.json, or without the key, saves none.
 *
 * @throws {SkillError} naming the file and the key, when the skill.json cannot be read or an
 *   option is unknown or has a value it does not take.
 */
export function readSavedCodegenOptions(migrationsDir: string): SavedCodegenOptions {
  const manifest = findSkillManifest(migrationsDir)
  if (manifest === undefined) return Object.freeze({ manifest, options: Object.freeze({}) })
  let parsed: unknown
  try {
    if (!statSync(manifest).isFile()) throw new Error('not a regular file')
    parsed = JSON.parse(readFileSync(manifest, 'utf8'))
  } catch (error) {
    throw new SkillError(`${manifest} cannot be read as JSON (${(error as Error).message}): fix the file`, {
      file: manifest,
    })
  }
  const section = (parsed as { codegen?: unknown } | null)?.codegen
  if (section === undefined) return Object.freeze({ manifest, options: Object.freeze({}) })
  return Object.freeze({ manifest, options: checkCodegenOptions(section, manifest) })
}

/**
 * Checks a skill.json `"codegen"` object and returns it as options.
 *
 * @throws {SkillError} for the first key that is unknown or has a value it does not take.
 */
function checkCodegenOptions(section: unknown, manifest: string): Readonly<TypesOptions> {
  const example = '{"camelCase": true, "booleans": "boolean", "json": "json", "integers": "bigint"}'
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new SkillError(`${manifest}: "codegen" must be an object such as ${example}: fix the file`, {
      file: manifest,
    })
  }
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(section)) {
    if (!Object.hasOwn(CODEGEN_CHOICES, key)) {
      throw new SkillError(
        `${manifest}: "codegen.${key}" is not a codegen option (they are ${Object.keys(CODEGEN_CHOICES).join(', ')}): fix the file`,
        { file: manifest },
      )
    }
    const choices: readonly unknown[] = CODEGEN_CHOICES[key as CodegenOptionName]
    if (!choices.includes(value)) {
      throw new SkillError(
        `${manifest}: "codegen.${key}" must be ${choices.map((choice) => JSON.stringify(choice)).join(' or ')}, ` +
          `not ${JSON.stringify(value) ?? String(value)}: fix the file`,
        { file: manifest },
      )
    }
    options[key] = value
  }
  return Object.freeze(options) as Readonly<TypesOptions>
}

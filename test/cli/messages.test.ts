/**
 * Messages that help: a command never suggests a flag it rejects; descriptions in any script make
 * valid file names; a UTF-16 file is called UTF-16 with the fix; an extension that fails to load
 * is one line naming the path as given.
 */
import assert from 'node:assert/strict'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { glorious } from '../helpers/cli.js'
import { rows } from '../helpers/sqlite.js'
import { skillFolder, tempDir, writeTree } from '../helpers/temp.js'

/** Every `--flag` a line suggests is in the command's `--help`. */
async function assertSuggestionsAccepted(command: string, text: string): Promise<void> {
  const help = (await glorious(['migrate', command, '--help'])).stdout
  for (const [flag] of text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
    assert.match(
      help,
      new RegExp(`(^|[\\s,])${flag}(?![\\w-])`, 'm'),
      `"${command}" suggests ${flag}, which it rejects:\n${text}`,
    )
  }
}

function workspace() {
  const root = tempDir()
  const skills = join(root, 'skills')
  const folder = skillFolder(skills, 'notes', {
    '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);',
    '003_more.sql': 'ALTER TABLE notes ADD COLUMN body TEXT;',
  })
  const migrations = join(folder, 'src', 'notes', 'migrations')
  const db = join(root, 'agent.db')
  const cli = (...args: string[]) => glorious(['migrate', ...args, '--skills', skills, '--db', db], { cwd: root })
  return { root, skills, migrations, db, cli }
}

describe('reload', () => {
  it('suggests only flags it accepts, and following the suggestion works', async () => {
    const { migrations, cli } = workspace()
    assert.equal((await cli('run')).code, 0)

    const unknown = await cli('reload', 'nootes')
    assert.equal(unknown.code, 1)
    assert.match(
      unknown.stderr,
      /^error: skill "nootes" was not found in .*: check the name, pass --skills <folder>\n$/,
    )
    await assertSuggestionsAccepted('reload', unknown.stderr)

    writeFileSync(join(migrations, '002_between.sql'), 'CREATE TABLE between_ (a);')
    const outOfOrder = await cli('reload', 'notes')
    assert.equal(outOfOrder.code, 1)
    assert.match(outOfOrder.stderr, /--allow-out-of-order/)
    await assertSuggestionsAccepted('reload', outOfOrder.stderr)
    assert.equal((await cli('reload', 'notes', '--allow-out-of-order')).code, 0)

    rmSync(join(migrations, '001_init.sql'))
    const missing = await cli('reload', 'notes')
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /--allow-missing/)
    await assertSuggestionsAccepted('reload', missing.stderr)
    assert.equal((await cli('reload', 'notes', '--allow-missing')).code, 0)
  })

  it('of a skill with a legacy schema.sql says it executed it, never "0 skills up to date"', async () => {
    const root = tempDir()
    writeTree(join(root, 'skills', 'legacy'), {
      'skill.json': JSON.stringify({ name: 'legacy' }),
      'schema.sql': 'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY);',
    })
    const db = join(root, 'agent.db')
    const result = await glorious(['migrate', 'reload', 'legacy', '--skills', 'skills', '--db', db], { cwd: root })
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(rows(db, "SELECT name FROM sqlite_schema WHERE name = 'items'"), [{ name: 'items' }])
    assert.doesNotMatch(result.stdout, /up to date/)
    assert.equal(
      result.stdout
        .split('\n')
        .filter((text) => text !== '')
        .at(-1),
      'Executed the legacy skills/legacy/schema.sql (agent.db)',
    )
  })

  it('status accepts the flags its problem lines suggest', async () => {
    const { migrations, cli } = workspace()
    assert.equal((await cli('run')).code, 0)
    rmSync(join(migrations, '001_init.sql'))
    const status = await cli('status')
    assert.equal(status.code, 1)
    assert.match(status.stdout, /--allow-missing/)
    await assertSuggestionsAccepted('status', status.stdout)
    assert.equal((await cli('status', '--allow-missing')).code, 0)
  })
})

describe('descriptions in any script', () => {
  it('make valid file names that run applies', async () => {
    const { migrations, db, cli } = workspace()
    rmSync(join(migrations, '003_more.sql'))
    const russian = await cli('create', 'notes', 'Добавить теги')
    assert.equal(russian.code, 0, russian.stderr)
    const japanese = await cli('create', 'notes', 'タグを追加')
    assert.equal(japanese.code, 0, japanese.stderr)
    assert.deepEqual(readdirSync(migrations).sort(), ['001_init.sql', '002_добавить_теги.sql', '003_タグを追加.sql'])
    const run = await cli('run')
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(
      rows(db, 'SELECT filename FROM _migrations ORDER BY version').map((row) => row.filename),
      ['001_init.sql', '002_добавить_теги.sql', '003_タグを追加.sql'],
    )
  })
})

describe('file encodings', () => {
  it('a UTF-16 file is called UTF-16, with the fix', async () => {
    const { migrations, cli } = workspace()
    const text = 'ALTER TABLE notes ADD COLUMN body TEXT;\r\n'
    writeFileSync(
      join(migrations, '003_more.sql'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    )
    const run = await cli('run')
    assert.equal(run.code, 1)
    assert.equal(
      run.stderr,
      'error: skill "notes": migration file "003_more.sql" is UTF-16 (little-endian) text, not UTF-8: ' +
        'save it as UTF-8 (in the editor\'s "Save with encoding" or "Encoding" menu)\n',
    )
  })
})

describe('extensions', () => {
  it('one that fails to load is one line naming the path as given', async () => {
    const { cli } = workspace()
    assert.equal((await cli('run')).code, 0)
    for (const extension of ['./nope.so', 'missing-extension']) {
      const result = await cli('status', '--load-extension', extension)
      assert.equal(result.code, 1)
      const lines = result.stderr.trim().split('\n')
      assert.equal(lines.length, 1, result.stderr)
      assert.match(
        lines[0] as string,
        new RegExp(
          `^error: database .*agent.db cannot load the extension "${extension.replace('.', '\\.')}" \\(cannot open shared object file: No such file or directory\\): check the --load-extension path`,
        ),
      )
      await assertSuggestionsAccepted('status', lines[0] as string)
    }
  })
})

/**
 * Terminal safety: names of files and skills, and whatever is read from the database (anyone who
 * can write the database can write ledger rows), are printed with control characters escaped, so
 * no output can forge a line or recolour the terminal.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { escapeForTerminal } from '../../cli/print/safe.js'
import { glorious, gloriousInTerminal } from '../helpers/cli.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

const ESC = '\u001b'
/** What a hostile ledger row or file name may hold: colour, screen clearing, a title, CR, LF, bidi. */
const HOSTILE = `${ESC}[31mred${ESC}[2J\r\nforged: ok${ESC}]0;title\u0007\u202eevil\u2066\u200b\u0085\u007f`
const ESCAPED = '\\x1b[31mred\\x1b[2J\\r\\nforged: ok\\x1b]0;title\\x07\\u{202e}evil\\u{2066}\\u{200b}\\x85\\x7f'

/** Characters a terminal obeys: none may reach it from data. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u

async function forgedWorkspace() {
  const root = tempDir()
  const skills = join(root, 'skills')
  skillFolder(skills, 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
  const db = join(root, 'agent.db')
  const cli = (...args: string[]) => glorious(['migrate', ...args, '--skills', skills, '--db', db], { cwd: root })
  assert.equal((await cli('run')).code, 0)
  const writer = new Database(db)
  const insert = writer.prepare(
    'INSERT INTO _migrations (skill_name, version, filename, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, ?, 1)',
  )
  insert.run(`skill${HOSTILE}`, 1, `001_${HOSTILE}.sql`, `c${HOSTILE}`, `2026${HOSTILE}`)
  insert.run('notes', 2, `002_${HOSTILE}.sql`, 'c'.repeat(64), `2026${HOSTILE}`)
  writer.close()
  return { root, skills, db, cli }
}

describe('terminal safety', () => {
  it('escapes every control, bidi and invisible character in one place', () => {
    assert.equal(escapeForTerminal(HOSTILE), ESCAPED)
    assert.equal(escapeForTerminal('notes/001_init.sql — ok, ÿ, 日本'), 'notes/001_init.sql — ok, ÿ, 日本')
    assert.equal(escapeForTerminal('a\tb', { tabs: true }), 'a\tb')
    assert.equal(escapeForTerminal('\ud800'), '\\u{d800}', 'a lone surrogate')
  })

  it('printable ASCII is returned as it is; every other character is escaped by the Unicode rule', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('')
    assert.equal(escapeForTerminal(printable), printable)
    const rule = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u
    for (let code = 0; code < 0x3100; code++) {
      const character = String.fromCharCode(code)
      const escaped = escapeForTerminal(`name${character}.sql`)
      assert.equal(escaped === `name${character}.sql`, !rule.test(character), `U+${code.toString(16)}`)
    }
  })

  it('ledger rows with ESC, CR, LF and bidi controls are printed escaped by status, history, verify, run, rollback', async () => {
    const { cli } = await forgedWorkspace()
    const status = await cli('status')
    const history = await cli('history')
    const verify = await cli('verify')
    const run = await cli('run')
    const rollback = await cli('rollback', 'notes', '--steps', '1', '--yes')
    for (const [label, result] of Object.entries({ status, history, verify, run, rollback })) {
      const output = result.stdout + result.stderr
      assert.doesNotMatch(output, UNSAFE, `${label} printed a control character:\n${JSON.stringify(output)}`)
      assert.doesNotMatch(output, /^forged/m, `${label}: no forged line`)
    }
    assert.equal(status.stdout.trim().split('\n').length, 3 + 1, 'a header, two skills and a problem line')
    assert.ok(status.stdout.includes(`skill${ESCAPED}`), status.stdout)
    assert.ok(history.stdout.includes(`001_${ESCAPED}.sql`), history.stdout)
    assert.equal(history.stdout.trim().split('\n').length, 4, 'a header and three rows')
    assert.ok(verify.stdout.includes(`002_${ESCAPED}.sql`), verify.stdout)
    assert.ok(run.stderr.includes(`002_${ESCAPED}.sql`), run.stderr)
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr)
    assert.ok(rollback.stdout.includes(`notes 002_${ESCAPED}.sql (version 2, applied 2026${ESCAPED})`), rollback.stdout)
  })

  it('--json escapes what JSON leaves raw (DEL, C1, bidi and invisible characters)', async () => {
    const { cli } = await forgedWorkspace()
    for (const command of [
      ['status', '--json'],
      ['history', '--json'],
      ['verify', '--json'],
    ]) {
      const result = await cli(...command)
      assert.doesNotMatch(result.stdout, UNSAFE, command.join(' '))
      assert.match(result.stdout, /\\u202e/, command.join(' '))
      const parsed = JSON.stringify(JSON.parse(result.stdout))
      assert.ok(parsed.includes('\u202e'), 'the document still holds the data exactly')
    }
  })

  it('a file name with CR and ESC is escaped in the error naming it', async () => {
    const root = tempDir()
    const skills = join(root, 'skills')
    const folder = skillFolder(skills, 'notes', { '001_init.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);' })
    writeFileSync(join(folder, 'src', 'notes', 'migrations', `002_a\r${ESC}[32mb.sql`), 'SELECT 1;')
    const run = await glorious(['migrate', 'run', '--skills', skills, '--db', join(root, 'agent.db')])
    assert.equal(run.code, 1)
    assert.doesNotMatch(run.stdout + run.stderr, UNSAFE)
    assert.match(run.stderr, /^error: skill "notes": migration file name "002_a\\r\\x1b\[32mb\.sql" is invalid/)
  })

  it('on a terminal, colours are ours only', async () => {
    const { skills, db } = await forgedWorkspace()
    const verify = await gloriousInTerminal(['migrate', 'verify', '--skills', skills, '--db', db])
    const sequences = [...verify.stdout.matchAll(/\u001b\[[0-9;]*[A-Za-z]/g)].map((match) => match[0])
    assert.ok(sequences.length > 0, 'the ✗ marks are red')
    for (const sequence of sequences) assert.match(sequence, /^\u001b\[(31|39)m$/, JSON.stringify(verify.stdout))
    assert.ok(verify.stdout.includes(`002_${ESCAPED}.sql`))
  })
})

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { GLORIOUS, glorious } from '../helpers/cli.js'
import { skillFolder, tempDir } from '../helpers/temp.js'

/** Runs `glorious <args>` with its stdout piped to a reader that closes the pipe before reading. */
function intoClosedPipe(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  const command = `"${process.execPath}" "${GLORIOUS}" ${args.map((arg) => `'${arg}'`).join(' ')} | (exec 0<&-; sleep 1)`
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', command], { encoding: 'utf8' }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    )
  })
}

describe('a reader that closes the pipe early (| head)', () => {
  it('costs the rest of the output, not the command: no crash, exit 0, and a run still applies everything', async () => {
    const root = tempDir()
    const migrations: Record<string, string> = {}
    for (let n = 1; n <= 30; n++)
      migrations[`${String(n).padStart(3, '0')}_step.sql`] = `CREATE TABLE t${n} (id INTEGER);`
    skillFolder(join(root, 'skills'), 'notes', migrations)
    const db = join(root, 'agent.db')
    const base = ['--skills', join(root, 'skills'), '--db', db]

    const run = await intoClosedPipe(['migrate', 'run', '--no-codegen', ...base])
    assert.equal(run.code, 0, run.stderr)
    assert.doesNotMatch(run.stderr, /EPIPE|Unhandled|Error:/)
    const reader = new Database(db, { readonly: true })
    const applied = (reader.prepare('SELECT count(*) AS n FROM _migrations').get() as { n: number }).n
    reader.close()
    assert.equal(applied, 30, 'the run applied every migration although nobody read its output')

    for (const command of [['history'], ['status', '--json']]) {
      const result = await intoClosedPipe(['migrate', ...command, ...base])
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`)
      assert.doesNotMatch(result.stderr, /EPIPE|Unhandled|Error:/)
    }
    assert.equal((await glorious(['migrate', 'status', ...base])).code, 0)
  })
})

describe('standard output that fails (a full disk)', () => {
  /** Runs `glorious <args> > /dev/full`: every write to stdout fails with ENOSPC. */
  function intoFullDisk(args: readonly string[]): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        'bash',
        ['-c', '"$0" "$@" > /dev/full', process.execPath, GLORIOUS, ...args],
        { encoding: 'utf8' },
        (error, _stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
      )
    })
  }

  it('is one error line and exit 1 after the command ran to its end, never a stack trace', async () => {
    const root = tempDir()
    const migrations: Record<string, string> = {}
    for (let n = 1; n <= 3; n++) migrations[`00${n}_step.sql`] = `CREATE TABLE t${n} (id INTEGER);`
    skillFolder(join(root, 'skills'), 'notes', migrations)
    const db = join(root, 'agent.db')
    const base = ['--skills', join(root, 'skills'), '--db', db]
    const expected =
      'error: cannot write to standard output (ENOSPC): the output is incomplete, though the command ran to its end; check where the output goes (a full disk?)\n'

    const run = await intoFullDisk(['migrate', 'run', ...base])
    assert.equal(run.code, 1, run.stderr)
    assert.equal(run.stderr, expected)
    const reader = new Database(db, { readonly: true })
    const applied = (
      reader.prepare('SELECT count(*) AS n FROM _migrations WHERE types_pending = 0').get() as { n: number }
    ).n
    reader.close()
    assert.equal(applied, 3, 'the run applied every migration and wrote the types')

    for (const command of [['status'], ['history', '--json'], ['verify']]) {
      const result = await intoFullDisk(['migrate', ...command, ...base])
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stderr}`)
      assert.equal(result.stderr, expected, command.join(' '))
    }
  })
})

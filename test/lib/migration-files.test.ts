import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  DuplicateVersionError,
  InvalidMigrationNameError,
  MigrationFileError,
  canonicalBytes,
  migrationChecksum,
  parseMigrationName,
} from '../../lib/index.js'
import { listMigrationFolder } from '../../lib/files/migration-folder.js'
import { readMigrationSource } from '../../lib/files/migration-source.js'
import { migrationsDir, tempDir } from '../helpers/temp.js'

describe('migration file names', () => {
  it('parses version and description, comparing versions as numbers', () => {
    assert.deepEqual(parseMigrationName('001_initial_schema.sql'), { version: 1, description: 'initial_schema' })
    assert.deepEqual(parseMigrationName('10_add-index.sql'), { version: 10, description: 'add-index' })
    assert.deepEqual(parseMigrationName('0042_X9.sql'), { version: 42, description: 'X9' })
  })

  it('explains each invalid name', () => {
    assert.match(String(parseMigrationName('initial.sql')), /must start with a version number/)
    assert.match(String(parseMigrationName('001-initial.sql')), /followed by "_"/)
    assert.match(String(parseMigrationName('001_.sql')), /description is empty/)
    assert.match(String(parseMigrationName('001_add index.sql')), /letters, digits/)
    assert.match(String(parseMigrationName('001_a.b.sql')), /letters, digits/)
    assert.match(String(parseMigrationName('001_init.SQL')), /lower case/)
    assert.match(String(parseMigrationName('000_zero.sql')), /version 0 is not allowed/)
    assert.match(String(parseMigrationName('99999999999999999999_big.sql')), /too large/)
  })

  it('orders a folder numerically (9 before 10) and ignores non-.sql and hidden files', () => {
    const dir = migrationsDir(tempDir(), {
      '10_ten.sql': 'SELECT 10;',
      '9_nine.sql': 'SELECT 9;',
      '0011_eleven.sql': 'SELECT 11;',
      'README.md': '# notes',
      '.DS_Store': 'x',
      '001_x.sql~': 'backup',
      '002_y.sql.bak': 'backup',
      '.#003_lock.sql': 'emacs lock',
    })
    const folder = listMigrationFolder(dir, 'notes')
    assert.deepEqual(folder.problems, [])
    assert.deepEqual(
      folder.files.map((file) => file.filename),
      ['9_nine.sql', '10_ten.sql', '0011_eleven.sql'],
    )
  })

  it('reports a folder named like a migration when it is read', () => {
    const dir = migrationsDir(tempDir(), { '002_nested.sql/001_inner.sql': 'SELECT 1;' })
    const folder = listMigrationFolder(dir)
    assert.deepEqual(
      folder.files.map((file) => file.filename),
      ['002_nested.sql'],
    )
    assert.throws(
      () => readMigrationSource(join(dir, '002_nested.sql'), 1 << 20),
      /"002_nested.sql" is a folder, not a file: rename it so that it does not end in ".sql"/,
    )
  })

  it('gives each file the path join(folder, name) gives, however the folder is written', () => {
    const dir = migrationsDir(tempDir(), { '001_a.sql': 'SELECT 1;', '002_b.sql': 'SELECT 2;' })
    for (const written of [dir, `${dir}/`, `${dir}//`, join(dir, '..', 'migrations', '.'), `${dir}/./`]) {
      const { files } = listMigrationFolder(written)
      assert.deepEqual(
        files.map((file) => file.path),
        ['001_a.sql', '002_b.sql'].map((name) => join(written, name)),
        written,
      )
    }
  })

  it('reports a bad name with the file and the expected pattern, never skipping it', () => {
    const dir = migrationsDir(tempDir(), { '001_ok.sql': 'SELECT 1;', 'add_users.sql': 'SELECT 2;' })
    const { problems } = listMigrationFolder(dir, 'notes')
    assert.equal(problems.length, 1)
    const problem = problems[0]
    assert.ok(problem instanceof InvalidMigrationNameError)
    assert.equal(problem.file, join(dir, 'add_users.sql'))
    assert.equal(problem.skill, 'notes')
    assert.match(
      problem.message,
      /^skill "notes": migration file name "add_users.sql" is invalid .*\{version\}_\{description\}\.sql/,
    )
  })

  it('reports two files with the same version (001 and 1 are the same) naming both', () => {
    const dir = migrationsDir(tempDir(), { '001_a.sql': 'SELECT 1;', '1_b.sql': 'SELECT 2;', '002_c.sql': 'SELECT 3;' })
    const { problems } = listMigrationFolder(dir)
    assert.equal(problems.length, 1)
    assert.ok(problems[0] instanceof DuplicateVersionError)
    assert.match(problems[0].message, /"001_a.sql" and "1_b.sql" both have version 1/)
  })

  it('treats version 0 as an error', () => {
    const dir = migrationsDir(tempDir(), { '0_init.sql': 'SELECT 1;' })
    const { problems, files } = listMigrationFolder(dir)
    assert.equal(files.length, 0)
    assert.match(problems[0]?.message ?? '', /version 0 is not allowed/)
  })
})

describe('checksums', () => {
  it('are the SHA-256 of the bytes after removing a BOM and normalising line endings', () => {
    const lf = Buffer.from('CREATE TABLE t (a);\nINSERT INTO t VALUES (1);\n')
    const crlf = Buffer.from('CREATE TABLE t (a);\r\nINSERT INTO t VALUES (1);\r\n')
    const cr = Buffer.from('CREATE TABLE t (a);\rINSERT INTO t VALUES (1);\r')
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), crlf])
    const actual = migrationChecksum(lf)
    assert.match(actual, /^[0-9a-f]{64}$/)
    assert.equal(migrationChecksum(crlf), actual)
    assert.equal(migrationChecksum(cr), actual)
    assert.equal(migrationChecksum(bom), actual)
    assert.equal(canonicalBytes(bom).toString(), lf.toString())
    // a real change changes it
    assert.notEqual(migrationChecksum(Buffer.from('CREATE TABLE t (b);\n')), actual)
  })

  it('matches the sha256 of the canonical text computed independently', async () => {
    const { createHash } = await import('node:crypto')
    const text = 'SELECT 1;\n'
    assert.equal(migrationChecksum(Buffer.from(text)), createHash('sha256').update(text).digest('hex'))
  })

  it('refuse binary, non-UTF-8 and oversized files with a clear reason', () => {
    const dir = migrationsDir(tempDir(), {
      '001_binary.sql': Buffer.from([0x53, 0x45, 0x00, 0x01]),
      '002_latin1.sql': Buffer.from([0x53, 0x45, 0x4c, 0xe9, 0x3b]),
      '003_big.sql': Buffer.alloc(2048, 0x20),
    })
    assert.throws(
      () => readMigrationSource(join(dir, '001_binary.sql'), 1 << 20),
      (error: unknown) => {
        assert.ok(error instanceof MigrationFileError)
        assert.match(error.message, /NUL byte at offset 2, so it is binary/)
        return true
      },
    )
    assert.throws(
      () => readMigrationSource(join(dir, '002_latin1.sql'), 1 << 20),
      /is not valid UTF-8 \(first bad byte near offset 3\): re-save it as UTF-8/,
    )
    assert.throws(
      () => readMigrationSource(join(dir, '003_big.sql'), 1024),
      /is 2 KiB, above the 1 KiB limit.*--max-file-size/,
    )
  })

  it('refuse a FIFO, a device and a socket before reading them (a FIFO would block, /dev/zero never ends)', async () => {
    const dir = migrationsDir(tempDir(), {})
    execFileSync('mkfifo', [join(dir, '001_pipe.sql')])
    symlinkSync('/dev/zero', join(dir, '002_zero.sql'))
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(join(dir, '003_socket.sql'), resolve))
    try {
      for (const [name, type] of [
        ['001_pipe.sql', 'FIFO \\(named pipe\\)'],
        ['002_zero.sql', 'character device'],
        ['003_socket.sql', 'socket'],
      ] as const) {
        assert.throws(
          () => readMigrationSource(join(dir, name), 1 << 20, 'notes'),
          (error: unknown) => {
            assert.ok(error instanceof MigrationFileError)
            assert.match(
              error.message,
              new RegExp(
                `^skill "notes": migration file "${name}" is a ${type}, not a regular file, so it was not read: `,
              ),
            )
            assert.equal(error.message.includes('\n'), false)
            return true
          },
        )
      }
    } finally {
      server.close()
    }
  })

  it('follow a symbolic link to a regular file, and name a dangling one', () => {
    const dir = migrationsDir(tempDir(), { 'shared.txt': 'CREATE TABLE t (a);\n' })
    symlinkSync(join(dir, 'shared.txt'), join(dir, '001_linked.sql'))
    symlinkSync(join(dir, 'gone.txt'), join(dir, '002_dangling.sql'))
    assert.equal(readMigrationSource(join(dir, '001_linked.sql'), 1 << 20).text, 'CREATE TABLE t (a);\n')
    assert.throws(
      () => readMigrationSource(join(dir, '002_dangling.sql'), 1 << 20),
      /"002_dangling.sql" is a symbolic link to a file that does not exist: fix or remove the link/,
    )
  })

  it('hold the size limit by the bytes read, not by the size the file reports', () => {
    // Files in /proc report size 0 but have content: the limit must still hold.
    const dir = migrationsDir(tempDir(), {})
    symlinkSync('/proc/self/status', join(dir, '001_proc.sql'))
    assert.throws(
      () => readMigrationSource(join(dir, '001_proc.sql'), 64),
      /"001_proc.sql" is more than 1 KiB, above the 1 KiB limit for one migration/,
    )
  })

  it('call UTF-16 and UTF-32 text by its name, with the fix', () => {
    const sql = 'CREATE TABLE t (a);\n'
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sql, 'utf16le')])
    const be = Buffer.from(le)
    be.swap16()
    const dir = migrationsDir(tempDir(), {
      '001_le.sql': le,
      '002_be.sql': be,
      '003_nobom.sql': Buffer.from(sql, 'utf16le'),
      '004_utf32.sql': Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]),
    })
    for (const [name, encoding] of [
      ['001_le.sql', 'UTF-16 \\(little-endian\\)'],
      ['002_be.sql', 'UTF-16 \\(big-endian\\)'],
      ['003_nobom.sql', 'UTF-16 \\(little-endian\\)'],
      ['004_utf32.sql', 'UTF-32 \\(little-endian\\)'],
    ] as const) {
      assert.throws(
        () => readMigrationSource(join(dir, name), 1 << 20),
        new RegExp(`"${name}" is ${encoding} text, not UTF-8: save it as UTF-8`),
      )
    }
    writeFileSync(join(dir, '005_bin.sql'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]))
    assert.throws(() => readMigrationSource(join(dir, '005_bin.sql'), 1 << 20), /NUL byte at offset 4, so it is binary/)
  })
})

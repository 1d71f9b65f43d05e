/**
 * A child process for races of `createMigrationFile`: `node create-worker.js <dir> <description>
 * [--distinct]` prints "ready", waits for a line on stdin (the barrier), creates one migration
 * file and prints it as JSON. With `--distinct` the description gets the process id, so racing
 * creators write different file names (the clash is then only in the version).
 */
import { createMigrationFile } from '../../lib/index.js'

const [dir = '', description = '', mode] = process.argv.slice(2)
process.stdout.write('ready\n')
process.stdin.once('data', () => {
  try {
    const created = createMigrationFile({
      skill: 'notes',
      description: mode === '--distinct' ? `${description} ${process.pid}` : description,
      migrationsDir: dir,
    })
    process.stdout.write(`${JSON.stringify(created)}\n`)
    process.exit(0)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(1)
  }
})

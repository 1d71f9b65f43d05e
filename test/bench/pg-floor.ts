/**
 * The floor of W4 for any client that keeps one transaction per migration, as issue 10 requires:
 * a bare `pg` client that sends the files, each between its own `BEGIN` and `COMMIT`, `perMessage`
 * files to a simple-query message, every commit but the last without waiting for the disk (the
 * durability the toolkit gives) — and nothing else unless asked: no ledger, no checks, no
 * reports. With `--ledger`, each transaction also inserts a ledger row.
 *
 * Run by the bench as a whole process, as the toolkit and psql are:
 * `node pg-floor.js URL DIR PER_MESSAGE [--ledger]`.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

type PgClient = {
  connect(): Promise<void>
  query(text: string): Promise<unknown>
  end(): Promise<void>
}
const pg = createRequire(import.meta.url)('pg') as { Client: new (config: { connectionString: string }) => PgClient }

async function main(url: string, dir: string, perMessage: number, ledger: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  if (ledger) {
    await client.query(
      'CREATE TABLE _migrations (skill_name text, version integer, filename text, checksum text, applied_at timestamptz DEFAULT now(), PRIMARY KEY (skill_name, version))',
    )
  }
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
  for (let first = 0; first < files.length; first += perMessage) {
    let message = ''
    for (let i = first; i < Math.min(first + perMessage, files.length); i++) {
      const name = files[i] as string
      message += i < files.length - 1 ? 'BEGIN; SET LOCAL synchronous_commit = off;\n' : 'BEGIN;\n'
      message += `${readFileSync(join(dir, name), 'utf8')}\n;\n`
      if (ledger)
        message += `INSERT INTO _migrations (skill_name, version, filename, checksum) VALUES ('bench', ${i + 1}, '${name}', 'x');\n`
      message += 'COMMIT;\n'
    }
    await client.query(message)
  }
  await client.end()
}

const [url, dir, perMessage, flag] = process.argv.slice(2)
if (!url || !dir || !perMessage) {
  console.error('usage: node pg-floor.js URL DIR PER_MESSAGE [--ledger]')
  process.exit(2)
}
main(url, dir, Number(perMessage), flag === '--ledger').catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})

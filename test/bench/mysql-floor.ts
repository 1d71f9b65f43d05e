import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { deferModule } from '../../lib/connection/deferred-module.js'

/**
 * Writes the floor of MariaDB's W2 for any tool built on `mysql2`: a CommonJS script (no ES
 * module loader, nothing of ours but the same deferral of mysql2's error table that the toolkit
 * makes) that loads mysql2, connects, reads the ledger's plan columns and quits. What it costs
 * over `node -e 0` is what every no-op run would pay before it looks at a single skill, were mysql2
 * compiled by Node as usual: the CLI compiles it from its driver code cache instead.
 *
 * Run as `node mysql-floor.cjs URL`. Returns the script's path.
 */
export function writeMysqlFloorScript(dir: string): string {
  const file = join(dir, 'mysql-floor.cjs')
  const mysql2 = createRequire(import.meta.url).resolve('mysql2')
  writeFileSync(
    file,
    `'use strict'
const { existsSync } = require('node:fs')
const { Module, createRequire } = require('node:module')
const { dirname, join } = require('node:path')
const deferModule = ${deferModule.toString()}
const entry = ${JSON.stringify(mysql2)}
deferModule(createRequire(entry), join(dirname(entry), 'lib', 'constants', 'errors.js'))
const mysql = require(entry)
const url = new URL(process.argv[2])
const connection = mysql.createConnection({
  host: url.hostname,
  port: Number(url.port || 3306),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password),
  database: decodeURIComponent(url.pathname.slice(1)),
})
connection.query('SELECT skill_name, version, filename, checksum, status, types_pending FROM _migrations', (error) => {
  if (error) {
    console.error(error.message)
    process.exit(1)
  }
  connection.end()
})
`,
  )
  return file
}

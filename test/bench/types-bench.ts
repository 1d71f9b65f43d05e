import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { glorious, nodeStart, root } from './context.js'
import { alternate } from './measure.js'
import type { BenchOptions } from './options.js'
import { versus } from './report.js'

/** Types for a wide SQLite schema, whole process; then again with the schema unchanged. */
export function typesBench(options: BenchOptions): void {
  const tables = options.size.types
  const dir = join(root, 'types', 'migrations')
  mkdirSync(dir, { recursive: true })
  for (let t = 1; t <= tables; t++) {
    const columns = Array.from(
      { length: 10 },
      (_, c) =>
        `  c${c} ${['TEXT', 'INTEGER', 'REAL', 'BOOLEAN', 'DATETIME', 'JSON', 'BLOB', 'NUMERIC(10,2)', 'VARCHAR(40)', "TEXT NOT NULL DEFAULT ''"][c]}`,
    )
    writeFileSync(
      join(dir, `${String(t).padStart(3, '0')}_table_${t}.sql`),
      `CREATE TABLE table_${t} (\n  id INTEGER PRIMARY KEY,\n${columns.join(',\n')}\n);\n`,
    )
  }
  const db = join(root, 'types.db')
  glorious(['migrate', 'run', 'types', '--dir', dir, '--db', db, '--no-codegen'])
  const typesFile = join(root, 'types', 'db-types.ts')
  const codegen = () => glorious(['migrate', 'codegen', 'types', '--dir', dir, '--db', db])
  console.log(`Types for ${tables} tables`)
  const [fresh, node] = alternate(
    [
      { name: 'ours', settings: 'WAL', run: codegen, prepare: () => rmSync(typesFile, { force: true }) },
      { name: 'node -e 0', settings: '-', run: nodeStart },
    ],
    options.runs,
    options.warmUp,
  )
  if (fresh && node) versus(`Types for ${tables} tables, whole process`, fresh, node, '≤ 1 s')
  codegen()
  const mtime = statSync(typesFile).mtimeMs
  const [unchanged, node2] = alternate(
    [
      { name: 'ours', settings: 'WAL', run: codegen },
      { name: 'node -e 0', settings: '-', run: nodeStart },
    ],
    options.runs,
    options.warmUp,
  )
  const untouched = statSync(typesFile).mtimeMs === mtime
  if (unchanged && node2) {
    versus(
      `Types, schema unchanged: ${untouched ? 'file not rewritten' : 'FILE REWRITTEN'}`,
      unchanged,
      node2,
      'no write',
    )
  }
}

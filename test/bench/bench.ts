/**
 * `npm run bench [-- --only sqlite,types,memory,pg,mysql] [--runs N] [--quick] [--psql-per-process]`:
 * the benchmark table of the README's performance section.
 *
 * Every comparison is timed as medians of N runs after a warm-up, ours and its baselines measured
 * alternately (A, B, C, A, B, C, …) in the same run, so machine noise hits all alike; each row
 * says which settings each side used. Whole-process times include Node's start-up. Peak memory
 * is the process's maximum resident set size (from GNU time).
 *
 * Workloads:
 * - W1: 1000 realistic migrations on a fresh SQLite database, in WAL and rollback (DELETE) mode,
 *   against the sqlite3 CLI applying each file in its own transaction (the per-file floor) and all
 *   in one (the one-transaction floor), each floor at the journal mode and `synchronous` level our
 *   run of that mode uses. Also our peak RSS.
 * - W3: 200 skills × 10 migrations, fresh, against the same two floors in both modes.
 * - W2: the no-op run (everything applied): the whole `glorious migrate run` process against
 *   `node -e 0`, and the in-process check of 50 skills × 20 migrations with the database open.
 * - Types for a 300-table schema (whole process), and again with the schema unchanged.
 * - Memory: peak RSS of 1,000 against 10,000 migrations (files are read one at a time).
 * - PostgreSQL W4 (fresh 1000 migrations against psql) and W2; MariaDB W5 (fresh 1000 against the
 *   client) and W2. Skipped with a printed line when a server cannot be reached.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { nodeStart, root } from './context.js'
import { hasPeakMemory, median, seconds } from './measure.js'
import { memoryBench } from './memory-bench.js'
import { mysqlBench } from './mysql-bench.js'
import { parseOptions } from './options.js'
import { postgresBench } from './postgres-bench.js'
import { addNote, printTable } from './report.js'
import { sqliteBench } from './sqlite-bench.js'
import { typesBench } from './types-bench.js'

const options = (() => {
  try {
    return parseOptions(process.argv.slice(2), process.env)
  } catch (error) {
    rmSync(root, { recursive: true, force: true })
    console.error(`npm run bench: ${(error as Error).message}`)
    process.exit(2)
  }
})()
const sections = [...options.sections]
console.log(
  `glorious-migrate benchmarks: ${sections.join(', ')}; ${options.runs} run(s) per measurement` +
    `${options.warmUp ? ' after a warm-up' : ', no warm-up'}, medians${options.quick ? ' (quick: smaller histories)' : ''}; temp ${root}`,
)
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
const nodeContext = () => seconds(median(Array.from({ length: 5 }, () => nodeStart().ms)))
const loadBefore = load()
const nodeBefore = nodeContext()
const started = performance.now()
try {
  if (options.sections.has('sqlite')) await sqliteBench(options)
  if (options.sections.has('types')) typesBench(options)
  if (options.sections.has('memory') && !options.quick) memoryBench()
  if (options.sections.has('pg')) await postgresBench(options)
  if (options.sections.has('mysql')) await mysqlBench(options)
} finally {
  rmSync(root, { recursive: true, force: true })
}
addNote(
  `load: \`node -e 0\` median of 5 took ${nodeBefore} before and ${nodeContext()} after the bench; load average ${loadBefore} before, ${load()} after; ` +
    `the bench took ${seconds(performance.now() - started)}`,
)
if (!hasPeakMemory) addNote('peak memory not measured: GNU time (/usr/bin/time) is not installed')
printTable()
const memory = (() => {
  try {
    return readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)?.[1]
  } catch {
    return undefined // not Linux
  }
})()
const sqlite = (() => {
  try {
    return execFileSync('sqlite3', ['-version'], { encoding: 'utf8' }).split(' ')[0]
  } catch {
    return 'absent'
  }
})()
console.log(
  `\nmachine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${memory ? `${Math.round(Number(memory) / 1024 / 1024)} GiB, ` : ''}` +
    `Node ${process.version}, sqlite3 CLI ${sqlite}`,
)

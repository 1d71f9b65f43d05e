// Run by the benchmark with --expose-gc: applies a folder of migrations in-process and prints the
// largest JavaScript heap still in use after a full collection, sampled every 100 migrations.
import { migrateSkills } from '../../lib/index.js'

const [dir, database] = process.argv.slice(2)
const collect = (globalThis as { gc?: () => void }).gc
if (!dir || !database || !collect)
  throw new Error('usage: node --expose-gc memory-probe.js <migrations dir> <database>')
let peak = 0
const result = await migrateSkills([{ name: 'bench', migrationsDir: dir }], {
  database,
  journalMode: 'delete',
  codegen: false,
  onProgress: ({ done }) => {
    if (done % 100 !== 0) return
    collect()
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  },
})
if (result.error) throw result.error
console.log(JSON.stringify({ applied: result.applied.length, retainedHeapMiB: peak / 1024 / 1024 }))

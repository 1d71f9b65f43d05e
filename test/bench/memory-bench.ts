import { execFileSync } from 'node:child_process'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { filesOf, glorious, root } from './context.js'
import { DATA_ONLY, generateMigrations } from './generate-migrations.js'
import { mib, seconds } from './measure.js'
import { addRow } from './report.js'

const PROBE = fileURLToPath(new URL('./memory-probe.js', import.meta.url))

/**
 * A history ten times longer must not need ten times the memory: migration texts are read one at
 * a time. Data-only histories keep SQLite's own schema small, so the runner is what is measured:
 * the CLI's peak RSS, and the peak JavaScript heap of the same run in-process.
 */
export function memoryBench(): void {
  const measure = (count: number) => {
    const dir = generateMigrations(join(root, `m${count}`, 'migrations'), count, DATA_ONLY)
    const path = join(root, `m${count}.db`)
    const measured = glorious([
      'migrate',
      'run',
      'bench',
      '--dir',
      dir,
      '--db',
      path,
      '--journal-mode',
      'delete',
      '--no-codegen',
    ])
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
    const probe = execFileSync(process.execPath, ['--expose-gc', PROBE, dir, path], { encoding: 'utf8' })
    const heapMiB = (JSON.parse(probe) as { retainedHeapMiB: number }).retainedHeapMiB
    const sqlMiB = filesOf([dir]).reduce((sum, file) => sum + statSync(file).size, 0) / 1024 / 1024
    return { ...measured, sqlMiB, heapMiB }
  }
  console.log('Memory: 1,000 and 10,000 data migrations')
  const small = measure(1000)
  const large = measure(10_000)
  addRow({
    workload: `Memory: 10,000 data migrations (${large.sqlMiB.toFixed(1)} MiB of SQL) vs 1,000 (${small.sqlMiB.toFixed(1)} MiB): peak RSS`,
    ours: seconds(large.ms),
    baseline: seconds(small.ms),
    ratio: `${((large.peakMiB ?? 0) / (small.peakMiB ?? 1)).toFixed(2)}×`,
    goal: '(report)',
    peak: `${mib(large.peakMiB)} vs ${mib(small.peakMiB)}`,
    settings: 'rollback (DELETE), synchronous=FULL; one run each',
  })
  addRow({
    workload: 'Memory: the same runs in-process: JavaScript heap retained after GC (texts are not kept)',
    ours: '-',
    baseline: '-',
    ratio: `${(large.heapMiB / small.heapMiB).toFixed(2)}×`,
    goal: 'grows < SQL size',
    peak: `${large.heapMiB.toFixed(1)} vs ${small.heapMiB.toFixed(1)}`,
    settings: 'rollback (DELETE)',
  })
}

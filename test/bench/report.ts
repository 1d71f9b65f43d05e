import { type Summary, mib, seconds } from './measure.js'

/** One line of the printed table. */
export interface Row {
  readonly workload: string
  readonly ours: string
  readonly baseline: string
  readonly ratio: string
  readonly goal: string
  readonly peak: string
  /** Which settings each side ran with (journal mode, synchronous, server durability…). */
  readonly settings: string
}

const rows: Row[] = []
const notes: string[] = []

export function addRow(row: Row): void {
  rows.push(row)
}

/** A line printed under the table (skipped sections, server settings, load). */
export function addNote(note: string): void {
  notes.push(note)
  console.log(`  ${note}`)
}

/** A row comparing our median with a baseline's median measured alternately in the same run. */
export function versus(workload: string, ours: Summary, baseline: Summary, goal: string): void {
  const settings =
    ours.settings === baseline.settings
      ? `both: ${ours.settings}`
      : `${ours.name === 'ours' ? 'ours' : `${ours.name} (in the ours column)`}: ${ours.settings}; baseline (${baseline.name}): ${baseline.settings}`
  addRow({
    workload,
    ours: seconds(ours.ms),
    baseline: `${seconds(baseline.ms)} (${baseline.name})`,
    ratio: `${(ours.ms / baseline.ms).toFixed(2)}×`,
    goal,
    peak: mib(ours.peakMiB),
    settings,
  })
  console.log(
    `  ${workload}: ${seconds(ours.ms)} vs ${seconds(baseline.ms)} = ${(ours.ms / baseline.ms).toFixed(2)}× (goal ${goal})`,
  )
}

export function printTable(): void {
  const header = ['workload', 'ours', 'baseline', 'ratio', 'goal', 'peak MiB', 'settings']
  const table = [header, ...rows.map((r) => [r.workload, r.ours, r.baseline, r.ratio, r.goal, r.peak, r.settings])]
  const widths = header.map((_, i) => Math.max(...table.map((cells) => (cells[i] as string).length)))
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`
  console.log()
  console.log(line(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const cells of table.slice(1)) console.log(line(cells))
  if (notes.length > 0) console.log(`\n${notes.map((note) => `- ${note}`).join('\n')}`)
}

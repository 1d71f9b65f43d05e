/** A table cell: text, right-aligned when `align` says so. */
export type Cell = string | { readonly text: string; readonly align: 'right' }

const text = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.text)
const pad = (cell: Cell, width: number): string =>
  typeof cell === 'string' || cell.align !== 'right' ? text(cell).padEnd(width) : cell.text.padStart(width)

/**
 * A table drawn with box characters, like the guide's `status` example:
 *
 * ```
 * ┏━━━━━━━━━┳━━━━━━━━━┓
 * ┃ Skill   ┃ Version ┃
 * ┡━━━━━━━━━╇━━━━━━━━━┩
 * │ issues  │ 3       │
 * └─────────┴─────────┘
 * ```
 */
export function boxTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = columnWidths(header, rows)
  const line = (left: string, fill: string, join: string, right: string) =>
    left + widths.map((w) => fill.repeat(w + 2)).join(join) + right
  const row = (cells: readonly Cell[], bar: string) =>
    bar + cells.map((cell, i) => ` ${pad(cell, widths[i] as number)} `).join(bar) + bar
  return [
    line('┏', '━', '┳', '┓'),
    row(header, '┃'),
    line('┡', '━', '╇', '┩'),
    ...rows.map((cells) => row(cells, '│')),
    line('└', '─', '┴', '┘'),
  ].join('\n')
}

/** The same table as plain text: columns separated by two spaces, no trailing spaces. */
export function plainTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = columnWidths(header, rows)
  const row = (cells: readonly Cell[]) =>
    cells
      .map((cell, i) => pad(cell, widths[i] as number))
      .join('  ')
      .trimEnd()
  return [row(header), ...rows.map(row)].join('\n')
}

function columnWidths(header: readonly string[], rows: readonly (readonly Cell[])[]): number[] {
  return header.map((title, i) => Math.max(title.length, ...rows.map((cells) => text(cells[i] ?? '').length)))
}

/** Rows aligned in columns separated by two spaces, without a header. */
export function alignedRows(rows: readonly (readonly Cell[])[]): string {
  if (rows.length === 0) return ''
  return plainTable(
    (rows[0] as readonly Cell[]).map(() => ''),
    rows,
  )
    .split('\n')
    .slice(1)
    .join('\n')
}

import { SafeText, joinSafe, safe, visibleLength } from './safe.js'

/**
 * A table cell: data (escaped when printed, see `safe.ts`) or styled text, right-aligned when
 * `align` says so.
 */
export type Cell = string | SafeText | { readonly text: string | SafeText; readonly align: 'right' }

const content = (cell: Cell): SafeText => safe(typeof cell === 'object' && 'align' in cell ? cell.text : cell)

function pad(cell: Cell, width: number): string {
  const text = content(cell)
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)))
  return typeof cell === 'object' && 'align' in cell && cell.align === 'right' ? fill + text.text : text.text + fill
}

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
export function boxTable(header: readonly string[], rows: readonly (readonly Cell[])[]): SafeText {
  const widths = columnWidths(header, rows)
  const line = (left: string, fill: string, join: string, right: string) =>
    new SafeText(left + widths.map((w) => fill.repeat(w + 2)).join(join) + right)
  const row = (cells: readonly Cell[], bar: string) =>
    new SafeText(bar + cells.map((cell, i) => ` ${pad(cell, widths[i] as number)} `).join(bar) + bar)
  return joinSafe(
    [
      line('┏', '━', '┳', '┓'),
      row(header, '┃'),
      line('┡', '━', '╇', '┩'),
      ...rows.map((cells) => row(cells, '│')),
      line('└', '─', '┴', '┘'),
    ],
    '\n',
  )
}

/** The same table as plain text: columns separated by two spaces, no trailing spaces. */
export function plainTable(header: readonly string[], rows: readonly (readonly Cell[])[]): SafeText {
  const widths = columnWidths(header, rows)
  const row = (cells: readonly Cell[]) =>
    new SafeText(
      cells
        .map((cell, i) => pad(cell, widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
  return joinSafe([row(header), ...rows.map(row)], '\n')
}

function columnWidths(header: readonly string[], rows: readonly (readonly Cell[])[]): number[] {
  return header.map((title, i) =>
    Math.max(title.length, ...rows.map((cells) => visibleLength(content(cells[i] ?? '')))),
  )
}

/** Rows aligned in columns separated by two spaces, without a header. */
export function alignedRows(rows: readonly (readonly Cell[])[]): SafeText {
  if (rows.length === 0) return new SafeText('')
  const table = plainTable(
    (rows[0] as readonly Cell[]).map(() => ''),
    rows,
  )
  return new SafeText(table.text.split('\n').slice(1).join('\n'))
}

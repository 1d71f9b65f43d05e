/** ANSI styling that is on only for a terminal and never with NO_COLOR (https://no-color.org). */
export interface Style {
  readonly enabled: boolean
  red(text: string): string
  yellow(text: string): string
  green(text: string): string
  dim(text: string): string
  bold(text: string): string
}

export function createStyle(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): Style {
  const enabled = isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb'
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return Object.freeze({
    enabled,
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  })
}

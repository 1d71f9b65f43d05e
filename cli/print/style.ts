import { SafeText, safe } from './safe.js'

/**
 * ANSI styling that is on only for a terminal and never with NO_COLOR (https://no-color.org).
 * Each style escapes data it is given (see {@link safe}) and returns text safe to print.
 */
export interface Style {
  readonly enabled: boolean
  red(text: string | SafeText): SafeText
  yellow(text: string | SafeText): SafeText
  green(text: string | SafeText): SafeText
  dim(text: string | SafeText): SafeText
  bold(text: string | SafeText): SafeText
}

export function createStyle(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): Style {
  const enabled = isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb'
  const wrap = (open: number, close: number) => (text: string | SafeText) =>
    enabled ? new SafeText(`\u001b[${open}m${safe(text).text}\u001b[${close}m`) : safe(text)
  return Object.freeze({
    enabled,
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  })
}

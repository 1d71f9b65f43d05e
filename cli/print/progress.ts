import { escapeForTerminal } from './safe.js'

/** A one-line progress bar on a terminal's stderr, redrawn in place and erased when done. */
export class ProgressBar {
  readonly #stream: NodeJS.WritableStream & { columns?: number }
  #drawn = false

  constructor(stream: NodeJS.WritableStream & { columns?: number }) {
    this.#stream = stream
  }

  update(done: number, total: number, label: string): void {
    const width = 30
    const filled = total === 0 ? width : Math.round((done / total) * width)
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} `
    const room = Math.max(0, (this.#stream.columns ?? 80) - bar.length - 1)
    this.#stream.write(`\r${bar}${escapeForTerminal(label).slice(0, room).padEnd(room)}`)
    this.#drawn = true
  }

  clear(): void {
    if (!this.#drawn) return
    this.#stream.write(`\r${' '.repeat(Math.max(0, (this.#stream.columns ?? 80) - 1))}\r`)
    this.#drawn = false
  }
}

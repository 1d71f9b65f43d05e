/**
 * A minimal PostgreSQL wire-protocol client (trust authentication only) for the splitter's
 * server check: it asks the real server to Parse statements with the extended protocol, which
 * parses and analyses a statement without running it, and refuses a string that holds more than
 * one ("cannot insert multiple commands into a prepared statement"). Test code only: the
 * toolkit itself talks to PostgreSQL through `pg`.
 */
import { connect, type Socket } from 'node:net'

export interface ParseOutcome {
  /** The server's error, or `undefined` when the statement parsed. */
  readonly error?: { readonly code: string; readonly message: string; readonly position: number | undefined }
}

export class PgParseClient {
  readonly #socket: Socket
  #buffer: Buffer = Buffer.alloc(0)
  #waiting: ((message: { type: string; body: Buffer }) => void)[] = []
  #queued: { type: string; body: Buffer }[] = []
  #closed: Error | undefined

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => this.#receive(chunk))
    socket.on('error', (error) => (this.#closed = error))
    socket.on('close', () => (this.#closed ??= new Error('the server closed the connection')))
  }

  /** Connects as `user` to `database` on `host:port`; the server must trust the connection. */
  static async connect(options: {
    host: string
    port: number
    user: string
    database: string
  }): Promise<PgParseClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(options.port, options.host, () => resolve(s))
      s.once('error', reject)
    })
    const client = new PgParseClient(socket)
    const params = Buffer.from(`user\0${options.user}\0database\0${options.database}\0client_encoding\0UTF8\0\0`)
    const startup = Buffer.alloc(8 + params.length)
    startup.writeInt32BE(startup.length, 0)
    startup.writeInt32BE(196608, 4) // protocol 3.0
    params.copy(startup, 8)
    socket.write(startup)
    for (;;) {
      const message = await client.#next()
      if (message.type === 'R' && message.body.readInt32BE(0) !== 0)
        throw new Error('the server asks for a password: the server check needs trust authentication')
      if (message.type === 'E') throw new Error(`connection refused: ${errorFields(message.body).message}`)
      if (message.type === 'Z') return client
    }
  }

  /** Runs `sql` with the simple protocol (for CREATE/DROP DATABASE); throws on an error. */
  async query(sql: string): Promise<void> {
    this.#socket.write(message('Q', cString(sql)))
    let error: string | undefined
    for (;;) {
      const reply = await this.#next()
      if (reply.type === 'E') error = errorFields(reply.body).message
      if (reply.type === 'Z') break
    }
    if (error !== undefined) throw new Error(error)
  }

  /** Parses each statement (pipelined: one Parse and Sync each) and returns the server's verdicts, in order. */
  async parse(statements: readonly string[]): Promise<ParseOutcome[]> {
    const parts: Buffer[] = []
    for (const sql of statements) {
      parts.push(
        message('P', Buffer.concat([cString(''), cString(sql), Buffer.from([0, 0])])),
        message('S', Buffer.alloc(0)),
      )
    }
    this.#socket.write(Buffer.concat(parts))
    const outcomes: ParseOutcome[] = []
    let current: ParseOutcome = {}
    while (outcomes.length < statements.length) {
      const reply = await this.#next()
      if (reply.type === 'E') current = { error: errorFields(reply.body) }
      else if (reply.type === 'Z') {
        outcomes.push(current)
        current = {}
      }
    }
    return outcomes
  }

  async close(): Promise<void> {
    this.#socket.end(message('X', Buffer.alloc(0)))
    await new Promise<void>((resolve) => this.#socket.once('close', () => resolve()))
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk
    while (this.#buffer.length >= 5) {
      const length = this.#buffer.readInt32BE(1)
      if (this.#buffer.length < 1 + length) break
      const reply = { type: String.fromCharCode(this.#buffer[0]!), body: this.#buffer.subarray(5, 1 + length) }
      this.#buffer = this.#buffer.subarray(1 + length)
      const waiter = this.#waiting.shift()
      if (waiter) waiter(reply)
      else this.#queued.push(reply)
    }
  }

  #next(): Promise<{ type: string; body: Buffer }> {
    const queued = this.#queued.shift()
    if (queued) return Promise.resolve(queued)
    if (this.#closed) return Promise.reject(this.#closed)
    return new Promise((resolve) => this.#waiting.push(resolve))
  }
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}

function cString(text: string): Buffer {
  return Buffer.from(text + '\0', 'utf8')
}

function errorFields(body: Buffer): { code: string; message: string; position: number | undefined } {
  const fields = new Map<string, string>()
  for (let at = 0; at < body.length && body[at] !== 0;) {
    const end = body.indexOf(0, at + 1)
    fields.set(String.fromCharCode(body[at]!), body.toString('utf8', at + 1, end))
    at = end + 1
  }
  const position = fields.get('P')
  return {
    code: fields.get('C') ?? '',
    message: fields.get('M') ?? '',
    position: position === undefined ? undefined : Number(position),
  }
}

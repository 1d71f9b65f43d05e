/**
 * Scratch databases on the MariaDB server the MySQL splitter suites run against
 * (127.0.0.1:3306, user root, no password, as on this machine and in CI; MYSQL_HOST, MYSQL_PORT
 * and MYSQL_USER override). Each suite makes its own databases, named after the process, and
 * drops them when it ends.
 */
import type { Connection, ConnectionOptions } from 'mysql2/promise'

export const SERVER = {
  host: process.env.MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? 'root',
} as const

/** A database name no other test run uses: `gm_<purpose>_<pid>_<random>`. */
export function scratchName(purpose: string): string {
  return `gm_${purpose}_${process.pid}_${Math.floor(Math.random() * 1e6)}`
}

/** Opens a connection (mysql2 is loaded lazily, as the library will). */
export async function connect(options: ConnectionOptions = {}): Promise<Connection> {
  const mysql = await import('mysql2/promise')
  return mysql.createConnection({ ...SERVER, ...options })
}

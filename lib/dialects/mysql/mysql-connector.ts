import type { EngineConnector } from '../connector.js'

/** Placeholder until the MySQL dialect lands. */
export const mysqlConnector: EngineConnector = new Proxy({} as EngineConnector, {
  get() {
    throw new Error('MySQL is not supported yet')
  },
})

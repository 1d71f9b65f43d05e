import type { EngineConnector } from '../connector.js'

/** Placeholder until the PostgreSQL dialect lands. */
export const postgresConnector: EngineConnector = new Proxy({} as EngineConnector, {
  get() {
    throw new Error('PostgreSQL is not supported yet')
  },
})

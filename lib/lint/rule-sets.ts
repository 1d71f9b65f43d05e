import type { EngineName } from '../dialects/dialect.js'
import type { LintRuleSet } from './rule-set.js'

/**
 * The one place that maps an engine to its lint rules, loading them (and a PostgreSQL parser)
 * only for the engine being linted.
 */
export async function ruleSetFor(engine: EngineName): Promise<LintRuleSet> {
  switch (engine) {
    case 'sqlite':
      return (await import('./sqlite/sqlite-rule-set.js')).sqliteRuleSet
    case 'postgres':
      return (await import('./postgres/postgres-rule-set.js')).postgresRuleSet
    case 'mysql':
      return (await import('./mysql/mysql-rule-set.js')).mysqlRuleSet
  }
}

// A lazy stand-in for `assert` inside the CLI bundle. yargs' platform shim reads
// `notStrictEqual` and `strictEqual` off Node's `assert` when it loads, and yargs calls them at
// every start to check its own state, which loads `assert` and its four internal modules. The
// comparison (`Object.is`, as Node's strict assertions use) is made here; Node's `assert` is loaded
// only to throw its own error when a check fails.
import { createRequire } from 'node:module'

let loaded
const assert = () => (loaded ??= createRequire(import.meta.url)('node:assert'))

export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) assert().notStrictEqual(actual, expected, message)
}

export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) assert().strictEqual(actual, expected, message)
}

/**
 * The package's entry for `require('glorious-migrate')`. The library is an ES module; Node 20.19+
 * (and 22.12+) can `require()` it, so this file only hands over the ES module, or explains what to
 * do on an older Node instead of Node's generic ERR_REQUIRE_ESM. The message is written here, not
 * in errors.ts, because errors.ts is an ES module that such a Node cannot load.
 */
if (process.features.require_module !== true) {
  throw new Error(
    `glorious-migrate is an ES module, and require() of ES modules is not enabled in this Node (${process.version}): ` +
      "load it with `await import('glorious-migrate')`, or run Node 20.19+ (22.12+ on Node 22) without --no-experimental-require-module",
  )
}
module.exports = require('./index.js')

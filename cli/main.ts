#!/usr/bin/env node
// The unbundled entry point (build/cli/main.js); the published binary is the loader that
// scripts/bundle-cli.mjs writes, which does the same around the bundle.
import { enableDriverCodeCache, runCli } from './run-cli.js'

// Output that cannot be written never stops the command (a run is never cut short by it): a reader
// that stops early (`glorious migrate history | head -1`) costs the rest of the output, and runCli
// reports any other failure to write stdout once the command is done (exit 1). A failing stderr
// has nowhere left to be reported.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})

enableDriverCodeCache(process.env)
process.exitCode = await runCli(process.argv.slice(2), process)

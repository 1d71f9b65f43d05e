#!/usr/bin/env node
// The unbundled entry point (build/cli/main.js); the published binary is the loader that
// scripts/bundle-cli.mjs writes, which does the same around the bundle.
import { runCli } from './run-cli.js'

// A reader that stops early (`glorious migrate history | head -1`) closes our stdout: what is left
// to print is dropped, and the command still finishes its work (a run is never cut short by it).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
  })
}

process.exitCode = await runCli(process.argv.slice(2), process)

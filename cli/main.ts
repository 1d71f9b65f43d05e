#!/usr/bin/env node
import { runCli } from './run-cli.js'

// A reader that stops early (`glorious migrate history | head -1`) closes our stdout: what is left
// to print is dropped, and the command still finishes its work (a run is never cut short by it).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
  })
}

process.exitCode = await runCli(process.argv.slice(2), process)

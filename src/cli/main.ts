#!/usr/bin/env node
// The adrank executable: runs the command line (src/cli/cli.ts) and exits with its code.
import { runCli } from './cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`adrank: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);

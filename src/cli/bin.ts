#!/usr/bin/env node
/** The `jointly` executable: runs the command line on this process's arguments. */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`jointly: fatal: ${String(err)}\n`);
    process.exitCode = 1;
  },
);

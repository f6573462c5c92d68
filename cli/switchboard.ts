#!/usr/bin/env node
// The `switchboard` executable.
import { ConfigError } from '../core/host.js';
import { EXIT } from './command.js';
import { main } from './main.js';

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    process.stderr.write(`switchboard: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);

#!/usr/bin/env node
import { main } from './main.js';

// Piping into `head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    // Interrupted (130, 143): stdout may hold rows for a reader that stopped reading, which would
    // keep the process until it reads; what was to be cleaned up is, by now.
    if (code === 130 || code === 143) process.exit(code);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tickflow: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

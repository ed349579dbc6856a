#!/usr/bin/env node
import { main } from './main.js';

// Piping into `head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    // An interrupted query (130, 143) may have rows queued for a reader that stopped reading,
    // which would keep the process until it reads: they are not wanted, and its cleanup is done.
    // Not so replay: its interrupted run ends by printing what it did, which must all arrive.
    if (process.argv[2] === 'query' && (code === 130 || code === 143)) process.exit(code);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tickflow: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

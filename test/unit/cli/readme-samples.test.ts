/**
 * The README's sample outputs are what the commands print: the front door stays true as the
 * flow changes (a change to the simulation once left the daily-ohlc sample stale unnoticed).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

const README = readFileSync('README.md', 'utf8');

/** The README's fenced block that starts with `first`, as lines; "…" lines stand for lines left out. */
function sample(first: string): string[] {
  const blocks: string[][] = [];
  let open: string[] | undefined;
  for (const line of README.split('\n')) {
    if (line.startsWith('```')) {
      if (open === undefined) open = [];
      else {
        blocks.push(open);
        open = undefined;
      }
    } else open?.push(line);
  }
  const block = blocks.find((b) => b[0]?.startsWith(first));
  if (block === undefined) throw new Error(`README has no sample starting with ${JSON.stringify(first)}`);
  return block.filter((l) => l.trim() !== '');
}

let dir: string;
let replayOut: string;
let lake: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-readme-'));
  lake = join(dir, 'lake');
  // `npx tickflow replay` as the README runs it; only the lake folder is moved out of the checkout.
  replayOut = (await runCli(['replay', '--quiet', '--lake', lake])).stdout;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the README samples', () => {
  it('`npx tickflow replay`: every line shown is printed', () => {
    const shown = sample('tickflow replay — simulated market');
    expect(shown.length).toBeGreaterThanOrEqual(5);
    const printed = replayOut.split('\n');
    for (const line of shown) {
      if (line.trim() === '…') continue;
      // A line cut short with "…" must match up to the cut.
      const cut = line.indexOf(', …');
      expect(printed.some((p) => (cut < 0 ? p === line : p.startsWith(line.slice(0, cut))))).toBe(true);
    }
  });

  it('`npx tickflow query daily-ohlc --symbols AAPL,MSFT` after it: the table as shown', async () => {
    const { code, stdout } = await runCli(['query', 'daily-ohlc', '--symbols', 'AAPL,MSFT', '--lake', lake]);
    expect(code).toBe(0);
    const withoutResult = (lines: string[]) => lines.filter((l) => l.trim() !== '' && !l.startsWith('result: '));
    expect(withoutResult(stdout.split('\n'))).toEqual(withoutResult(sample('tickflow query daily-ohlc')));
  });
});

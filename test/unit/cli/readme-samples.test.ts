/**
 * The README's sample outputs are what the commands print: the front door stays true as the
 * flow changes (a change to the simulation once left the daily-ohlc sample stale unnoticed).
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

const README = readFileSync('README.md', 'utf8');

/** The README's fenced blocks, with the language their fence names. */
function blocks(): { lang: string; lines: string[] }[] {
  const out: { lang: string; lines: string[] }[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of README.split('\n')) {
    if (line.startsWith('```')) {
      if (open === undefined) open = { lang: line.slice(3).trim(), lines: [] };
      else {
        out.push(open);
        open = undefined;
      }
    } else open?.lines.push(line);
  }
  return out;
}

/** The README's fenced block that starts with `first`, as lines; "…" lines stand for lines left out. */
function sample(first: string): string[] {
  const block = blocks()
    .map((b) => b.lines)
    .find((b) => b[0]?.startsWith(first));
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

  it('the TypeScript examples type-check against the package as users import it', async () => {
    const examples = blocks().filter((b) => b.lang === 'ts');
    expect(examples.length).toBeGreaterThanOrEqual(3);
    // Inside the checkout, so the examples' own imports (@aws-sdk/…) resolve from node_modules;
    // 'tickflow' and its subpaths are mapped to the sources, so no build is needed.
    const folder = resolve('node_modules/.cache/tickflow-readme-examples');
    await mkdir(folder, { recursive: true });
    try {
      const files = await Promise.all(
        examples.map(async (example, i) => {
          const file = join(folder, `example-${i}.ts`);
          // The one free name the examples use: the user's own ticks.
          await writeFile(file, `declare const ticks: Iterable<unknown>;\n${example.lines.join('\n')}\nexport {};\n`);
          return file;
        }),
      );
      const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        experimentalDecorators: true,
        types: ['node'],
        baseUrl: resolve('.'),
        paths: { tickflow: ['src/index.ts'], 'tickflow/aws': ['src/aws.ts'], 'tickflow/lambda/*': ['src/lambda/*.ts'] },
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file === undefined || d.file.fileName.startsWith(folder))
        .map((d) => `${d.file?.fileName.slice(folder.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(problems).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

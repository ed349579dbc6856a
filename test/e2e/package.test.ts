/**
 * The npm package as a user gets it: this source built in a copy of the repository, packed
 * with `npm pack`, and unpacked into a fresh project that has only the package's production
 * dependencies (the closure `npm ls --omit=dev` lists, linked from this repository's
 * node_modules: no network). There it must import as ESM and CommonJS, its Lambda entry
 * points must load, its command must run, and its declarations must type-check under
 * `strict` with `skipLibCheck` off, as a TypeScript user's project checks them — so a type the
 * declarations name from a package the user does not get (a devDependency) fails here.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What `npm run build` reads, beside node_modules. */
const BUILD_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsup.config.ts',
  'README.md',
  'LICENSE',
  'docs',
  'src',
  'scripts',
];

let work = '';
let consumer = '';
/** The file names `npm pack` put in the tarball, relative to the package root. */
let packed: string[] = [];

/** Runs a command; on failure the error carries its output. */
async function sh(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Runs a file of the consumer project with Node; returns its stdout. */
const node = (file: string, ...args: string[]) => sh(process.execPath, [file, ...args], consumer);

/** Runs the repository's TypeScript compiler on a consumer tsconfig; returns the diagnostics ('' when clean). */
async function tsc(config: string): Promise<string> {
  try {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: consumer });
    return '';
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? String(error);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tickflow-package-'));
  // Build in a copy, so the repository's own dist (which other tests load) is left alone.
  const pkg = join(work, 'pkg');
  await mkdir(pkg);
  for (const entry of BUILD_INPUTS) await cp(join(ROOT, entry), join(pkg, entry), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  await sh(NPM, ['run', 'build', '--silent'], pkg);
  const [info] = JSON.parse(await sh(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], pkg)) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (info === undefined) throw new Error('npm pack wrote no tarball');
  packed = info.files.map((f) => f.path);

  consumer = join(work, 'consumer');
  const modules = join(consumer, 'node_modules');
  await mkdir(join(modules, '@types'), { recursive: true });
  await sh('tar', ['-xzf', join(work, basename(info.filename)), '-C', modules], work);
  await cp(join(modules, 'package'), join(modules, 'tickflow'), { recursive: true });
  await rm(join(modules, 'package'), { recursive: true });
  // The package's production dependencies, as installing it would bring them: the top-level
  // folders of the closure (nested ones come inside their parents), and nothing else.
  const closure = (await sh(NPM, ['ls', '--omit=dev', '--all', '--parseable'], ROOT)).split('\n').filter((p) => p.length > 0);
  const top = new Set(
    closure
      .map((p) => relative(join(ROOT, 'node_modules'), p).split(sep))
      .filter((parts) => parts[0] !== '..' && parts[0] !== '' && !parts.includes('node_modules'))
      .map((parts) => parts.join('/')),
  );
  for (const name of top) {
    await mkdir(join(modules, name, '..'), { recursive: true });
    await symlink(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  // The user's own: Node's types, as any TypeScript project on Node has.
  if (!top.has('@types/node')) await symlink(join(ROOT, 'node_modules/@types/node'), join(modules, '@types/node'), 'dir');
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
}, 240_000);

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the build and the documents, and no sources or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'docs/DESIGN.md', 'dist/index.js', 'dist/cli.js']),
    );
    expect(packed.filter((p) => /^(src|test|bench|infra)\//.test(p))).toEqual([]);
  });

  it('imports as ESM, and the library works', async () => {
    await writeFile(
      join(consumer, 'esm.mjs'),
      `import { TrendTracker, replay } from 'tickflow';
import { S3Lake } from 'tickflow/aws';
const t = new TrendTracker({ short: 2, long: 3, priceDecimals: 0 });
const outcomes = [3, 2, 1, 5].map((u, i) => t.update(i, u));
const { stats } = await replay([{ symbol: 'AAPL', timestamp: 1704153600000, price: 187.43, volume: 10 }, 'not json'], { lake: false });
console.log(JSON.stringify({ outcomes, accepted: stats.accepted, rejected: stats.rejectedTotal, s3: typeof S3Lake }));
`,
    );
    expect(JSON.parse(await node('esm.mjs'))).toEqual({ outcomes: [0, 0, 0, 1], accepted: 1, rejected: 1, s3: 'function' });
  });

  it('requires as CommonJS', async () => {
    await writeFile(
      join(consumer, 'cjs.cjs'),
      `const { TrendTracker, quantise } = require('tickflow');
const { SnsAlertPublisher } = require('tickflow/aws');
console.log(JSON.stringify({ units: quantise(187.43, 6), tracker: typeof TrendTracker, sns: typeof SnsAlertPublisher }));
`,
    );
    expect(JSON.parse(await node('cjs.cjs'))).toEqual({ units: 187_430_000, tracker: 'function', sns: 'function' });
  });

  it('loads each Lambda entry point, a handler function', async () => {
    await writeFile(
      join(consumer, 'lambdas.mjs'),
      `const names = ['ingest', 'trend', 'produce', 'query'];
const kinds = await Promise.all(names.map(async (n) => typeof (await import('tickflow/lambda/' + n)).handler));
console.log(JSON.stringify(kinds));
`,
    );
    expect(JSON.parse(await node('lambdas.mjs'))).toEqual(['function', 'function', 'function', 'function']);
  });

  it('runs its command', async () => {
    const manifest = JSON.parse(await readFile(join(consumer, 'node_modules/tickflow/package.json'), 'utf8')) as {
      bin: { tickflow: string };
    };
    const bin = join(consumer, 'node_modules/tickflow', manifest.bin.tickflow);
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(await node(bin, '--help')).toContain('Usage: tickflow <command>');
  });

  it('type-checks in a strict project with skipLibCheck off (nodenext, ESM and CommonJS; bundler)', async () => {
    await writeFile(
      join(consumer, 'use.mts'),
      `import type { DynamoDBStreamEvent } from 'aws-lambda';
import { TickOutcome, TrendTracker, type TrendState, replay } from 'tickflow';
import { S3Lake } from 'tickflow/aws';
import { handler } from 'tickflow/lambda/trend';
const t = new TrendTracker();
const outcome: TickOutcome = t.update(1, 187_430_000);
const state: TrendState = t.toState();
const accepted: number = (await replay([], { lake: false })).stats.accepted;
const event: DynamoDBStreamEvent = { Records: [] };
const failures: string[] = (await handler(event)).batchItemFailures.map((f) => f.itemIdentifier);
// @ts-expect-error: the trend handler takes a DynamoDB stream event, not a number (its types are not \`any\`)
await handler(42);
console.log(outcome, state, accepted, typeof S3Lake, failures);
`,
    );
    await writeFile(
      join(consumer, 'use.cts'),
      `import { TrendTracker } from 'tickflow';
import { S3Lake } from 'tickflow/aws';
const t: TrendTracker = new TrendTracker();
console.log(t.update(1, 2), typeof S3Lake);
`,
    );
    const options = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', types: ['node'] };
    await writeFile(
      join(consumer, 'tsconfig.nodenext.json'),
      JSON.stringify({ compilerOptions: { ...options, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['use.mts', 'use.cts'] }),
    );
    await writeFile(
      join(consumer, 'tsconfig.bundler.json'),
      JSON.stringify({ compilerOptions: { ...options, module: 'esnext', moduleResolution: 'bundler' }, files: ['use.mts'] }),
    );
    expect(await tsc('tsconfig.nodenext.json')).toBe('');
    expect(await tsc('tsconfig.bundler.json')).toBe('');
  });
});

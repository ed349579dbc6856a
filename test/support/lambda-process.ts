/**
 * A Lambda bundle running in its own Node 22 process, as in one Lambda execution environment:
 * started once (the cold start), invoked many times. The parent talks to
 * `lambda-runtime.mjs` over IPC; the function's log lines (stdout and stderr) are kept.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './node22.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNTIME = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));

/** The handlers with a bundle in `dist/lambda`. */
export const BUNDLES = ['ingest', 'trend', 'produce', 'query'] as const;
export type BundleName = (typeof BUNDLES)[number];

/** Where a bundle is. */
export function bundlePath(name: BundleName): string {
  return join(ROOT, 'dist', 'lambda', `${name}.mjs`);
}

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds the bundles (`scripts/build-lambdas.mjs`, in a child process, so emulators on this
 * event loop keep answering) when one is missing or older than the code it is built from.
 */
export async function ensureBundles(): Promise<void> {
  const built = await Promise.all(
    BUNDLES.map((name) =>
      stat(bundlePath(name)).then(
        (s) => s.mtimeMs,
        () => -1,
      ),
    ),
  );
  const sources = Math.max(
    ...(await Promise.all(['src', 'scripts/build-lambdas.mjs', 'package-lock.json'].map((p) => newestMtime(join(ROOT, p))))),
  );
  if (Math.min(...built) < sources) await run(process.execPath, ['scripts/build-lambdas.mjs'], { cwd: ROOT });
}

/** What the child measured of its cold start. */
export interface ColdStart {
  readonly node: string;
  /** The bundle's `import()` alone. */
  readonly importMs: number;
  /** From the process's start to the handler exported (Node's own start included). */
  readonly sinceStartMs: number;
}

/** An error the handler threw, as Lambda reports it: its name and message. */
export class HandlerError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** One execution environment of a bundle. */
export interface LambdaProcess {
  readonly coldStart: ColdStart;
  /** Invokes the handler; `remainingMs` is what the context says is left of the invocation (default 60 s). */
  invoke<T = unknown>(event: unknown, options?: { remainingMs?: number }): Promise<T>;
  /** What the function wrote to stdout and stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

type Message =
  | { type: 'ready'; node: string; importMs: number; sinceStartMs: number; failed?: undefined }
  | { type: 'ready'; failed: { name: string; message: string } }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: { name: string; message: string } };

/**
 * Starts `bundle` under `node` with exactly `env` (plus PATH), and resolves once its handler is
 * exported. `preload` modules run first (`node --import`), e.g. a recorded Yahoo.
 */
export async function startLambda(
  node: string,
  name: BundleName,
  env: Readonly<Record<string, string>>,
  options: { preload?: readonly string[] } = {},
): Promise<LambdaProcess> {
  const args = [...(options.preload ?? []).flatMap((p) => ['--import', p]), RUNTIME, bundlePath(name)];
  const child: ChildProcess = spawn(node, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let logs = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    logs += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    logs += chunk.toString();
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited: Error | undefined;
  const ready = new Promise<ColdStart>((resolve, reject) => {
    child.on('message', (m: Message) => {
      if (m.type === 'ready') {
        if (m.failed) reject(new HandlerError(m.failed.name, `${name}.mjs did not load: ${m.failed.message}\n${logs}`));
        else resolve({ node: m.node, importMs: m.importMs, sinceStartMs: m.sinceStartMs });
        return;
      }
      const call = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) call?.resolve(m.result);
      else call?.reject(new HandlerError(m.error.name, m.error.message));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      exited = new Error(`${name}.mjs exited (${signal ?? code}):\n${logs}`);
      reject(exited);
      for (const call of pending.values()) call.reject(exited);
      pending.clear();
    });
  });
  const coldStart = await ready;
  let next = 0;
  return {
    coldStart,
    invoke<T>(event: unknown, options: { remainingMs?: number } = {}): Promise<T> {
      if (exited) return Promise.reject(exited);
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, event, remainingMs: options.remainingMs });
      });
    },
    logs: () => logs,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

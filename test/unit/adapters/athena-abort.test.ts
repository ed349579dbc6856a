/**
 * The Athena engine stopped by its signal, with real SDK clients against a local server
 * (aws-sdk-client-mock ignores `abortSignal`): the run rejects with the signal's reason, as
 * the port says, and leaves no timer behind to keep the process alive.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaAnalyticsEngine } from '../../../src/adapters/aws/athena-analytics-engine.js';

let server: Server;
let endpoint: string;
let arrived: (what: string) => void = () => {};
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? `S3 ${req.method} ${req.url}`);
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (target.endsWith('StartQueryExecution')) return json({ QueryExecutionId: 'q-1' });
      if (target.endsWith('GetQueryExecution'))
        return json({ QueryExecution: { Status: { State: 'SUCCEEDED' }, ResultConfiguration: { OutputLocation: 's3://b/q-1.csv' } } });
      if (target.endsWith('StopQueryExecution')) return json({});
      // GetQueryResults and S3 ListObjectsV2: never answered (a slow read)
      hanging.push(res);
      arrived(target);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const r of hanging) r.destroy();
  await new Promise((r) => server.close(r));
});

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const engine = () =>
  new AthenaAnalyticsEngine({
    athena: new AthenaClient({ region: 'us-east-1', endpoint, credentials }),
    s3: new S3Client({ region: 'us-east-1', endpoint, credentials, forcePathStyle: true }),
    workgroup: 'primary',
    outputLocation: 's3://my-lake/results/',
    database: 'tickflow',
    table: 'ticks',
    bucket: 'my-lake',
    pollMs: 1,
  });

describe('the Athena engine aborted', () => {
  it.each([
    ['reading the rows (GetQueryResults)', { symbols: ['AAPL'] }, 'GetQueryResults'],
    ['listing the symbols (ListObjectsV2)', {}, 'S3'],
  ])("while %s: rejects with the signal's reason, not the SDK's AbortError", async (_what, params, waitFor) => {
    const stop = new AbortController();
    const reason = new Error('out of time');
    arrived = (target) => {
      if (target.includes(waitFor)) stop.abort(reason);
    };
    const error = await engine()
      .run('daily-ohlc', params, { signal: stop.signal })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
  });

  it.each([
    ['in the wait between polls', 'wait', 'rejected: Ctrl-C; calls start,stop\n'],
    ['while the start is in flight', 'start', 'rejected: out of time; calls start,stop\n'],
  ])('%s: stops the query, rejects, and leaves nothing to keep the process alive or crash it', (_what, when, printed) => {
    const started = Date.now();
    // Exits 0 (execFileSync throws otherwise) and prints the rejection.
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../../support/athena-abort-exit.ts', import.meta.url)), when],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(out).toBe(printed);
    // Start-up and the abort; the poll wait it cut short was a minute.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

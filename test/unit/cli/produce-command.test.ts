import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeCutGzipCsv } from '../../support/cut-gzip.js';
import { runCli } from '../../support/run-cli.js';

// A fake Kinesis behind the real client and publisher: the command runs as it does against AWS.
const kinesis = mockClient(KinesisClient);
const ENV = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true' } as const;
const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
let dir: string;
beforeAll(async () => {
  Object.assign(process.env, ENV);
  dir = await mkdtemp(join(tmpdir(), 'tickflow-produce-'));
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => kinesis.reset());

const fmt = (n: number) => n.toLocaleString('en-US');
const target = () => ['--region', 'us-east-1', '--endpoint', 'http://127.0.0.1:1', '--lake', join(dir, 'lake'), '--quiet'];
/** The entries of every PutRecords call the fake received. */
const calls = () => kinesis.commandCalls(PutRecordsCommand).map((c) => (c.args[0].input as PutRecordsCommandInput).Records ?? []);

describe('tickflow produce, on a fake Kinesis', () => {
  it('a source that fails mid-way: prints what was sent and each record the stream did not take, then the source error; exit 1', async () => {
    const file = join(dir, 'cut.csv.gz');
    const whole = await writeCutGzipCsv(file);
    // The first entry of every call is refused for good; the rest are taken.
    kinesis.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: (input.Records ?? []).map((_, i) =>
        i === 0 ? { ErrorCode: 'KMSDisabledException', ErrorMessage: 'the key is disabled' } : { SequenceNumber: String(i), ShardId: 's' },
      ),
    }));
    const run = await runCli(['produce', '--stream', 'ticks', ...target(), '--file', file]);
    const refused = calls().length;
    expect(refused).toBeGreaterThan(1);
    // The rows before the cut, all of them unless the error came while zlib held some not yet taken.
    const read = calls().flat().length;
    expect(read).toBeLessThanOrEqual(whole);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `sent ${fmt(read - refused)} record(s) to ticks (the source failed); read ${fmt(read)}; UNDELIVERED ${fmt(refused)}\n`,
    );
    const lines = run.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('  AAPL  KMSDisabledException: the key is disabled  {"symbol":"AAPL"'))).toHaveLength(refused);
    expect(run.stderr).toContain('Records the stream did not take (partition key, error, data):\n');
    expect(
      run.stderr.endsWith(
        `tickflow produce: cannot read ${file}: unexpected end of file\n` +
          `  Before it: ${fmt(read)} item(s) read, ${fmt(read - refused)} record(s) sent to ticks, ${fmt(refused)} undelivered (listed above).\n`,
      ),
    ).toBe(true);
  });

  it('a source that fails before anything is read: the source error alone, as before', async () => {
    const file = join(dir, 'empty.csv');
    await writeFile(file, '');
    const run = await runCli(['produce', '--stream', 'ticks', ...target(), '--file', file]);
    expect([run.code, run.stdout, run.stderr]).toEqual([1, '', `tickflow produce: ${file} is empty\n`]);
    expect(calls()).toEqual([]);
  });
});

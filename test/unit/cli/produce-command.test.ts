import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
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
const simulated = (ticks: number) => ['--source', 'simulated', '--ticks', String(ticks), '--bad-rate', '0', '--duplicate-rate', '0'];
const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
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
    // Every whole row before the cut.
    const read = calls().flat().length;
    expect(read).toBe(whole);
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

  it.each([
    [
      'ResourceNotFoundException',
      'Stream tickz under account 123456789012 not found.',
      'check the stream name, the region and the account',
    ],
    [
      'AccessDeniedException',
      'User: arn:aws:iam::123456789012:user/me is not authorized to perform: kinesis:PutRecords',
      'check the credentials',
    ],
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 'check the credentials'],
    ['ExpiredTokenException', 'The security token included in the request is expired', 'check the credentials'],
    [
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided.',
      'check the credentials',
    ],
    ['KMSDisabledException', 'The request was rejected because the specified CMK is not enabled.', "check the stream's KMS key"],
  ])('stops at the first batch the stream refuses with %s, says why in one line naming the stream; exit 1', async (name, message, hint) => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(
        name === 'ResourceNotFoundException'
          ? new ResourceNotFoundException({ message, $metadata: { httpStatusCode: 400 } })
          : sdkError(name, message),
      );
    const run = await runCli(['produce', '--stream', 'tickz', ...target(), ...simulated(20_000)]);
    expect(run.code).toBe(1);
    // One request: not one per batch of the whole source.
    expect(calls().map((c) => c.length)).toEqual([500]);
    expect(run.stdout).toBe('sent 0 record(s) to tickz (stopped: the stream refuses records); read 500; UNDELIVERED 500\n');
    const lines = run.stderr.trimEnd().split('\n');
    // Each record read is accounted for, listed with the error that stopped the run.
    const listed = lines.filter((l) => l.startsWith('  '));
    expect(listed).toHaveLength(500);
    expect(listed.every((l) => l.includes(`  ${name}: ${message}  {"symbol":`))).toBe(true);
    const last = lines.at(-1) as string;
    expect(last).toMatch(
      new RegExp(
        `^tickflow produce: Kinesis stream tickz refuses the records: ${name}: .*No retry can get past that, so the source was read no further: ${hint}`,
      ),
    );
    expect(last).toContain(message.replace(/\.$/, ''));
  });

  it('throttling is still retried, then reported as undelivered, and the rest of the source is still sent', async () => {
    let call = 0;
    kinesis.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      // The first batch is throttled on every attempt; later ones go through.
      if (call++ < 6) throw sdkError('ProvisionedThroughputExceededException', 'Rate exceeded for shard shardId-000000000000');
      return { FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 's' })) };
    });
    const run = await runCli(['produce', '--stream', 'ticks', ...target(), ...simulated(1200)]);
    expect(calls().map((c) => c.length)).toEqual([500, 500, 500, 500, 500, 500, 500, 200]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('sent 700 record(s) to ticks; read 1,200; UNDELIVERED 500\n');
    expect(run.stderr).not.toContain('refuses the records');
  });
});

import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisTickPublisher } from '../../src/adapters/aws/kinesis-tick-publisher.js';
import type { OutgoingRecord } from '../../src/ports/tick-publisher.port.js';
import { awsClients, createStream, uniqueName } from '../support/aws-emulators.js';
import { failPutRecordsEntries } from '../support/sdk-middleware.js';

const MiB = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const record = (partitionKey: string, text: string): OutgoingRecord => ({ partitionKey, data: encoder.encode(text) });
/** Retries without waiting: the backoff's arithmetic is not what these tests are about. */
const noWait = { sleep: async () => {} };

/** Every record of a stream, from the start of every shard, as [partition key, text]. */
async function readStream(client: KinesisClient, stream: string, shardIds: readonly string[]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const shardId of shardIds) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) out.push([r.PartitionKey as string, decoder.decode(r.Data)]);
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

describe('KinesisTickPublisher on kinesalite', () => {
  const clients: KinesisClient[] = [];
  const client = () => {
    const c = awsClients().kinesis;
    clients.push(c);
    return c;
  };
  let stream: string;
  let shardIds: string[];
  let reader: KinesisClient;

  beforeAll(async () => {
    reader = client();
    stream = uniqueName('ticks');
    ({ shardIds } = await createStream(reader, stream, 3));
  });
  afterAll(() => {
    for (const c of clients) c.destroy();
  });

  it('sends 1,234 records in calls of 500, 500 and 234, and each symbol reads back in the order sent', async () => {
    const kinesis = client();
    const calls = failPutRecordsEntries(kinesis, () => undefined);
    const symbols = ['AAPL', 'MSFT', 'BRK-B', '^GSPC', 'EURUSD=X'];
    const records = Array.from({ length: 1234 }, (_, i) => record(symbols[i % 5] as string, `{"i":${i}}`));
    const report = await new KinesisTickPublisher({ client: kinesis, stream }).publish(records);
    expect(report).toEqual({ sent: 1234, undelivered: [] });
    expect(calls.map((c) => c.length)).toEqual([500, 500, 234]);
    const read = await readStream(reader, stream, shardIds);
    for (const symbol of symbols) {
      const sent = records.filter((r) => r.partitionKey === symbol).map((r) => decoder.decode(r.data));
      expect(read.filter(([key]) => key === symbol).map(([, text]) => text)).toEqual(sent);
    }
  });

  it('keeps a request within 5 MiB and a record within 1 MiB including its key: one byte more is returned, never sent', async () => {
    const kinesis = client();
    const calls = failPutRecordsEntries(kinesis, () => undefined);
    const key = 'BIG';
    const largest = { partitionKey: key, data: new Uint8Array(MiB - key.length).fill(0x61) };
    const tooLarge = { partitionKey: key, data: new Uint8Array(MiB - key.length + 1) };
    const report = await new KinesisTickPublisher({ client: kinesis, stream }).publish([
      largest,
      largest,
      largest,
      largest,
      largest,
      tooLarge,
      largest,
    ]);
    expect(report.sent).toBe(6);
    expect(report.undelivered).toEqual([{ record: tooLarge, errorCode: 'RecordTooLarge', message: expect.stringContaining('1048577') }]);
    expect(calls.map((c) => c.length)).toEqual([5, 1]);
  });

  it('retries only the failed entries of a partial failure until all are delivered', async () => {
    const kinesis = client();
    const s = uniqueName('partial');
    const { shardIds: ids } = await createStream(reader, s, 1);
    // The first two calls fail some entries (every third, then every other), as a hot shard does.
    const entriesFailed: string[][] = [[], []];
    const seen = failPutRecordsEntries(kinesis, (entry, call) => {
      const text = decoder.decode(entry.Data);
      if (call < 2 && Number(JSON.parse(text).i) % (3 - call) === 0) {
        entriesFailed[call]?.push(text);
        return 'ProvisionedThroughputExceededException';
      }
      return undefined;
    });
    const records = Array.from({ length: 30 }, (_, i) => record('AAPL', `{"i":${i}}`));
    const report = await new KinesisTickPublisher({ client: kinesis, stream: s, ...noWait }).publish(records);
    expect(report).toEqual({ sent: 30, undelivered: [] });
    expect(seen.map((c) => c.length)).toEqual([30, 10, 5]);
    // The second call carries exactly the entries the first one lost, in their order.
    expect(seen[1]?.map((e) => decoder.decode(e.Data))).toEqual(entriesFailed[0]);
    const read = (await readStream(reader, s, ids)).map(([, text]) => text);
    expect([...read].sort()).toEqual(records.map((r) => decoder.decode(r.data)).sort());
    expect(read).toHaveLength(30);
  });

  it('returns the records that never get through, with their error code, and delivers the rest', async () => {
    const kinesis = client();
    const calls = failPutRecordsEntries(kinesis, (entry) =>
      entry.PartitionKey === 'HOT'
        ? 'ProvisionedThroughputExceededException'
        : entry.PartitionKey === 'KMS'
          ? 'KMSDisabledException'
          : undefined,
    );
    const hot = record('HOT', '{"hot":1}');
    const kms = record('KMS', '{"kms":1}');
    const report = await new KinesisTickPublisher({ client: kinesis, stream, maxAttempts: 4, ...noWait }).publish([
      record('OK', '{"ok":1}'),
      hot,
      kms,
      record('OK', '{"ok":2}'),
    ]);
    expect(report.sent).toBe(2);
    expect(report.undelivered).toEqual([
      { record: kms, errorCode: 'KMSDisabledException', message: 'injected KMSDisabledException' },
      { record: hot, errorCode: 'ProvisionedThroughputExceededException', message: 'injected ProvisionedThroughputExceededException' },
    ]);
    // The throttled entry was tried four times; the KMS one, which a retry cannot fix, once.
    expect(calls.map((c) => c.map((e) => e.PartitionKey))).toEqual([['OK', 'HOT', 'KMS', 'OK'], ['HOT'], ['HOT'], ['HOT']]);
  });

  it('returns every record, without throwing, when the stream does not exist, after one request: the stream failure says why', async () => {
    const kinesis = client();
    const calls = failPutRecordsEntries(kinesis, () => undefined);
    // Three requests' worth: after the first, the others would fail the same way.
    const records = Array.from({ length: 1200 }, (_, i) => record(i % 2 === 0 ? 'AAPL' : 'MSFT', `{"i":${i}}`));
    const report = await new KinesisTickPublisher({ client: kinesis, stream: 'no-such-stream', ...noWait }).publish(records);
    expect(calls.map((c) => c.length)).toEqual([500]);
    expect(report.sent).toBe(0);
    expect(report.undelivered.map((u) => u.record)).toEqual(records);
    expect(new Set(report.undelivered.map((u) => u.errorCode))).toEqual(new Set(['ResourceNotFoundException']));
    expect(report.streamFailure).toEqual({
      errorCode: 'ResourceNotFoundException',
      message: expect.stringContaining('no-such-stream'),
    });
  });

  it('takes the stream by ARN as well as by name', async () => {
    const s = uniqueName('by-arn');
    const { arn, shardIds: ids } = await createStream(reader, s, 1);
    const report = await new KinesisTickPublisher({ client: client(), stream: arn }).publish([record('AAPL', '{"arn":true}')]);
    expect(report).toEqual({ sent: 1, undelivered: [] });
    expect(await readStream(reader, s, ids)).toEqual([['AAPL', '{"arn":true}']]);
  });
});

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Lake } from '../../src/adapters/aws/s3-lake.js';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../src/domain/flow-stats.js';
import { IngestBatch } from '../../src/domain/usecases/ingest-batch.js';
import { makeIngestHandler } from '../../src/handlers/ingest.js';
import { lakeContract } from '../contracts/lake.contract.js';
import { awsClients, createBucket, getObject, listKeys, objectLines, uniqueName } from '../support/aws-emulators.js';

let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  s3 = awsClients().s3;
  bucket = await createBucket(s3, uniqueName('lake'));
});
afterAll(() => s3.destroy());

lakeContract('S3 on fauxqs', async () => ({
  lake: new S3Lake({ client: s3, bucket }),
  read: (key) => objectLines(s3, bucket, key),
  list: (prefix) => listKeys(s3, bucket, prefix),
}));

describe('S3Lake on fauxqs, under the ingest handler', () => {
  const NOW = Date.UTC(2024, 0, 3, 9);
  const T = Date.UTC(2024, 0, 2, 14, 30);
  const SHARD = 'shardId-000000000004';

  /** A Kinesis event as Lambda delivers it. */
  const event = (payloads: string[]) => ({
    Records: payloads.map((p, i) => {
      const seq = `4960${String(1000 + i).padStart(52, '0')}`;
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'k',
          sequenceNumber: seq,
          data: Buffer.from(p).toString('base64'),
          approximateArrivalTimestamp: NOW / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${SHARD}:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/ingest',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/ticks',
      };
    }),
  });
  const tick = (symbol: string, ts: number, price: number) => JSON.stringify({ symbol, timestamp: ts, price, volume: 10 });

  it('lands a batch under the exact keys, the same batch twice gives the same objects, and partition prefixes list by day', async () => {
    const b = await createBucket(s3, uniqueName('ingest'));
    const lake = new S3Lake({ client: s3, bucket: b });
    const clock = new ManualClock(NOW);
    const logger = new MemoryLogger();
    const handler = makeIngestHandler(
      new IngestBatch({ archive: lake, rejects: lake, store: new MemoryMarketStore({ clock }), clock, observer: new FlowStats(), logger }),
      logger,
    );
    const e = event([
      tick('AAPL', T, 187.43),
      tick('MSFT', T, 370.1),
      tick('AAPL', T + 86_400_000, 188),
      '{"symbol":',
      tick('AAPL', T + 1000, 187.5),
    ]);
    // Each object is named by the shard and its own first record.
    const nameOf = (i: number) => `${SHARD}_${e.Records[i]?.kinesis.sequenceNumber}`;
    expect(await handler(e)).toEqual({ batchItemFailures: [] });
    const keys = await listKeys(s3, b, '');
    expect(keys).toEqual([
      `raw/symbol=AAPL/year=2024/month=01/day=02/${nameOf(0)}.ndjson.gz`,
      `raw/symbol=AAPL/year=2024/month=01/day=03/${nameOf(2)}.ndjson.gz`,
      `raw/symbol=MSFT/year=2024/month=01/day=02/${nameOf(1)}.ndjson.gz`,
      `rejected/year=2024/month=01/day=03/${nameOf(3)}.ndjson.gz`,
    ]);
    const bytes = await Promise.all(keys.map((k) => getObject(s3, b, k)));

    // Redelivered: the same keys, byte for byte.
    expect(await handler(e)).toEqual({ batchItemFailures: [] });
    expect(await listKeys(s3, b, '')).toEqual(keys);
    expect(await Promise.all(keys.map((k) => getObject(s3, b, k)))).toEqual(bytes);

    // The objects are the NDJSON of the lake schema, the price as its exact decimal.
    const day2 = (await objectLines(s3, b, keys[0] as string)) ?? [];
    expect(day2.map((l) => JSON.parse(l))).toEqual([
      {
        symbol: 'AAPL',
        timestamp: T,
        price: 187.43,
        volume: 10,
        source: 'stream',
        ingested_at: NOW,
        sequence: e.Records[0]?.kinesis.sequenceNumber,
      },
      {
        symbol: 'AAPL',
        timestamp: T + 1000,
        price: 187.5,
        volume: 10,
        source: 'stream',
        ingested_at: NOW,
        sequence: e.Records[4]?.kinesis.sequenceNumber,
      },
    ]);
    const rejected = (await objectLines(s3, b, keys[3] as string)) ?? [];
    expect(rejected.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ code: 'INVALID_JSON', record: '{"symbol":', sequence: e.Records[3]?.kinesis.sequenceNumber }),
    ]);

    // Listing by partition prefix, one level at a time, as Athena and Glue walk it.
    const days = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'raw/symbol=AAPL/year=2024/month=01/', Delimiter: '/' }));
    expect((days.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([
      'raw/symbol=AAPL/year=2024/month=01/day=02/',
      'raw/symbol=AAPL/year=2024/month=01/day=03/',
    ]);
    const symbols = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'raw/', Delimiter: '/' }));
    expect((symbols.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['raw/symbol=AAPL/', 'raw/symbol=MSFT/']);
  });
});

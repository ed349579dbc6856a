import { gzipSync } from 'node:zlib';
import type { DynamoDBStreamEvent, KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MemoryAlertPublisher } from '../../../src/adapters/local/alert-publishers.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../../src/domain/flow-stats.js';
import { DetectTrends } from '../../../src/domain/usecases/detect-trends.js';
import { IngestBatch } from '../../../src/domain/usecases/ingest-batch.js';
import { ProduceTicks } from '../../../src/domain/usecases/produce-ticks.js';
import { makeIngestHandler } from '../../../src/handlers/ingest.js';
import { makeProduceHandler } from '../../../src/handlers/produce.js';
import { makeTrendHandler } from '../../../src/handlers/trend.js';
import type { MarketStore } from '../../../src/ports/market-store.port.js';
import type { TickPublisher } from '../../../src/ports/tick-publisher.port.js';
import type { TickSource } from '../../../src/ports/tick-source.port.js';
import { withFaults } from '../../support/faults.js';

const NOW = Date.UTC(2024, 0, 3);
const SHARD = 'shardId-000000000007';

/** A Kinesis event exactly as Lambda delivers it (base64 data, 56-digit sequence numbers). */
function kinesisEvent(payloads: (string | Buffer)[]): KinesisStreamEvent {
  return {
    Records: payloads.map((p, i) => {
      const seq = `4959033827149025660855969253836157109592157598913658${String(8800 + i).padStart(4, '0')}`;
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'AAPL',
          sequenceNumber: seq,
          data: Buffer.from(p).toString('base64'),
          approximateArrivalTimestamp: 1704205801.123,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${SHARD}:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/ingest',
        awsRegion: 'eu-west-1',
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/ticks',
      };
    }),
  };
}

const tick = (ts: number, price: number) => JSON.stringify({ symbol: 'aapl', timestamp: ts, price, volume: 100 });

function ingestSetup(store: MarketStore = new MemoryMarketStore({ clock: new ManualClock(NOW) })) {
  const clock = new ManualClock(NOW);
  const lake = new MemoryLake();
  const stats = new FlowStats();
  const logger = new MemoryLogger();
  const handler = makeIngestHandler(new IngestBatch({ archive: lake, rejects: lake, store, clock, observer: stats, logger }), logger);
  return { lake, stats, handler, logger };
}

describe('ingest handler', () => {
  it("decodes base64 (and gzip) records, archives per symbol-day under the shard and the object's first sequence number, quarantines the rest", async () => {
    const { lake, handler } = ingestSetup();
    const t = Date.UTC(2024, 0, 2, 14, 30);
    const event = kinesisEvent([tick(t, 187.43), gzipSync(tick(t + 1000, 187.44)), '{"symbol":"AAPL","price":', tick(t + 86_400_000, 190)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    // Each object is named by its own first record: a bisected retry rewrites it, adds none.
    const nameOf = (i: number) => `${SHARD}_${event.Records[i]?.kinesis.sequenceNumber}`;
    expect([...lake.objects.keys()].sort()).toEqual([
      `raw/symbol=AAPL/year=2024/month=01/day=02/${nameOf(0)}.ndjson.gz`,
      `raw/symbol=AAPL/year=2024/month=01/day=03/${nameOf(3)}.ndjson.gz`,
      `rejected/year=2024/month=01/day=02/${nameOf(2)}.ndjson.gz`,
    ]);
    const day2 = lake.objects.get(`raw/symbol=AAPL/year=2024/month=01/day=02/${nameOf(0)}.ndjson.gz`) ?? [];
    expect(day2.map((l) => JSON.parse(l))).toEqual([
      {
        symbol: 'AAPL',
        timestamp: t,
        price: 187.43,
        volume: 100,
        source: 'stream',
        ingested_at: NOW,
        sequence: event.Records[0]?.kinesis.sequenceNumber,
      },
      {
        symbol: 'AAPL',
        timestamp: t + 1000,
        price: 187.44,
        volume: 100,
        source: 'stream',
        ingested_at: NOW,
        sequence: event.Records[1]?.kinesis.sequenceNumber,
      },
    ]);
    const reject = JSON.parse((lake.objects.get(`rejected/year=2024/month=01/day=02/${nameOf(2)}.ndjson.gz`) ?? [])[0] ?? '{}');
    expect(reject).toMatchObject({
      code: 'INVALID_JSON',
      record: '{"symbol":"AAPL","price":',
      sequence: event.Records[2]?.kinesis.sequenceNumber,
    });
  });

  it('files rejects under the day their batch arrived, so a batch delivered again after midnight replaces its object', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 2, 23, 59, 59));
    const lake = new MemoryLake();
    const logger = new MemoryLogger();
    const store = new MemoryMarketStore({ clock });
    const handler = makeIngestHandler(
      new IngestBatch({ archive: lake, rejects: lake, store, clock, observer: new FlowStats(), logger }),
      logger,
    );
    const event = kinesisEvent(['not json', tick(Date.UTC(2024, 0, 2, 14, 30), 187.43)]);
    await handler(event);
    clock.advance(60_000); // past midnight: the same batch again (its first answer lost)
    await handler(event);
    const batchId = `${SHARD}_${event.Records[0]?.kinesis.sequenceNumber}`;
    expect([...lake.objects.keys()].filter((k) => k.startsWith('rejected/'))).toEqual([
      `rejected/year=2024/month=01/day=02/${batchId}.ndjson.gz`,
    ]);
  });

  it('refuses a gzip record that inflates past the record limit as TOO_LARGE, keeping the bytes as received, without inflating it', async () => {
    const { lake, handler } = ingestSetup();
    const t = Date.UTC(2024, 0, 2, 14, 30);
    // 100 MiB of JSON text in about 100 KiB: inflated whole, a 1 MiB record of this kind is 1 GiB.
    const bomb = gzipSync(`{"symbol":"AAPL","pad":"${'x'.repeat(100 * 1024 * 1024)}"}`);
    const event = kinesisEvent([tick(t, 187.43), bomb, tick(t + 1000, 187.44)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const nameOf = (i: number) => `${SHARD}_${event.Records[i]?.kinesis.sequenceNumber}`;
    const rejects = (lake.objects.get(`rejected/year=2024/month=01/day=02/${nameOf(1)}.ndjson.gz`) ?? []).map((l) => JSON.parse(l));
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('inflates (gzip)'),
      encoding: 'base64',
      record: bomb.toString('base64'),
      sequence: event.Records[1]?.kinesis.sequenceNumber,
    });
    expect(lake.objects.get(`raw/symbol=AAPL/year=2024/month=01/day=02/${nameOf(0)}.ndjson.gz`)).toHaveLength(2);
  });

  it("a batch whose ticks alternate between two days still writes one object per day holding all of that day's ticks", async () => {
    const { lake, handler } = ingestSetup();
    const day1 = Date.UTC(2024, 0, 2, 23, 59);
    const day2 = Date.UTC(2024, 0, 3, 0, 1);
    // Late ticks of day 1 arriving after day-2 ticks: valid data, archived under their own day.
    const event = kinesisEvent([tick(day1, 1), tick(day2, 2), tick(day1 + 1, 3), tick(day2 + 1, 4), tick(day1 + 2, 5)]);
    await handler(event);
    const lines = (day: string) => [...lake.objects].filter(([k]) => k.includes(day)).flatMap(([, l]) => l.map((x) => JSON.parse(x).price));
    expect([...lake.objects.keys()].filter((k) => k.startsWith('raw/'))).toHaveLength(2);
    expect(lines('day=02')).toEqual([1, 3, 5]);
    expect(lines('day=03')).toEqual([2, 4]);
  });

  it("archives a tick under its UTC day, even where that day has not begun in the machine's zone (02:00Z)", async () => {
    const { lake, handler } = ingestSetup();
    // 02:00Z on 1 January 2024 is the evening of 31 December 2023 west of Greenwich (the tests
    // run in New York). A day no other test here uses: partitionOf remembers the last day it saw.
    const t = Date.UTC(2024, 0, 1, 2, 0);
    const event = kinesisEvent([tick(t, 187.43)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const batchId = `${SHARD}_${event.Records[0]?.kinesis.sequenceNumber}`;
    expect([...lake.objects.keys()]).toEqual([`raw/symbol=AAPL/year=2024/month=01/day=01/${batchId}.ndjson.gz`]);
  });

  it('reports the earliest record of a symbol whose store write failed, and archives only what came before it', async () => {
    const store = new MemoryMarketStore({ clock: new ManualClock(NOW) });
    const flaky = withFaults<MarketStore>(store, (_, method) => (method === 'putLatest' ? 'fail-before' : 'ok'));
    const { lake, handler } = ingestSetup(flaky);
    const t = Date.UTC(2024, 0, 2, 14, 30);
    const event = kinesisEvent(['not json', tick(t, 1), tick(t + 1, 2)]);
    const response = await handler(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }]);
    // The bad record before the failure is settled (quarantined); nothing at or after it is in the lake.
    expect([...lake.objects.keys()].map((k) => k.split('/')[0])).toEqual(['rejected']);
  });

  it('delivered twice, a batch leaves the same lake objects, the same LATEST and no new change records', async () => {
    const store = new MemoryMarketStore({ clock: new ManualClock(NOW) });
    const { lake, handler } = ingestSetup(store);
    const t = Date.UTC(2024, 0, 2, 14, 30);
    const event = kinesisEvent([tick(t, 1), tick(t + 1, 2), tick(t + 2, 3), 'bad']);
    await handler(event);
    const objects = structuredClone([...lake.objects]);
    const latest = structuredClone(store.allLatest());
    const changes = (await store.feed.take(1000)).length;
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect([...lake.objects]).toEqual(objects);
    expect(store.allLatest()).toEqual(latest);
    expect(changes).toBe(4); // three tick INSERTs and the LATEST INSERT
    expect(await store.feed.take(1000)).toEqual([]);
  });

  it('counts a repeat of the newest timestamp as a duplicate and an older timestamp as late, each apart from the applied ticks', async () => {
    const { stats, handler } = ingestSetup();
    const t1 = Date.UTC(2024, 0, 2, 14, 30);
    const [t2, t3] = [t1 + 1000, t1 + 2000];
    // t1, t3 applied; t3 again: a duplicate; t2 and t1: late (older than t3). Two late, one duplicate, so a swap shows.
    await handler(kinesisEvent([tick(t1, 1), tick(t3, 3), tick(t3, 3), tick(t2, 2), tick(t1, 1)]));
    const { accepted, applied, duplicates, late } = stats.counts;
    expect({ accepted, applied, duplicates, late }).toEqual({ accepted: 5, applied: 2, duplicates: 1, late: 2 });
  });

  it('when the use case throws, fails the whole batch from its first record and logs the error; an empty batch reports nothing', async () => {
    const logger = new MemoryLogger();
    const throwing = {
      execute: async () => {
        throw new Error('store client misconfigured');
      },
    } as unknown as IngestBatch;
    const handler = makeIngestHandler(throwing, logger);
    const t = Date.UTC(2024, 0, 2, 14, 30);
    const event = kinesisEvent([tick(t, 1), tick(t + 1, 2)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }] });
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ error: 'Error: store client misconfigured' }) }),
    ]);
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});

describe('trend handler', () => {
  function streamEvent(records: { ts: number; seq: string; eventName?: 'INSERT' | 'MODIFY'; sk?: string }[]): DynamoDBStreamEvent {
    return {
      Records: records.map((r) => ({
        eventID: `e-${r.seq}`,
        eventName: r.eventName ?? 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'eu-west-1',
        eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tickflow/stream/2024-01-02T00:00:00.000',
        dynamodb: {
          ApproximateCreationDateTime: 1704205800,
          Keys: { pk: { S: 'SYMBOL#AAPL' }, sk: { S: r.sk ?? `TICK#${String(r.ts).padStart(15, '0')}` } },
          NewImage: {
            pk: { S: 'SYMBOL#AAPL' },
            sk: { S: `TICK#${String(r.ts).padStart(15, '0')}` },
            price: { N: '1' },
            volume: { N: '1' },
          },
          SequenceNumber: r.seq,
          SizeBytes: 80,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      })),
    };
  }

  it('reads the ticks from the store, publishes the crossover once, and a redelivered event repeats nothing', async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    const alerts = new MemoryAlertPublisher();
    const logger = new MemoryLogger();
    const detect = new DetectTrends({ store, alerts, clock, observer: new FlowStats(), logger }, { short: 1, long: 2, priceDecimals: 0 });
    const handler = makeTrendHandler(detect, logger);
    // Prices 1, 2, 2, 1 → sign +1, 0, −1: one death cross at the fourth tick.
    await store.putTicks([1, 2, 2, 1].map((units, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units, volume: 1 })));
    const event = streamEvent([1000, 1001, 1002, 1003].map((ts, i) => ({ ts, seq: String(100 + i) })));
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(alerts.published.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(alerts.published).toHaveLength(1);
    expect(store.alertLog().map((r) => r.status)).toEqual(['SENT']);
  });

  it("asks the Lambda context for the time left: near the end, it claims no alert and reports the batch's first record", async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    await store.putTicks([1, 2, 2, 1].map((units, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units, volume: 1 })));
    // Reading the ticks takes `readMs` of the invocation.
    let readMs = 0;
    const slow: MarketStore = Object.assign(Object.create(store) as MarketStore, {
      recentTicks: (...args: Parameters<MarketStore['recentTicks']>) => {
        clock.advance(readMs);
        return store.recentTicks(...args);
      },
    });
    const alerts = new MemoryAlertPublisher();
    const logger = new MemoryLogger();
    const detect = new DetectTrends(
      { store: slow, alerts, clock, observer: new FlowStats(), logger },
      { short: 1, long: 2, priceDecimals: 0 },
    );
    const handler = makeTrendHandler(detect, logger);
    const event = streamEvent([1000, 1001, 1002, 1003].map((ts, i) => ({ ts, seq: String(100 + i) })));
    /** A 2-minute invocation's context, its method reading its own field (`this`). */
    class Context {
      private readonly endsAt = clock.now() + 120_000;
      getRemainingTimeInMillis(): number {
        return this.endsAt - clock.now();
      }
    }
    // 59 s left after the read: less than the 60 s (half its time; 70 s at most) a publish may need.
    readMs = 61_000;
    expect(await handler(event, new Context())).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }] });
    expect(alerts.published).toEqual([]);
    expect(await store.getTrend('AAPL')).toMatchObject({
      claimedUntil: 0,
      pending: [expect.objectContaining({ id: 'AAPL#1003#DEATH_CROSS' })],
    });
    readMs = 0;
    expect(await handler(event, new Context())).toEqual({ batchItemFailures: [] });
    expect(alerts.published.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);
    expect(await store.getTrend('AAPL')).toMatchObject({ pending: [], claimedUntil: 0 });
  });

  it('ignores change records that are not tick inserts', async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    const logger = new MemoryLogger();
    const detect = new DetectTrends({ store, alerts: new MemoryAlertPublisher(), clock, observer: new FlowStats(), logger });
    const handler = makeTrendHandler(detect, logger);
    const event = streamEvent([
      { ts: 1, seq: '1', eventName: 'MODIFY' },
      { ts: 2, seq: '2', sk: 'LATEST' },
    ]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await store.getTrend('AAPL')).toMatchObject({ version: 0 });
  });

  it('reports the first record of a symbol whose trend state could not be saved', async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    await store.putTicks([{ symbol: 'AAPL', timestamp: 1000, units: 5, volume: 1 }]);
    const flaky = withFaults<MarketStore>(store, (_, method) => (method === 'saveTrend' ? 'fail-before' : 'ok'));
    const logger = new MemoryLogger();
    const handler = makeTrendHandler(
      new DetectTrends({ store: flaky, alerts: new MemoryAlertPublisher(), clock, observer: new FlowStats(), logger }),
      logger,
    );
    expect(await handler(streamEvent([{ ts: 1000, seq: '555' }]))).toEqual({ batchItemFailures: [{ itemIdentifier: '555' }] });
  });

  it('when the use case throws, fails the whole batch from its first record and logs the error; an empty batch reports nothing', async () => {
    const logger = new MemoryLogger();
    const throwing = {
      execute: async () => {
        throw new Error('store client misconfigured');
      },
    } as unknown as DetectTrends;
    const handler = makeTrendHandler(throwing, logger);
    const event = streamEvent([
      { ts: 1000, seq: '700' },
      { ts: 1001, seq: '701' },
    ]);
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '700' }] });
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ error: 'Error: store client misconfigured' }) }),
    ]);
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});

describe('produce handler', () => {
  const produceWith = (publisher: TickPublisher) =>
    new ProduceTicks({
      publisher,
      rejects: new MemoryLake(),
      clock: new ManualClock(NOW),
      observer: new FlowStats(),
      logger: new MemoryLogger(),
    });
  const source = (n: number): TickSource => ({
    name: 'simulated',
    async *items() {
      for (let i = 0; i < n; i++) yield { kind: 'record', record: { symbol: 'AAPL', timestamp: NOW + i, price: 1, volume: 1 } };
    },
  });

  it('fails the invocation at a stream that refuses every record, saying so, after one request', async () => {
    const failure = { errorCode: 'ResourceNotFoundException', message: 'Stream tickz under account 123456789012 not found.' };
    let calls = 0;
    const publisher: TickPublisher = {
      async publish(records) {
        calls++;
        return { sent: 0, undelivered: records.map((record) => ({ record, ...failure })), streamFailure: failure };
      },
    };
    await expect(makeProduceHandler(produceWith(publisher), source(1200))()).rejects.toThrow(
      'the stream refuses every record (ResourceNotFoundException: Stream tickz under account 123456789012 not found.), so the source was read no further: 500 record(s) read were not delivered',
    );
    expect(calls).toBe(1);
  });

  it('returns the counts when every record went out', async () => {
    const publisher: TickPublisher = { publish: async (records) => ({ sent: records.length, undelivered: [] }) };
    expect(await makeProduceHandler(produceWith(publisher), source(1200))()).toEqual({
      read: 1200,
      published: 1200,
      undelivered: 0,
      sourceRejected: {},
    });
  });
});

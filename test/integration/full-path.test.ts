/**
 * The whole AWS flow over the wire, nothing simulated between the services: ticks →
 * KinesisTickPublisher → kinesalite → a poller playing Lambda's Kinesis event source
 * mapping → the ingest Lambda entry point (its own cold start: the AWS container from the
 * environment, S3 and DynamoDB adapters) → DynamoDB Local's stream → a poller playing the
 * DynamoDB Streams event source mapping with the trend function's filter → the trend Lambda
 * entry point → SNS → SQS. The alerts in the queue must be exactly the in-memory replay's.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoStreamsChangeFeed } from '../../src/adapters/aws/dynamo-streams-change-feed.js';
import { KinesisTickPublisher } from '../../src/adapters/aws/kinesis-tick-publisher.js';
import { SnsAlertPublisher } from '../../src/adapters/aws/sns-alert-publisher.js';
import { SystemClock } from '../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../src/adapters/local/memory-lake.js';
import { SimulatedTickSource } from '../../src/adapters/sources/simulated-tick-source.js';
import { replay } from '../../src/container/replay.js';
import { compareAlerts } from '../../src/domain/alert.js';
import { FlowStats } from '../../src/domain/flow-stats.js';
import { ProduceTicks } from '../../src/domain/usecases/produce-ticks.js';
import type { Alert } from '../../src/ports/model.js';
import {
  awsClients,
  createBucket,
  createStream,
  createTable,
  createTopic,
  drainQueue,
  endpoints,
  listKeys,
  objectLines,
  subscribedQueue,
  uniqueName,
  until,
} from '../support/aws-emulators.js';
import { KinesisPoller, StreamsPoller } from '../support/aws-event-source-pollers.js';

const SYMBOLS = ['AAPL', 'MSFT', 'BRK-B'];

/** A seeded market of three symbols with duplicates, malformed records and a few late ticks mixed in. */
function market(): unknown[] {
  const source = new SimulatedTickSource({ symbols: SYMBOLS, ticks: 480, seed: 11, badRate: 0.03, duplicateRate: 0.04 });
  const records = [...source.generate()].flatMap((item) => (item.kind === 'record' ? [item.record] : []));
  const out: unknown[] = [];
  records.forEach((record, i) => {
    out.push(record);
    const tick = record as { symbol?: unknown; timestamp?: unknown };
    if (i % 61 === 60 && typeof tick.symbol === 'string' && typeof tick.timestamp === 'number') {
      out.push({ ...tick, timestamp: tick.timestamp - 1500, price: 1.23 }); // late
    }
  });
  return out;
}

interface RunOptions {
  /** Ingest / trend invocations (0-based) whose batch is delivered twice. */
  readonly ingestTwice?: number[];
  readonly trendTwice?: number[];
}

async function runOverTheWire(records: readonly unknown[], options: RunOptions) {
  const clients = awsClients();
  const e = endpoints();
  const names = { stream: uniqueName('ticks'), bucket: uniqueName('lake'), table: uniqueName('tickflow') };
  await createStream(clients.kinesis, names.stream, 2);
  await createBucket(clients.s3, names.bucket);
  const streamArn = await createTable(clients.dynamodb, names.table);
  const topicArn = await createTopic(clients.sns, uniqueName('alerts'));
  const queueUrl = await subscribedQueue(clients, topicArn, uniqueName('alerts'));

  // The handlers build their AWS container from the environment on their first invocation,
  // exactly as in Lambda; the SDK takes the emulators' endpoints from AWS_ENDPOINT_URL_*.
  for (const [name, value] of Object.entries({
    AWS_ENDPOINT_URL_KINESIS: e.kinesis,
    AWS_ENDPOINT_URL_S3: e.fauxqs,
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
    AWS_ENDPOINT_URL_SNS: e.fauxqs,
    TICKFLOW_BUCKET: names.bucket,
    TICKFLOW_TABLE: names.table,
    TICKFLOW_TOPIC_ARN: topicArn,
    TICKFLOW_LOG_LEVEL: 'error',
  })) {
    vi.stubEnv(name, value);
  }
  vi.resetModules(); // a fresh module: a cold start
  const { handler: ingest } = await import('../../src/lambda/ingest.js');
  const { handler: trend } = await import('../../src/lambda/trend.js');

  const produce = new ProduceTicks(
    {
      publisher: new KinesisTickPublisher({ client: clients.kinesis, stream: names.stream }),
      rejects: new MemoryLake(),
      clock: new SystemClock(),
      observer: new FlowStats(),
      logger: new MemoryLogger(),
    },
    { batchSize: 100 },
  );
  const produced = await produce.publishItems(records.map((record) => ({ kind: 'record' as const, record })));

  const kinesis = new KinesisPoller(clients.kinesis, names.stream, ingest, { batchSize: 40, deliverTwice: options.ingestTwice });
  const streams = new StreamsPoller(new DynamoStreamsChangeFeed({ client: clients.streams, streamArn }), trend, {
    batchSize: 30,
    deliverTwice: options.trendTwice,
  });
  return { clients, names, produced, kinesis, streams, queueUrl };
}

describe('the full path over the wire: producer → Kinesis → ingest → S3 + DynamoDB → Streams → trend → SNS → SQS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  const records = market();
  const expected = replay(records, { lake: false, short: 5, long: 20, logger: new MemoryLogger() });

  it.each<[string, RunOptions]>([
    ['each batch delivered once', {}],
    ['an ingest batch and a trend batch each delivered twice', { ingestTwice: [2], trendTwice: [3] }],
  ])('gives exactly the in-memory replay’s alerts, with duplicates and bad records in the input (%s)', async (_, options) => {
    const { alerts: want, stats } = await expected;
    expect(want.length).toBeGreaterThanOrEqual(4);
    expect(new Set(want.map((a) => a.signal))).toEqual(new Set(['GOLDEN_CROSS', 'DEATH_CROSS']));
    expect(stats.duplicates).toBeGreaterThan(0);
    expect(stats.late).toBeGreaterThan(0);
    expect(stats.rejectedTotal).toBeGreaterThan(0);

    const { clients, names, produced, kinesis, streams, queueUrl } = await runOverTheWire(records, options);
    try {
      expect(produced.undelivered).toEqual([]);
      expect(produced.published).toBe(records.length);

      // Run both event source mappings until every applied tick has reached the trend handler.
      await until(
        `${stats.applied} tick INSERTs to reach the trend handler`,
        async () => {
          await kinesis.drain();
          await streams.drain();
          return kinesis.settled >= records.length && streams.settled >= stats.applied;
        },
        60_000,
      );
      expect([kinesis.discarded, streams.discarded]).toEqual([[], []]);
      expect(streams.settled).toBe(stats.applied); // one INSERT per applied tick, none for a duplicate or a redelivery
      expect(streams.filteredOut).toBeGreaterThan(0); // LATEST, TREND and ALERT records never reach the function
      if (options.ingestTwice) expect(kinesis.invocations).toBeGreaterThan(Math.max(...options.ingestTwice));
      if (options.trendTwice) expect(streams.invocations).toBeGreaterThan(Math.max(...options.trendTwice));

      // The alerts, read from the queue: exactly the replay's, none twice.
      const messages = await drainQueue(clients.sqs, queueUrl);
      const got = messages.map((m) => SnsAlertPublisher.parseMessage(JSON.parse(m.body).Message) as Alert).sort(compareAlerts);
      expect(got).toEqual(want);

      // The lake holds every valid record once and every bad one in quarantine, whatever was redelivered.
      const raw = await Promise.all(
        (await listKeys(clients.s3, names.bucket, 'raw/')).map((k) => objectLines(clients.s3, names.bucket, k)),
      );
      const rejected = await Promise.all(
        (await listKeys(clients.s3, names.bucket, 'rejected/')).map((k) => objectLines(clients.s3, names.bucket, k)),
      );
      expect(raw.flat()).toHaveLength(stats.accepted);
      expect(rejected.flat()).toHaveLength(stats.rejectedTotal);

      // The outbox: every alert recorded in the table, and marked SENT.
      for (const symbol of SYMBOLS) {
        const { Items = [] } = await clients.dynamodb.send(
          new QueryCommand({
            TableName: names.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)',
            ExpressionAttributeValues: { ':pk': { S: `SYMBOL#${symbol}` }, ':alert': { S: 'ALERT#' } },
          }),
        );
        expect(Items.map((i) => [JSON.parse(i.alert?.S ?? '{}').id, i.status?.S])).toEqual(
          want.filter((a) => a.symbol === symbol).map((a) => [a.id, 'SENT']),
        );
      }
    } finally {
      for (const client of Object.values(clients)) client.destroy();
    }
  });
});

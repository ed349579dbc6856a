/**
 * The Lambda bundles of `dist/lambda` — what a deployment uploads — each loaded by Node 22
 * (the `nodejs22.x` runtime) in its own process and invoked with real-shaped events against
 * the emulators: the bundles' own AWS SDK clients reach them through `AWS_ENDPOINT_URL_*`,
 * exactly as in Lambda but for the endpoint. Athena has no emulator: the query bundle talks
 * to a fake that speaks Athena's wire protocol. Each bundle's cold start is printed.
 */
import { stat } from 'node:fs/promises';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMarketStore } from '../../src/adapters/aws/dynamo-market-store.js';
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
import { symbolKey, tickKey } from '../../src/domain/store-layout.js';
import { ProduceTicks } from '../../src/domain/usecases/produce-ticks.js';
import type { Alert } from '../../src/ports/model.js';
import {
  awsClients,
  CREDENTIALS,
  createBucket,
  createStream,
  createTable,
  createTopic,
  drainQueue,
  endpoints,
  listKeys,
  objectLines,
  REGION,
  subscribedQueue,
  uniqueName,
  until,
} from '../support/aws-emulators.js';
import { KinesisPoller, StreamsPoller } from '../support/aws-event-source-pollers.js';
import { startFakeAthena } from '../support/fake-athena.js';
import {
  type BundleName,
  bundlePath,
  type ColdStart,
  ensureBundles,
  HandlerError,
  type LambdaProcess,
  startLambda,
} from '../support/lambda-process.js';
import { node22 } from '../support/node22.js';

const RECORDED_YAHOO = new URL('../support/recorded-yahoo.mjs', import.meta.url).href;

let node = '';
const started: LambdaProcess[] = [];
const coldStarts = new Map<BundleName, ColdStart & { bytes: number }>();

/** The environment Lambda gives every function, with the emulators as endpoints. */
function lambdaEnv(extra: Record<string, string>): Record<string, string> {
  const e = endpoints();
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_KINESIS: e.kinesis,
    AWS_ENDPOINT_URL_S3: e.fauxqs,
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
    AWS_ENDPOINT_URL_SNS: e.fauxqs,
    TICKFLOW_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** A bundle in a fresh execution environment (a cold start, recorded for the table printed at the end). */
async function lambda(name: BundleName, env: Record<string, string>, preload?: string[]): Promise<LambdaProcess> {
  const fn = await startLambda(node, name, lambdaEnv(env), { preload });
  started.push(fn);
  if (!coldStarts.has(name)) coldStarts.set(name, { ...fn.coldStart, bytes: (await stat(bundlePath(name))).size });
  return fn;
}

async function failure(call: Promise<unknown>): Promise<HandlerError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandlerError);
  return error as HandlerError;
}

/** Every record on a stream, decoded as JSON. */
async function streamRecords(client: KinesisClient, stream: string, shardIds: readonly string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const shardId of shardIds) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) out.push(JSON.parse(new TextDecoder().decode(r.Data)) as Record<string, unknown>);
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

describe('the Lambda bundles, under Node 22 against the emulators', () => {
  const clients = awsClients();

  beforeAll(async () => {
    [node] = await Promise.all([node22(), ensureBundles()]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(started.map((fn) => fn.stop()));
    for (const client of Object.values(clients)) client.destroy();
    const rows = [...coldStarts].map(
      ([name, c]) =>
        `  ${`${name}.mjs`.padEnd(12)} ${`${(c.bytes / 1024).toFixed(0)} KiB`.padStart(9)} ${`${c.importMs.toFixed(0)} ms`.padStart(8)} ${`${c.sinceStartMs.toFixed(0)} ms`.padStart(10)}`,
    );
    console.log(
      [
        `Lambda bundles, cold start under Node ${coldStarts.values().next().value?.node ?? '22'}:`,
        `  ${'bundle'.padEnd(12)} ${'size'.padStart(9)} ${'import'.padStart(8)} ${'spawn→ready'.padStart(10)}`,
        ...rows,
      ].join('\n'),
    );
  });

  it('each bundle loads under Node 22 and exports its handler', async () => {
    for (const name of ['ingest', 'trend', 'produce', 'query'] as const) {
      const fn = await lambda(name, {});
      expect(fn.coldStart.node).toMatch(/^v22\./);
      await fn.stop();
    }
  });

  it('ingest and trend: ticks on Kinesis → lake and table → table stream → alerts on SNS, the in-memory replay’s exactly', async () => {
    const names = { stream: uniqueName('bundle-ticks'), bucket: uniqueName('bundle-lake'), table: uniqueName('bundle-tickflow') };
    await createStream(clients.kinesis, names.stream, 1);
    await createBucket(clients.s3, names.bucket);
    const streamArn = await createTable(clients.dynamodb, names.table);
    const topicArn = await createTopic(clients.sns, uniqueName('bundle-alerts'));
    const queueUrl = await subscribedQueue(clients, topicArn, uniqueName('bundle-alerts'));
    const source = new SimulatedTickSource({ symbols: ['AAPL', 'BRK-B'], ticks: 300, seed: 5, badRate: 0.03, duplicateRate: 0.03 });
    const records = [...source.generate()].flatMap((item) => (item.kind === 'record' ? [item.record] : []));
    const { alerts: want, stats } = await replay(records, { lake: false, short: 5, long: 20, logger: new MemoryLogger() });
    expect(want.length).toBeGreaterThan(2);
    expect(stats.rejectedTotal).toBeGreaterThan(0);

    const produced = await new ProduceTicks({
      publisher: new KinesisTickPublisher({ client: clients.kinesis, stream: names.stream }),
      rejects: new MemoryLake(),
      clock: new SystemClock(),
      observer: new FlowStats(),
      logger: new MemoryLogger(),
    }).publishItems(records.map((record) => ({ kind: 'record' as const, record })));
    expect(produced.published).toBe(records.length);

    const ingest = await lambda('ingest', { TICKFLOW_BUCKET: names.bucket, TICKFLOW_TABLE: names.table });
    const trend = await lambda('trend', { TICKFLOW_TABLE: names.table, TICKFLOW_TOPIC_ARN: topicArn });
    const responses: unknown[] = [];
    const answer = async <T>(response: Promise<T>) => {
      responses.push(await response);
      return response;
    };
    const kinesis = new KinesisPoller(clients.kinesis, names.stream, (e) => answer(ingest.invoke<KinesisStreamBatchResponse>(e)), {
      batchSize: 100,
    });
    const streams = new StreamsPoller(
      new DynamoStreamsChangeFeed({ client: clients.streams, streamArn }),
      // The example stack's 2 minutes: claims and publishes bounded (a shorter invocation is not).
      (e) => answer(trend.invoke<DynamoDBBatchResponse>(e, { remainingMs: 120_000 })),
      { batchSize: 50 },
    );
    await until(
      'every applied tick to reach the trend bundle',
      async () => {
        await kinesis.drain();
        await streams.drain();
        return kinesis.settled >= records.length && streams.settled >= stats.applied;
      },
      60_000,
    );
    expect([kinesis.discarded, streams.discarded]).toEqual([[], []]);
    // Every batch of both functions answered at once: nothing to retry.
    expect(responses).toEqual(responses.map(() => ({ batchItemFailures: [] })));
    expect(kinesis.invocations + streams.invocations).toBe(responses.length);

    const raw = await Promise.all((await listKeys(clients.s3, names.bucket, 'raw/')).map((k) => objectLines(clients.s3, names.bucket, k)));
    const rejected = await Promise.all(
      (await listKeys(clients.s3, names.bucket, 'rejected/')).map((k) => objectLines(clients.s3, names.bucket, k)),
    );
    expect(raw.flat()).toHaveLength(stats.accepted);
    expect(rejected.flat()).toHaveLength(stats.rejectedTotal);
    const messages = await drainQueue(clients.sqs, queueUrl);
    const got = messages.map((m) => SnsAlertPublisher.parseMessage(JSON.parse(m.body).Message) as Alert).sort(compareAlerts);
    expect(got).toEqual(want);
    expect(ingest.logs() + trend.logs()).not.toMatch(/"level":"error"/);
  });

  it('ingest answers a Kinesis event as Lambda delivers it: a bad record quarantined, the good one archived, no failure', async () => {
    const bucket = await createBucket(clients.s3, uniqueName('bundle-lake'));
    const table = uniqueName('bundle-tickflow');
    await createTable(clients.dynamodb, table);
    const data = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
    const record = (sequenceNumber: string, payload: unknown) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'AAPL',
        sequenceNumber,
        data: data(payload),
        approximateArrivalTimestamp: 1704205800.123,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/tickflow-ingest',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/tickflow-ticks',
    });
    const event: KinesisStreamEvent = {
      Records: [
        record('49590338271490256608559692538361571095921575989136588898', {
          symbol: 'AAPL',
          timestamp: '2024-01-02T14:30:00Z',
          price: 187.43,
          volume: 100,
        }),
        record('49590338271490256608559692540925702759324208523137515618', '{"symbol":"AAPL","timestamp":'),
      ],
    };
    const ingest = await lambda('ingest', { TICKFLOW_BUCKET: bucket, TICKFLOW_TABLE: table });
    // With no time left for an attempt, nothing is sent: the whole batch is left for Lambda.
    await expect(ingest.invoke(event, { remainingMs: 1 })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
    });
    expect(await listKeys(clients.s3, bucket, '')).toEqual([]);
    expect(ingest.logs()).toContain('InvocationDeadlineError');
    await expect(ingest.invoke(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(await listKeys(clients.s3, bucket, 'raw/')).toEqual([
      'raw/symbol=AAPL/year=2024/month=01/day=02/shardId-000000000000_49590338271490256608559692538361571095921575989136588898.ndjson.gz',
    ]);
    const [quarantined] = await listKeys(clients.s3, bucket, 'rejected/');
    expect((await objectLines(clients.s3, bucket, quarantined ?? ''))?.map((l) => JSON.parse(l).code)).toEqual(['INVALID_JSON']);
  });

  it('trend answers a DynamoDB Streams event as Lambda delivers it (tick INSERT, attribute-value images)', async () => {
    const table = uniqueName('bundle-tickflow');
    await createTable(clients.dynamodb, table);
    const topicArn = await createTopic(clients.sns, uniqueName('bundle-alerts'));
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventID: 'c4ca4238a0b923820dcc509a6f75849b',
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: 'us-east-1',
          dynamodb: {
            ApproximateCreationDateTime: 1704205800,
            Keys: { pk: { S: 'SYMBOL#AAPL' }, sk: { S: 'TICK#0001704205800000' } },
            NewImage: {
              pk: { S: 'SYMBOL#AAPL' },
              sk: { S: 'TICK#0001704205800000' },
              price: { N: '187.43' },
              volume: { N: '100' },
              expiresAt: { N: '1704810600' },
            },
            SequenceNumber: '4421584500000000017450439091',
            SizeBytes: 120,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
          eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2024-01-02T14:30:00.000`,
        },
      ],
    };
    const trend = await lambda('trend', { TICKFLOW_TABLE: table, TICKFLOW_TOPIC_ARN: topicArn });
    // No deadline binds its clients: even with a moment left it does its work when there is
    // no alert to send (a refused write after alerts went out would send them again).
    await expect(trend.invoke(event, { remainingMs: 1 })).resolves.toEqual({ batchItemFailures: [] });
    expect(trend.logs()).not.toContain('InvocationDeadlineError');
  });

  it('trend claims no alert with too little of its invocation left: the batch is retried and the alert sent once', async () => {
    const table = uniqueName('bundle-tickflow');
    await createTable(clients.dynamodb, table);
    const topicArn = await createTopic(clients.sns, uniqueName('bundle-alerts'));
    const queueUrl = await subscribedQueue(clients, topicArn, uniqueName('bundle-alerts'));
    // SMA 1/2 over prices 1, 2, 2, 1: one death cross, at the fourth tick.
    const store = new DynamoMarketStore({ client: clients.dynamodb, table, clock: new SystemClock() });
    const ticks = [1, 2, 2, 1].map((price, i) => ({
      symbol: 'AAPL',
      timestamp: 1704205800000 + i * 1000,
      units: price * 1e6,
      volume: 100,
    }));
    await store.putTicks(ticks);
    const event: DynamoDBStreamEvent = {
      Records: ticks.map((t, i) => ({
        eventID: `e${i}`,
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          Keys: { pk: { S: symbolKey('AAPL') }, sk: { S: tickKey(t.timestamp) } },
          SequenceNumber: `44215845000000000174504390${10 + i}`,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      })),
    };
    const trend = await lambda('trend', {
      TICKFLOW_TABLE: table,
      TICKFLOW_TOPIC_ARN: topicArn,
      TICKFLOW_SHORT: '1',
      TICKFLOW_LONG: '2',
    });
    await expect(trend.invoke(event, { remainingMs: 1 })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.dynamodb?.SequenceNumber }],
    });
    expect(trend.logs()).toMatch(/alerts of AAPL not published: .* s of this invocation left/);
    expect(await drainQueue(clients.sqs, queueUrl)).toEqual([]);
    expect(await store.getTrend('AAPL')).toMatchObject({
      lastTimestamp: ticks[3]?.timestamp,
      claimedUntil: 0,
      pending: [{ id: `AAPL#${ticks[3]?.timestamp}#DEATH_CROSS` }],
    });
    // Lambda delivers the batch again, to an invocation with its time ahead of it.
    await expect(trend.invoke(event, { remainingMs: 120_000 })).resolves.toEqual({ batchItemFailures: [] });
    await expect(trend.invoke(event, { remainingMs: 120_000 })).resolves.toEqual({ batchItemFailures: [] });
    const messages = await drainQueue(clients.sqs, queueUrl);
    expect(messages.map((m) => (SnsAlertPublisher.parseMessage(JSON.parse(m.body).Message) as Alert).id)).toEqual([
      `AAPL#${ticks[3]?.timestamp}#DEATH_CROSS`,
    ]);
    expect(await store.getTrend('AAPL')).toMatchObject({ pending: [], claimedUntil: 0 });
  });

  it('produce (TICKFLOW_SOURCE=simulated) publishes one simulated round per scheduled invocation to Kinesis', async () => {
    const stream = uniqueName('bundle-produce');
    const { shardIds } = await createStream(clients.kinesis, stream, 1);
    const produce = await lambda('produce', {
      TICKFLOW_STREAM: stream,
      TICKFLOW_SYMBOLS: 'AAPL,MSFT',
      TICKFLOW_SOURCE: 'simulated',
      TICKFLOW_SIMULATED_TICKS: '40',
    });
    const scheduled = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2024-01-02T14:30:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/tickflow-produce'],
      detail: {},
    };
    const summary = { read: 40, published: 40, undelivered: 0, sourceRejected: {} };
    await expect(produce.invoke(scheduled)).resolves.toEqual(summary);
    await expect(produce.invoke(scheduled)).resolves.toEqual(summary);
    const records = await streamRecords(clients.kinesis, stream, shardIds);
    expect(records).toHaveLength(80);
    expect(new Set(records.map((r) => r.symbol))).toEqual(new Set(['AAPL', 'MSFT']));
    // The second invocation's ticks start at its own time, not again at the first one's.
    const first = records.slice(0, 40).map((r) => Number(r.timestamp));
    const second = records.slice(40).map((r) => Number(r.timestamp));
    expect(Math.min(...second)).toBeGreaterThan(Math.min(...first));
  });

  it('produce (default: Yahoo Finance, answered from recordings) publishes one round of quotes with the bundled yahoo-finance2', async () => {
    const stream = uniqueName('bundle-produce-yahoo');
    const { shardIds } = await createStream(clients.kinesis, stream, 1);
    const produce = await lambda('produce', { TICKFLOW_STREAM: stream, TICKFLOW_SYMBOLS: 'AAPL,MSFT' }, [RECORDED_YAHOO]);
    await expect(produce.invoke({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).resolves.toEqual({
      read: 2,
      published: 2,
      undelivered: 0,
      sourceRejected: {},
    });
    const records = await streamRecords(clients.kinesis, stream, shardIds);
    expect(records.map((r) => [r.symbol, r.source])).toEqual([
      ['AAPL', 'yahoo'],
      ['MSFT', 'yahoo'],
    ]);
    expect(records.every((r) => typeof r.price === 'number' && typeof r.timestamp === 'number')).toBe(true);
  });

  it('produce at a stream that does not exist fails the invocation at its first batch, naming the cause', async () => {
    const produce = await lambda('produce', {
      TICKFLOW_STREAM: uniqueName('bundle-produce-missing'),
      TICKFLOW_SYMBOLS: 'AAPL,MSFT',
      TICKFLOW_SOURCE: 'simulated',
      TICKFLOW_SIMULATED_TICKS: '2000',
    });
    const error = await failure(produce.invoke({}));
    expect(error.message).toMatch(
      /^the stream refuses every record \(ResourceNotFoundException: Stream bundle-produce-missing\S* under account \d+ not found\.\), so the source was read no further: 500 record\(s\) read were not delivered$/,
    );
  });

  it('produce without its symbols fails the cold start with a ConfigError naming the variable', async () => {
    const produce = await lambda('produce', { TICKFLOW_STREAM: 'ticks', TICKFLOW_SOURCE: 'simulated' });
    const error = await failure(produce.invoke({}));
    expect([error.name, error.message]).toEqual([
      'ConfigError',
      'TICKFLOW_SYMBOLS is not set: the produce function needs the symbols to poll, e.g. AAPL,MSFT,BRK-B',
    ]);
  });

  it('query runs a named query on (a fake) Athena with bound parameters, and refuses a bad payload before asking anything', async () => {
    const athena = await startFakeAthena({
      columns: [
        { name: 'symbol', type: 'varchar' },
        { name: 'ticks', type: 'bigint' },
        { name: 'daily_volatility', type: 'double' },
      ],
      rows: [['AAPL', '1981', '0.0123']],
    });
    try {
      const query = await lambda('query', {
        AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
        TICKFLOW_BUCKET: 'tickflow-lake',
        TICKFLOW_ATHENA_WORKGROUP: 'tickflow',
        TICKFLOW_GLUE_DATABASE: 'tickflow',
        TICKFLOW_GLUE_TABLE: 'ticks',
      });
      const summary = await query.invoke({ name: 'volatility', symbols: ['aapl'], from: '2024-01-02', to: '2024-01-05' });
      expect(summary).toEqual({
        name: 'volatility',
        queryId: 'q-1',
        location: 's3://tickflow-lake/results/volatility/q-1.csv',
        columns: [
          { name: 'symbol', type: 'varchar' },
          { name: 'ticks', type: 'bigint' },
          { name: 'daily_volatility', type: 'double' },
        ],
        rowCount: 1,
        rows: [{ symbol: 'AAPL', ticks: 1981, daily_volatility: 0.0123 }],
        truncated: false,
      });
      const start = athena.calls.find((c) => c.operation === 'StartQueryExecution')?.input;
      expect(start).toMatchObject({
        WorkGroup: 'tickflow',
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'tickflow' },
        ResultConfiguration: { OutputLocation: 's3://tickflow-lake/results/volatility/' },
      });
      expect(start?.QueryString).toMatch(/"tickflow"\."ticks"/);
      expect(start?.QueryString).not.toMatch(/AAPL/); // bound, never written into the SQL
      expect(start?.ExecutionParameters).toContain("'AAPL'");

      const asked = athena.calls.length;
      const error = await failure(query.invoke({ name: 'volatility', symbols: ["AAPL'); DROP TABLE ticks; --"] }));
      expect(error.name).toBe('InvalidQueryError');
      expect(athena.calls).toHaveLength(asked);
    } finally {
      await athena.stop();
    }
  });

  it('query without its bucket fails with a ConfigError naming the variable', async () => {
    const query = await lambda('query', { TICKFLOW_ATHENA_WORKGROUP: 'tickflow' });
    const error = await failure(query.invoke({ name: 'volatility', symbols: ['AAPL'] }));
    expect([error.name, error.message]).toEqual([
      'ConfigError',
      'TICKFLOW_BUCKET is not set: the query function needs the S3 bucket of the data lake, e.g. tickflow-lake',
    ]);
  });
});

import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Container } from 'inversify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AthenaAnalyticsEngine } from '../../../src/adapters/aws/athena-analytics-engine.js';
import { awsHttpHandler } from '../../../src/adapters/aws/aws-http-handler.js';
import { DynamoMarketStore } from '../../../src/adapters/aws/dynamo-market-store.js';
import { GlueCatalog } from '../../../src/adapters/aws/glue-catalog.js';
import { KinesisTickPublisher } from '../../../src/adapters/aws/kinesis-tick-publisher.js';
import { S3Lake } from '../../../src/adapters/aws/s3-lake.js';
import { SnsAlertPublisher } from '../../../src/adapters/aws/sns-alert-publisher.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { YahooQuoteSource } from '../../../src/adapters/sources/yahoo-tick-source.js';
import {
  ATHENA_CLIENT,
  AWS_CONFIG,
  awsConfigFromEnv,
  awsContainer,
  DYNAMODB_CLIENT,
  GLUE_CLIENT,
  KINESIS_CLIENT,
  S3_CLIENT,
  SNS_CLIENT,
} from '../../../src/container/aws.js';
import { parseAthenaConfig } from '../../../src/container/aws-config.js';
import { ingestContainer } from '../../../src/container/ingest-container.js';
import { produceContainer } from '../../../src/container/produce-container.js';
import { queryContainer } from '../../../src/container/query-container.js';
import { DETECT_TRENDS, INGEST_BATCH, PRODUCE_TICKS } from '../../../src/container/tokens.js';
import { trendContainer } from '../../../src/container/trend-container.js';
import { DetectTrends } from '../../../src/domain/usecases/detect-trends.js';
import { IngestBatch } from '../../../src/domain/usecases/ingest-batch.js';
import { ProduceTicks } from '../../../src/domain/usecases/produce-ticks.js';
import { ALERT_PUBLISHER } from '../../../src/ports/alert-publisher.port.js';
import { ANALYTICS_ENGINE } from '../../../src/ports/analytics-engine.port.js';
import { CATALOG } from '../../../src/ports/catalog.port.js';
import { ConfigError } from '../../../src/ports/errors.js';
import { MARKET_STORE } from '../../../src/ports/market-store.port.js';
import { RAW_TICK_ARCHIVE } from '../../../src/ports/raw-tick-archive.port.js';
import { REJECT_SINK } from '../../../src/ports/reject-sink.port.js';
import { TICK_PUBLISHER } from '../../../src/ports/tick-publisher.port.js';
import { TICK_SOURCE, type TickSource } from '../../../src/ports/tick-source.port.js';

const ENV = {
  AWS_REGION: 'eu-west-1',
  TICKFLOW_STREAM: 'tickflow-ticks',
  TICKFLOW_BUCKET: 'tickflow-lake',
  TICKFLOW_TABLE: 'tickflow',
  TICKFLOW_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:tickflow-alerts',
  TICKFLOW_SYMBOLS: 'aapl,BRK-B',
};

const configError = (env: Record<string, string>, roles: Parameters<typeof awsConfigFromEnv>[1] = []) => {
  try {
    awsConfigFromEnv(env, roles);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('awsConfigFromEnv', () => {
  it('reads every variable, with the defaults of the design', () => {
    expect(awsConfigFromEnv(ENV, ['ingest', 'trend', 'produce'])).toEqual({
      region: 'eu-west-1',
      stream: 'tickflow-ticks',
      bucket: 'tickflow-lake',
      table: 'tickflow',
      topicArn: ENV.TICKFLOW_TOPIC_ARN,
      symbols: ['AAPL', 'BRK-B'],
      source: 'yahoo',
      simulatedTicks: 100,
      athena: {
        bucket: 'tickflow-lake',
        workgroup: 'primary',
        outputLocation: 's3://tickflow-lake/results/',
        database: 'tickflow',
        table: 'ticks',
        priceDecimals: 6,
      },
      priceDecimals: 6,
      short: 5,
      long: 20,
      encryption: { mode: 'bucket-default' },
      tickTtlSeconds: 7 * 86_400,
      s3ForcePathStyle: false,
      logLevel: 'info',
    });
    const tuned = awsConfigFromEnv({
      ...ENV,
      TICKFLOW_PRICE_DECIMALS: '2',
      TICKFLOW_SHORT: '3',
      TICKFLOW_LONG: '9',
      TICKFLOW_SSE: 'aws:kms',
      TICKFLOW_SSE_KMS_KEY_ID: 'alias/tickflow',
      TICKFLOW_TICK_TTL_DAYS: '2',
      TICKFLOW_S3_FORCE_PATH_STYLE: 'true',
      TICKFLOW_LOG_LEVEL: 'warn',
      TICKFLOW_SOURCE: 'simulated',
      TICKFLOW_SIMULATED_TICKS: '500',
      TICKFLOW_ATHENA_WORKGROUP: 'tickflow',
      TICKFLOW_GLUE_DATABASE: 'lake',
    });
    expect(tuned).toMatchObject({
      source: 'simulated',
      simulatedTicks: 500,
      athena: { workgroup: 'tickflow', database: 'lake', table: 'ticks', priceDecimals: 2 },
      priceDecimals: 2,
      short: 3,
      long: 9,
      encryption: { mode: 'aws:kms', kmsKeyId: 'alias/tickflow' },
      tickTtlSeconds: 2 * 86_400,
      s3ForcePathStyle: true,
      logLevel: 'warn',
    });
  });

  it('names the variable a role needs and what it should hold', () => {
    expect(configError({ AWS_REGION: 'eu-west-1', TICKFLOW_TABLE: 't-1' }, ['ingest'])).toBe(
      'TICKFLOW_BUCKET is not set: the ingest function needs the S3 bucket of the data lake, e.g. tickflow-lake',
    );
    expect(configError({ AWS_REGION: 'eu-west-1', TICKFLOW_TABLE: 't-1' }, ['trend'])).toMatch(
      /^TICKFLOW_TOPIC_ARN is not set: the trend function/,
    );
    expect(configError({ TICKFLOW_STREAM: 's', TICKFLOW_SYMBOLS: 'AAPL' }, ['produce'])).toMatch(/^AWS_REGION is not set/);
  });

  it('names a malformed variable and what was expected', () => {
    expect(configError({ ...ENV, TICKFLOW_BUCKET: 'Not_A_Bucket' })).toMatch(/^TICKFLOW_BUCKET is "Not_A_Bucket": expected the S3 bucket/);
    expect(configError({ ...ENV, TICKFLOW_TOPIC_ARN: 'alerts' })).toMatch(/^TICKFLOW_TOPIC_ARN is "alerts": expected the ARN/);
    expect(configError({ ...ENV, TICKFLOW_PRICE_DECIMALS: '12' })).toBe(
      'TICKFLOW_PRICE_DECIMALS is "12": expected a whole number from 0 to 9',
    );
    expect(configError({ ...ENV, TICKFLOW_LONG: '1001' })).toBe('TICKFLOW_LONG is "1001": expected a whole number from 2 to 1000');
    expect(configError({ ...ENV, TICKFLOW_SHORT: '20', TICKFLOW_LONG: '5' })).toMatch(
      /^TICKFLOW_SHORT \/ TICKFLOW_LONG: .*1 ≤ short < long/,
    );
    expect(configError({ ...ENV, TICKFLOW_SYMBOLS: 'AAPL,../x' })).toMatch(/^TICKFLOW_SYMBOLS: not a valid symbol: "..\/x"/);
    expect(configError({ ...ENV, TICKFLOW_SSE: 'yes' })).toBe('TICKFLOW_SSE is "yes": expected one of AES256, aws:kms, bucket-default');
    expect(configError({ ...ENV, TICKFLOW_SSE_KMS_KEY_ID: 'k' })).toMatch(/^TICKFLOW_SSE_KMS_KEY_ID is set: expected TICKFLOW_SSE=aws:kms/);
    expect(configError({ ...ENV, AWS_REGION: 'Ireland' })).toMatch(/^AWS_REGION is "Ireland"/);
    const { AWS_REGION: _region, ...withoutRegion } = ENV;
    expect(configError({ ...withoutRegion, AWS_DEFAULT_REGION: 'EU' })).toMatch(/^AWS_DEFAULT_REGION is "EU"/);
    // One value of TICKFLOW_PRICE_DECIMALS means the same to every function, the query one included.
    expect(awsConfigFromEnv({ ...ENV, TICKFLOW_PRICE_DECIMALS: '06' }).priceDecimals).toBe(6);
    expect(parseAthenaConfig({ TICKFLOW_BUCKET: 'lake', TICKFLOW_PRICE_DECIMALS: '06' }).priceDecimals).toBe(6);
    expect(() => parseAthenaConfig({ TICKFLOW_BUCKET: 'lake', TICKFLOW_PRICE_DECIMALS: '12' })).toThrow(
      'TICKFLOW_PRICE_DECIMALS is "12": expected a whole number from 0 to 9',
    );
    expect(configError({ ...ENV, TICKFLOW_SOURCE: 'csv' })).toBe('TICKFLOW_SOURCE is "csv": expected one of yahoo, simulated');
    expect(configError({ ...ENV, TICKFLOW_SIMULATED_TICKS: '0' })).toBe(
      'TICKFLOW_SIMULATED_TICKS is "0": expected a whole number from 1 to 10000',
    );
    expect(configError({ ...ENV, TICKFLOW_ATHENA_OUTPUT: 'results/' })).toMatch(/^TICKFLOW_ATHENA_OUTPUT must be an s3:\/\/ URL/);
    // Checked where no bucket is set too (the trend function's environment): every variable that is set, its own or not.
    const { TICKFLOW_BUCKET: _, ...trendEnv } = ENV;
    expect(awsConfigFromEnv(trendEnv, ['trend']).athena).toBeUndefined();
    expect(configError({ ...trendEnv, TICKFLOW_GLUE_TABLE: 'Bad-Name!' }, ['trend'])).toMatch(/^TICKFLOW_GLUE_TABLE must be a Glue name/);
    expect(configError({ ...trendEnv, TICKFLOW_ATHENA_OUTPUT: 'http://nope' }, ['trend'])).toMatch(
      /^TICKFLOW_ATHENA_OUTPUT must be an s3:\/\/ URL/,
    );
    expect(configError({ ...trendEnv, TICKFLOW_ATHENA_WORKGROUP: 'bad wg' }, ['trend'])).toMatch(/^TICKFLOW_ATHENA_WORKGROUP must be/);
    expect(configError({ AWS_REGION: 'eu-west-1' }, ['query'])).toBe(
      'TICKFLOW_BUCKET is not set: the query function needs the S3 bucket of the data lake, e.g. tickflow-lake',
    );
  });
});

describe('awsContainer', () => {
  it('wires the AWS adapters under the use cases, building each SDK client once', async () => {
    const c = awsContainer(ENV, ['ingest', 'trend', 'produce']);
    expect(c.get(INGEST_BATCH)).toBeInstanceOf(IngestBatch);
    expect(c.get(DETECT_TRENDS)).toBeInstanceOf(DetectTrends);
    expect(c.get(PRODUCE_TICKS)).toBeInstanceOf(ProduceTicks);
    expect(c.get(RAW_TICK_ARCHIVE)).toBeInstanceOf(S3Lake);
    expect(c.get(REJECT_SINK)).toBe(c.get(RAW_TICK_ARCHIVE));
    expect(c.get(MARKET_STORE)).toBeInstanceOf(DynamoMarketStore);
    expect(c.get(ALERT_PUBLISHER)).toBeInstanceOf(SnsAlertPublisher);
    expect(c.get(TICK_PUBLISHER)).toBeInstanceOf(KinesisTickPublisher);
    expect(c.get(DYNAMODB_CLIENT)).toBe(c.get(DYNAMODB_CLIENT));
    // HTTP/1.1 for Kinesis, which AWS and the emulators both speak.
    const kinesis = c.get<{ config: { requestHandler: unknown } }>(KINESIS_CLIENT);
    expect(kinesis.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    // Every client gives up on a silent connection rather than hold the invocation until it times out.
    for (const token of [KINESIS_CLIENT, DYNAMODB_CLIENT, S3_CLIENT, SNS_CLIENT]) {
      const handler = c.get<{ config: { requestHandler: NodeHttpHandler } }>(token).config.requestHandler;
      expect(handler).toBeInstanceOf(NodeHttpHandler);
      // The options as the handler resolved them (it reads them on first use).
      const options = await (handler as unknown as { configProvider: Promise<unknown> }).configProvider;
      expect(options).toMatchObject({
        connectionTimeout: 3_000,
        requestTimeout: 15_000,
        socketTimeout: 15_000,
        throwOnRequestTimeout: true,
      });
      // And every attempt checks that the invocation has time left for it.
      const stack = c.get<{ middlewareStack: { identify(): string[] } }>(token).middlewareStack;
      expect(stack.identify().some((m) => m.startsWith('tickflowInvocationDeadline'))).toBe(true);
    }
    expect(c.get(AWS_CONFIG)).toMatchObject({ region: 'eu-west-1' });
  });

  it('fails a request whose response does not come in time with a TimeoutError, rather than wait for ever', async () => {
    // A server that accepts the connection and never answers.
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      maxAttempts: 1,
      requestHandler: awsHttpHandler({ connectionTimeout: 1_000, requestTimeout: 300 }),
    });
    try {
      const started = Date.now();
      const error = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } })).catch((e: unknown) => e);
      expect((error as Error).name).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails a response whose body stops after its headers with a TimeoutError (requestTimeout ends at the headers)', async () => {
    // A server that answers 200 with a length, sends part of the body, and then nothing.
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': '1000' });
      res.write('{"Item":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = (socketTimeout?: number) =>
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'k', secretAccessKey: 's' },
        maxAttempts: 1,
        requestHandler: awsHttpHandler({ connectionTimeout: 1_000, requestTimeout: 300, socketTimeout }),
      });
    const clients = [client(), client(400)];
    try {
      for (const c of clients) {
        const started = Date.now();
        const error = await c.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } })).catch((e: unknown) => e);
        expect((error as Error).name).toBe('TimeoutError');
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    } finally {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 15_000);

  it('loads the Yahoo quote source for the produce function only when asked for, one round per invocation', async () => {
    const source = await awsContainer(ENV, ['produce']).getAsync<TickSource>(TICK_SOURCE);
    expect(source).toBeInstanceOf(YahooQuoteSource);
    expect(source.name).toBe('yahoo');
  });

  it('fails with a ConfigError naming the variable when an adapter without its variable is asked for', () => {
    const c = awsContainer({ AWS_REGION: 'eu-west-1' });
    expect(() => c.get(MARKET_STORE)).toThrow(/TICKFLOW_TABLE is not set/);
    expect(() => c.get(TICK_PUBLISHER)).toThrow(/TICKFLOW_STREAM is not set/);
    expect(() => c.get(ANALYTICS_ENGINE)).toThrow(/TICKFLOW_BUCKET is not set/);
  });

  it('wires the Athena engine and the Glue catalog of the lake table from the query variables', () => {
    const c = awsContainer({ ...ENV, TICKFLOW_ATHENA_WORKGROUP: 'tickflow' }, ['query']);
    expect(c.get(ANALYTICS_ENGINE)).toBeInstanceOf(AthenaAnalyticsEngine);
    expect(c.get(CATALOG)).toBeInstanceOf(GlueCatalog);
    expect(c.get(ATHENA_CLIENT)).toBe(c.get(ATHENA_CLIENT));
  });
});

describe('the per-function containers', () => {
  // What a function's container binds is what its bundle carries: nothing of the others.
  const bound = (c: Container) =>
    Object.entries({ S3_CLIENT, DYNAMODB_CLIENT, SNS_CLIENT, KINESIS_CLIENT, ATHENA_CLIENT, GLUE_CLIENT, TICK_SOURCE })
      .filter(([, token]) => c.isBound(token))
      .map(([name]) => name);

  it('bind only the services their function uses', () => {
    expect(bound(ingestContainer(ENV))).toEqual(['S3_CLIENT', 'DYNAMODB_CLIENT']);
    expect(bound(trendContainer(ENV))).toEqual(['DYNAMODB_CLIENT', 'SNS_CLIENT']);
    expect(bound(produceContainer(ENV))).toEqual(['S3_CLIENT', 'KINESIS_CLIENT', 'TICK_SOURCE']);
    expect(bound(queryContainer(ENV))).toEqual(['S3_CLIENT', 'ATHENA_CLIENT', 'GLUE_CLIENT']);
    expect(ingestContainer(ENV).get(INGEST_BATCH)).toBeInstanceOf(IngestBatch);
    expect(trendContainer(ENV).get(DETECT_TRENDS)).toBeInstanceOf(DetectTrends);
    expect(produceContainer(ENV).get(PRODUCE_TICKS)).toBeInstanceOf(ProduceTicks);
    expect(queryContainer(ENV).get(ANALYTICS_ENGINE)).toBeInstanceOf(AthenaAnalyticsEngine);
  });

  it('check the variables of their own function only', () => {
    const only = (names: string[]) => Object.fromEntries(Object.entries(ENV).filter(([k]) => k === 'AWS_REGION' || names.includes(k)));
    expect(() => ingestContainer(only(['TICKFLOW_BUCKET', 'TICKFLOW_TABLE']))).not.toThrow();
    expect(() => ingestContainer(only(['TICKFLOW_TABLE']))).toThrow(/^TICKFLOW_BUCKET is not set: the ingest function/);
    expect(() => trendContainer(only(['TICKFLOW_TABLE']))).toThrow(/^TICKFLOW_TOPIC_ARN is not set: the trend function/);
    expect(() => produceContainer(only(['TICKFLOW_STREAM']))).toThrow(/^TICKFLOW_SYMBOLS is not set: the produce function/);
    expect(() => queryContainer(only([]))).toThrow(/^TICKFLOW_BUCKET is not set: the query function/);
  });

  it('simulate for the produce function, each invocation from its own time, with TICKFLOW_SOURCE=simulated', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 2, 14, 30));
    const c = produceContainer({ ...ENV, TICKFLOW_SOURCE: 'simulated', TICKFLOW_SIMULATED_TICKS: '6' }, { clock });
    const source = await c.getAsync<TickSource>(TICK_SOURCE);
    expect(source.name).toBe('simulated');
    const timestamps = async () => {
      const out: number[] = [];
      for await (const item of source.items()) if (item.kind === 'record') out.push((item.record as { timestamp: number }).timestamp);
      return out;
    };
    const first = await timestamps();
    expect(first).toEqual([0, 0, 1000, 1000, 2000, 2000].map((d) => clock.now() + d));
    clock.advance(60_000);
    expect(await timestamps()).toEqual(first.map((t) => t + 60_000));
  });
});

describe('the Lambda entry points', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fail the cold start with the ConfigError, so Lambda retries the batch instead of dropping it', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('TICKFLOW_TABLE', 'tickflow');
    vi.stubEnv('TICKFLOW_BUCKET', '');
    vi.stubEnv('TICKFLOW_TOPIC_ARN', '');
    const { handler } = await import('../../../src/lambda/ingest.js');
    await expect(handler({ Records: [] })).rejects.toThrow('TICKFLOW_BUCKET is not set: the ingest function needs');
    const trend = await import('../../../src/lambda/trend.js');
    await expect(trend.handler({ Records: [] })).rejects.toThrow(/^TICKFLOW_TOPIC_ARN is not set/);
    vi.stubEnv('TICKFLOW_STREAM', 'ticks');
    vi.stubEnv('TICKFLOW_SYMBOLS', '');
    const produce = await import('../../../src/lambda/produce.js');
    await expect(produce.handler()).rejects.toThrow(/^TICKFLOW_SYMBOLS is not set: the produce function needs the symbols to poll/);
    const query = await import('../../../src/lambda/query.js');
    await expect(query.handler({ name: 'volatility' })).rejects.toThrow(/^TICKFLOW_BUCKET is not set: the query function needs/);
  });
});

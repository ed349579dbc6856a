import 'reflect-metadata';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { Container, ContainerModule } from 'inversify';
import { DynamoMarketStore } from '../adapters/aws/dynamo-market-store.js';
import { createKinesisClient, KinesisTickPublisher } from '../adapters/aws/kinesis-tick-publisher.js';
import { type LakeEncryption, S3Lake } from '../adapters/aws/s3-lake.js';
import { SnsAlertPublisher } from '../adapters/aws/sns-alert-publisher.js';
import { SystemClock } from '../adapters/local/clocks.js';
import { JsonLogger } from '../adapters/local/loggers.js';
import { parseSymbolList } from '../domain/symbol.js';
import { resolveTrendOptions } from '../domain/trend-tracker.js';
import { DetectTrends } from '../domain/usecases/detect-trends.js';
import { IngestBatch } from '../domain/usecases/ingest-batch.js';
import { ProduceTicks } from '../domain/usecases/produce-ticks.js';
import { ALERT_PUBLISHER, type AlertPublisher } from '../ports/alert-publisher.port.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { ConfigError } from '../ports/errors.js';
import type { FlowObserver, IngestReport } from '../ports/flow-observer.port.js';
import { FLOW_OBSERVER } from '../ports/flow-observer.port.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';
import { MARKET_STORE, type MarketStore } from '../ports/market-store.port.js';
import type { Alert, Partition, RejectCode, Rejection } from '../ports/model.js';
import { RAW_TICK_ARCHIVE, type RawTickArchive } from '../ports/raw-tick-archive.port.js';
import { REJECT_SINK, type RejectSink } from '../ports/reject-sink.port.js';
import { TICK_PUBLISHER, type TickPublisher } from '../ports/tick-publisher.port.js';
import { TICK_SOURCE, type TickSource } from '../ports/tick-source.port.js';
import { DETECT_TRENDS, INGEST_BATCH, PRODUCE_TICKS, TREND_SETTINGS } from './tokens.js';

/** What a Lambda function does, and so which variables it needs. */
export type AwsRole = 'ingest' | 'trend' | 'produce';

/** Log levels of `TICKFLOW_LOG_LEVEL`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The AWS runtime's configuration, parsed once from the environment (`awsConfigFromEnv`).
 *
 * @example
 * const config = awsConfigFromEnv(process.env, ['ingest']);
 * config.bucket; // 'tickflow-lake'
 */
export interface AwsConfig {
  readonly region: string;
  /** Kinesis stream name or ARN (`TICKFLOW_STREAM`). */
  readonly stream?: string;
  /** S3 bucket of the data lake (`TICKFLOW_BUCKET`). */
  readonly bucket?: string;
  /** DynamoDB table (`TICKFLOW_TABLE`). */
  readonly table?: string;
  /** SNS topic of the alerts (`TICKFLOW_TOPIC_ARN`). */
  readonly topicArn?: string;
  /** Symbols the produce function polls (`TICKFLOW_SYMBOLS`). */
  readonly symbols?: readonly string[];
  readonly priceDecimals: number;
  readonly short: number;
  readonly long: number;
  readonly encryption: LakeEncryption;
  readonly tickTtlSeconds: number;
  /** Path-style S3 URLs, for emulators on a host name such as `localhost`. */
  readonly s3ForcePathStyle: boolean;
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The variables each role cannot do without. */
const REQUIRED: Record<AwsRole, readonly string[]> = {
  ingest: ['TICKFLOW_BUCKET', 'TICKFLOW_TABLE'],
  trend: ['TICKFLOW_TABLE', 'TICKFLOW_TOPIC_ARN'],
  produce: ['TICKFLOW_STREAM', 'TICKFLOW_SYMBOLS'],
};

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * Parses and checks the environment of a tickflow Lambda function (or any process running
 * the AWS adapters): every variable that is set must be well-formed, and those the roles
 * need must be set; a `ConfigError` names the first variable that is not and what was
 * expected. Endpoints are not configured here: the SDK reads `AWS_ENDPOINT_URL_KINESIS`,
 * `_S3`, `_DYNAMODB`, `_SNS` itself (that is how the same code runs against emulators).
 *
 * @example
 * const config = awsConfigFromEnv({ AWS_REGION: 'eu-west-1', TICKFLOW_TABLE: 'tickflow', TICKFLOW_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' }, ['trend']);
 */
export function awsConfigFromEnv(env: Env, roles: readonly AwsRole[] = []): AwsConfig {
  for (const role of roles) {
    for (const name of REQUIRED[role]) {
      if (!env[name]) throw new ConfigError(`${name} is not set: the ${role} function needs ${describe(name)}`);
    }
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region)
    throw new ConfigError('AWS_REGION is not set: the AWS region of the stream, bucket, table and topic is expected, e.g. eu-west-1');
  check('AWS_REGION', region, /^[a-z]{2}(-[a-z0-9]+)+$/, 'an AWS region such as eu-west-1');
  const stream = optional(
    env,
    'TICKFLOW_STREAM',
    /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/,
  );
  const bucket = optional(env, 'TICKFLOW_BUCKET', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
  const table = optional(env, 'TICKFLOW_TABLE', /^[a-zA-Z0-9_.-]{3,255}$/);
  const topicArn = optional(env, 'TICKFLOW_TOPIC_ARN', /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,256}(\.fifo)?$/);
  let symbols: string[] | undefined;
  if (env.TICKFLOW_SYMBOLS) {
    const list = parseSymbolList(env.TICKFLOW_SYMBOLS);
    if (!list.ok) throw new ConfigError(`TICKFLOW_SYMBOLS: ${list.message}; expected a comma-separated list such as AAPL,MSFT,BRK-B`);
    symbols = list.symbols;
  }
  const priceDecimals = wholeNumber(env, 'TICKFLOW_PRICE_DECIMALS', 6, 0, 9);
  const short = wholeNumber(env, 'TICKFLOW_SHORT', 5, 1);
  const long = wholeNumber(env, 'TICKFLOW_LONG', 20, 2);
  try {
    resolveTrendOptions({ short, long, priceDecimals });
  } catch (error) {
    throw new ConfigError(`TICKFLOW_SHORT / TICKFLOW_LONG: ${(error as Error).message}`);
  }
  return {
    region,
    stream,
    bucket,
    table,
    topicArn,
    symbols,
    priceDecimals,
    short,
    long,
    encryption: encryptionOf(env),
    tickTtlSeconds: wholeNumber(env, 'TICKFLOW_TICK_TTL_DAYS', 7, 1, 3650) * 86_400,
    s3ForcePathStyle: flag(env, 'TICKFLOW_S3_FORCE_PATH_STYLE'),
    logLevel: oneOf(env, 'TICKFLOW_LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}

function describe(name: string): string {
  return {
    TICKFLOW_BUCKET: 'the S3 bucket of the data lake, e.g. tickflow-lake',
    TICKFLOW_TABLE: 'the DynamoDB table name, e.g. tickflow',
    TICKFLOW_TOPIC_ARN: 'the ARN of the SNS topic for alerts, e.g. arn:aws:sns:eu-west-1:123456789012:tickflow-alerts',
    TICKFLOW_STREAM: 'the Kinesis stream name or ARN, e.g. tickflow-ticks',
    TICKFLOW_SYMBOLS: 'the symbols to poll, e.g. AAPL,MSFT,BRK-B',
  }[name] as string;
}

function check(name: string, value: string, pattern: RegExp, expected: string): void {
  if (!pattern.test(value)) throw new ConfigError(`${name} is ${JSON.stringify(value)}: expected ${expected}`);
}

function optional(env: Env, name: string, pattern: RegExp): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  check(name, value, pattern, describe(name));
  return value;
}

function wholeNumber(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = env[name];
  if (!value) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new ConfigError(
      `${name} is ${JSON.stringify(value)}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`,
    );
  }
  return n;
}

function flag(env: Env, name: string): boolean {
  return oneOf(env, name, ['true', 'false'], 'false') === 'true';
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const value = env[name];
  if (!value) return fallback;
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} is ${JSON.stringify(value)}: expected one of ${values.join(', ')}`);
  }
  return value as T;
}

function encryptionOf(env: Env): LakeEncryption {
  const mode = oneOf(env, 'TICKFLOW_SSE', ['AES256', 'aws:kms', 'bucket-default'], 'bucket-default');
  const kmsKeyId = env.TICKFLOW_SSE_KMS_KEY_ID || undefined;
  if (kmsKeyId !== undefined && mode !== 'aws:kms')
    throw new ConfigError('TICKFLOW_SSE_KMS_KEY_ID is set: expected TICKFLOW_SSE=aws:kms with it');
  if (mode === 'aws:kms') return kmsKeyId === undefined ? { mode } : { mode, kmsKeyId };
  return { mode };
}

/** Token of the parsed `AwsConfig`. */
export const AWS_CONFIG = Symbol.for('tickflow.aws.Config');
// The SDK clients: each is built once per container (per Lambda cold start), when first needed.
/** Token of the `KinesisClient` (HTTP/1.1, endpoint from `AWS_ENDPOINT_URL_KINESIS` if set). */
export const KINESIS_CLIENT = Symbol.for('tickflow.aws.KinesisClient');
/** Token of the `S3Client` (endpoint from `AWS_ENDPOINT_URL_S3` if set). */
export const S3_CLIENT = Symbol.for('tickflow.aws.S3Client');
/** Token of the `DynamoDBClient` (endpoint from `AWS_ENDPOINT_URL_DYNAMODB` if set). */
export const DYNAMODB_CLIENT = Symbol.for('tickflow.aws.DynamoDBClient');
/** Token of the `SNSClient` (endpoint from `AWS_ENDPOINT_URL_SNS` if set). */
export const SNS_CLIENT = Symbol.for('tickflow.aws.SNSClient');

/** What the AWS module can take instead of its defaults (tests). */
export interface AwsModuleOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * The AWS runtime's bindings: SDK clients (endpoints from `AWS_ENDPOINT_URL_*`), the AWS
 * adapters, and the use cases on top, bound with `toResolvedValue` so they stay free of
 * inversify (STYLE.md rule 6). An adapter whose variable is not set fails with a
 * `ConfigError` naming it when it is first needed.
 *
 * @example
 * const container = new Container({ defaultScope: 'Singleton' });
 * container.load(awsModule(awsConfigFromEnv(process.env, ['ingest'])));
 */
export function awsModule(config: AwsConfig, options: AwsModuleOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const settings: { short: number; long: number; priceDecimals: number } = {
      short: config.short,
      long: config.long,
      priceDecimals: config.priceDecimals,
    };
    const region = config.region;
    bind<AwsConfig>(AWS_CONFIG).toConstantValue(config);
    bind(TREND_SETTINGS).toConstantValue(settings);
    bind<Clock>(CLOCK).toConstantValue(options.clock ?? new SystemClock());
    bind<Logger>(LOGGER).toConstantValue(options.logger ?? new JsonLogger({ level: config.logLevel }));

    bind<KinesisClient>(KINESIS_CLIENT).toResolvedValue(() => createKinesisClient({ region }));
    bind<S3Client>(S3_CLIENT).toResolvedValue(() => new S3Client({ region, forcePathStyle: config.s3ForcePathStyle }));
    bind<DynamoDBClient>(DYNAMODB_CLIENT).toResolvedValue(() => new DynamoDBClient({ region }));
    bind<SNSClient>(SNS_CLIENT).toResolvedValue(() => new SNSClient({ region }));

    bind<TickPublisher>(TICK_PUBLISHER).toResolvedValue(
      (client: KinesisClient, logger: Logger) =>
        new KinesisTickPublisher({ client, stream: needs(config.stream, 'TICKFLOW_STREAM'), logger }),
      [KINESIS_CLIENT, LOGGER],
    );
    bind<RawTickArchive & RejectSink>(RAW_TICK_ARCHIVE).toResolvedValue(
      (client: S3Client) =>
        new S3Lake({
          client,
          bucket: needs(config.bucket, 'TICKFLOW_BUCKET'),
          priceDecimals: config.priceDecimals,
          encryption: config.encryption,
        }),
      [S3_CLIENT],
    );
    if (config.bucket !== undefined) bind(REJECT_SINK).toService(RAW_TICK_ARCHIVE);
    // Without a bucket (a produce function may have none), rows a source cannot read go to the log.
    else bind<RejectSink>(REJECT_SINK).toResolvedValue((logger: Logger) => new LogRejectSink(logger), [LOGGER]);
    bind<MarketStore>(MARKET_STORE).toResolvedValue(
      (client: DynamoDBClient, clock: Clock) =>
        new DynamoMarketStore({
          client,
          table: needs(config.table, 'TICKFLOW_TABLE'),
          clock,
          priceDecimals: config.priceDecimals,
          tickTtlSeconds: config.tickTtlSeconds,
          short: config.short,
          long: config.long,
        }),
      [DYNAMODB_CLIENT, CLOCK],
    );
    bind<AlertPublisher>(ALERT_PUBLISHER).toResolvedValue(
      (client: SNSClient, logger: Logger) =>
        new SnsAlertPublisher({ client, topicArn: needs(config.topicArn, 'TICKFLOW_TOPIC_ARN'), logger }),
      [SNS_CLIENT, LOGGER],
    );
    bind<FlowObserver>(FLOW_OBSERVER).toResolvedValue((logger: Logger) => new LogObserver(logger), [LOGGER]);
    // Loaded only when asked for (getAsync), so ingest and trend never load yahoo-finance2.
    bind<TickSource>(TICK_SOURCE).toResolvedValue(
      async (logger: Logger) => {
        const { YahooQuoteSource } = await import('../adapters/sources/yahoo-tick-source.js');
        return new YahooQuoteSource({ symbols: needs(config.symbols, 'TICKFLOW_SYMBOLS'), intervalMs: 1000, rounds: 1, logger });
      },
      [LOGGER],
    );

    bind(INGEST_BATCH).toResolvedValue(
      (archive: RawTickArchive, rejects: RejectSink, store: MarketStore, clock: Clock, observer: FlowObserver, logger: Logger) =>
        new IngestBatch(
          { archive, rejects, store, clock, observer, logger },
          { priceDecimals: settings.priceDecimals, long: settings.long },
        ),
      [RAW_TICK_ARCHIVE, REJECT_SINK, MARKET_STORE, CLOCK, FLOW_OBSERVER, LOGGER],
    );
    bind(DETECT_TRENDS).toResolvedValue(
      (store: MarketStore, alerts: AlertPublisher, clock: Clock, observer: FlowObserver, logger: Logger) =>
        new DetectTrends({ store, alerts, clock, observer, logger }, settings),
      [MARKET_STORE, ALERT_PUBLISHER, CLOCK, FLOW_OBSERVER, LOGGER],
    );
    bind(PRODUCE_TICKS).toResolvedValue(
      (publisher: TickPublisher, rejects: RejectSink, clock: Clock, observer: FlowObserver, logger: Logger) =>
        new ProduceTicks({ publisher, rejects, clock, observer, logger }),
      [TICK_PUBLISHER, REJECT_SINK, CLOCK, FLOW_OBSERVER, LOGGER],
    );
  });
}

/**
 * A container with the AWS runtime loaded, from the environment: what each Lambda handler
 * builds once, on its cold start. Throws a `ConfigError` naming the first missing or bad
 * variable the roles need.
 *
 * @example
 * const container = awsContainer(process.env, ['trend']);
 * const detect = container.get<DetectTrends>(DETECT_TRENDS);
 */
export function awsContainer(env: Env = process.env, roles: readonly AwsRole[] = [], options: AwsModuleOptions = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.load(awsModule(awsConfigFromEnv(env, roles), options));
  return container;
}

function needs<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} is not set: expected ${describe(name)}`);
  return value;
}

/** The flow's counters as one log line per batch: the Lambda's metrics, in CloudWatch Logs. */
class LogObserver implements FlowObserver {
  constructor(private readonly logger: Logger) {}
  ingested(r: IngestReport): void {
    this.logger.info('ingest: batch', {
      accepted: r.accepted.length,
      applied: r.applied,
      duplicates: r.duplicates,
      late: r.late,
      rejected: r.rejected,
      retried: r.retried,
    });
  }
  alerted(alerts: readonly Alert[]): void {
    this.logger.info('trend: alerts published', { count: alerts.length, ids: alerts.map((a) => a.id) });
  }
  sourceRejected(code: RejectCode, message: string): void {
    this.logger.warn('produce: a source row could not be read', { code, message });
  }
}

/** Quarantine to the log, where there is no bucket: each rejection is logged, none dropped. */
class LogRejectSink implements RejectSink {
  constructor(private readonly logger: Logger) {}
  async writeRejects(batchId: string, partition: Partition, rejections: readonly Rejection[]): Promise<string> {
    for (const r of rejections) this.logger.error('quarantined (no TICKFLOW_BUCKET to keep it in)', { batchId, partition, ...r });
    return `log:${batchId}`;
  }
}

import 'reflect-metadata';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { type Bind, Container, ContainerModule } from 'inversify';
import { AthenaAnalyticsEngine } from '../adapters/aws/athena-analytics-engine.js';
import { awsHttpHandler } from '../adapters/aws/aws-http-handler.js';
import { DynamoMarketStore } from '../adapters/aws/dynamo-market-store.js';
import { GlueCatalog } from '../adapters/aws/glue-catalog.js';
import { guardWithDeadline, InvocationDeadline, withDeadline } from '../adapters/aws/invocation-deadline.js';
import { createKinesisClient, KinesisTickPublisher } from '../adapters/aws/kinesis-tick-publisher.js';
import { S3Lake } from '../adapters/aws/s3-lake.js';
import { SnsAlertPublisher } from '../adapters/aws/sns-alert-publisher.js';
import { SystemClock } from '../adapters/local/clocks.js';
import { JsonLogger } from '../adapters/local/loggers.js';
import { SimulatedTickSource } from '../adapters/sources/simulated-tick-source.js';
import { ALERT_PUBLISHER, type AlertPublisher } from '../ports/alert-publisher.port.js';
import { ANALYTICS_ENGINE, type AnalyticsEngine } from '../ports/analytics-engine.port.js';
import { CATALOG, type Catalog } from '../ports/catalog.port.js';
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
import { type SourceItem, TICK_SOURCE, type TickSource } from '../ports/tick-source.port.js';
import { type AwsConfig, type AwsRole, awsConfigFromEnv, describeVariable } from './aws-config.js';
import { TREND_SETTINGS } from './tokens.js';
import { bindUseCases } from './use-cases.js';

export {
  type AthenaConfig,
  type AwsConfig,
  type AwsRole,
  awsConfigFromEnv,
  type LogLevel,
  type ProduceSource,
  parseAthenaConfig,
} from './aws-config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Token of the parsed `AwsConfig`. */
export const AWS_CONFIG = Symbol.for('tickflow.aws.Config');
/** DI token of the `InvocationDeadline` every client of the container checks before each attempt. */
export const INVOCATION_DEADLINE = Symbol.for('tickflow.aws.InvocationDeadline');
// The SDK clients: each is built once per container (per Lambda cold start), when first needed.
/** Token of the `KinesisClient` (HTTP/1.1, endpoint from `AWS_ENDPOINT_URL_KINESIS` if set). */
export const KINESIS_CLIENT = Symbol.for('tickflow.aws.KinesisClient');
/** Token of the `S3Client` (endpoint from `AWS_ENDPOINT_URL_S3` if set). */
export const S3_CLIENT = Symbol.for('tickflow.aws.S3Client');
/** Token of the `DynamoDBClient` (endpoint from `AWS_ENDPOINT_URL_DYNAMODB` if set). */
export const DYNAMODB_CLIENT = Symbol.for('tickflow.aws.DynamoDBClient');
/** Token of the `SNSClient` (endpoint from `AWS_ENDPOINT_URL_SNS` if set). */
export const SNS_CLIENT = Symbol.for('tickflow.aws.SNSClient');
/**
 * Token of the `AthenaClient` (endpoint from `AWS_ENDPOINT_URL_ATHENA` if set).
 *
 * @example
 * const athena = queryContainer(process.env).get<AthenaClient>(ATHENA_CLIENT);
 */
export const ATHENA_CLIENT = Symbol.for('tickflow.aws.AthenaClient');
/**
 * Token of the `GlueClient` (endpoint from `AWS_ENDPOINT_URL_GLUE` if set).
 *
 * @example
 * const glue = queryContainer(process.env).get<GlueClient>(GLUE_CLIENT);
 */
export const GLUE_CLIENT = Symbol.for('tickflow.aws.GlueClient');

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
    bindAwsCore(bind, config, options);
    for (const binder of [bindS3Lake, bindDynamoStore, bindSnsAlerts, bindKinesisStream, bindTickSource, bindAthenaAnalytics])
      binder(bind, config);
  });
}

/**
 * A container with the whole AWS runtime loaded, from the environment. Throws a
 * `ConfigError` naming the first missing or bad variable the roles need. The Lambda entry
 * points use the per-function containers instead (`ingestContainer`, …), which bind only
 * what their function uses.
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

/**
 * Adds the bindings of one AWS service to a container (see `functionContainer`).
 *
 * @example
 * const binders: AwsBinder[] = [bindS3Lake, bindDynamoStore];
 */
export type AwsBinder = (bind: Bind, config: AwsConfig) => void;

/**
 * A container of one Lambda function: the core bindings (configuration, clock, logger,
 * observer, use cases) and those of the services the function uses, nothing else. Each
 * function has its own file (`ingest-container.ts`, …) naming its binders, so that a
 * bundler keeps only what that function reaches: the ingest bundle carries the S3 and
 * DynamoDB clients, not Athena, Glue, Kinesis, SNS or yahoo-finance2.
 *
 * @example
 * const container = functionContainer(awsConfigFromEnv(process.env, ['ingest']), {}, bindS3Lake, bindDynamoStore);
 */
export function functionContainer(config: AwsConfig, options: AwsModuleOptions, ...binders: readonly AwsBinder[]): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.load(
    new ContainerModule(({ bind }) => {
      bindAwsCore(bind, config, options);
      for (const binder of binders) binder(bind, config);
    }),
  );
  return container;
}

/**
 * The configuration, clock, logger and observer, and the use cases (each resolved only when
 * asked for, so a use case whose adapters are not bound is simply never built).
 *
 * @example
 * new ContainerModule(({ bind }) => bindAwsCore(bind, config, {}));
 */
export function bindAwsCore(bind: Bind, config: AwsConfig, options: AwsModuleOptions): void {
  const settings: { short: number; long: number; priceDecimals: number } = {
    short: config.short,
    long: config.long,
    priceDecimals: config.priceDecimals,
  };
  bind<AwsConfig>(AWS_CONFIG).toConstantValue(config);
  bind(INVOCATION_DEADLINE).toConstantValue(new InvocationDeadline());
  bind(TREND_SETTINGS).toConstantValue(settings);
  bind<Clock>(CLOCK).toConstantValue(options.clock ?? new SystemClock());
  bind<Logger>(LOGGER).toConstantValue(options.logger ?? new JsonLogger({ level: config.logLevel }));
  bind<FlowObserver>(FLOW_OBSERVER).toResolvedValue((logger: Logger) => new LogObserver(logger), [LOGGER]);

  bindUseCases(bind, settings);
}

function http(): { requestHandler: NodeHttpHandler } {
  return { requestHandler: awsHttpHandler() };
}

/**
 * S3: the data lake (`raw/`, `rejected/`) and the quarantine (the log, without a bucket).
 *
 * @example
 * functionContainer(config, {}, bindS3Lake);
 */
export function bindS3Lake(bind: Bind, config: AwsConfig): void {
  bind<S3Client>(S3_CLIENT).toResolvedValue(
    (deadline: InvocationDeadline) =>
      guardWithDeadline(new S3Client({ region: config.region, forcePathStyle: config.s3ForcePathStyle, ...http() }), deadline),
    [INVOCATION_DEADLINE],
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
}

/**
 * DynamoDB: recent ticks, LATEST, TREND and the alert outbox.
 *
 * @example
 * functionContainer(config, {}, bindDynamoStore);
 */
export function bindDynamoStore(bind: Bind, config: AwsConfig): void {
  bind<DynamoDBClient>(DYNAMODB_CLIENT).toResolvedValue(
    (deadline: InvocationDeadline) => guardWithDeadline(new DynamoDBClient({ region: config.region, ...http() }), deadline),
    [INVOCATION_DEADLINE],
  );
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
}

/**
 * SNS: the alerts.
 *
 * @example
 * functionContainer(config, {}, bindDynamoStore, bindSnsAlerts);
 */
export function bindSnsAlerts(bind: Bind, config: AwsConfig): void {
  bind<SNSClient>(SNS_CLIENT).toResolvedValue(
    (deadline: InvocationDeadline) => guardWithDeadline(new SNSClient({ region: config.region, ...http() }), deadline),
    [INVOCATION_DEADLINE],
  );
  bind<AlertPublisher>(ALERT_PUBLISHER).toResolvedValue(
    (client: SNSClient, logger: Logger, clock: Clock) =>
      new SnsAlertPublisher({ client, topicArn: needs(config.topicArn, 'TICKFLOW_TOPIC_ARN'), logger, clock }),
    [SNS_CLIENT, LOGGER, CLOCK],
  );
}

/**
 * Kinesis: the producer's side of the stream.
 *
 * @example
 * functionContainer(config, {}, bindKinesisStream);
 */
export function bindKinesisStream(bind: Bind, config: AwsConfig): void {
  bind<KinesisClient>(KINESIS_CLIENT).toResolvedValue(
    (deadline: InvocationDeadline) => guardWithDeadline(createKinesisClient({ region: config.region, ...http() }), deadline),
    [INVOCATION_DEADLINE],
  );
  bind<TickPublisher>(TICK_PUBLISHER).toResolvedValue(
    (client: KinesisClient, logger: Logger) =>
      new KinesisTickPublisher({ client, stream: needs(config.stream, 'TICKFLOW_STREAM'), logger }),
    [KINESIS_CLIENT, LOGGER],
  );
}

/**
 * The produce function's source (`TICKFLOW_SOURCE`): one round of Yahoo quotes per
 * invocation, or the seeded simulation.
 *
 * @example
 * const source = await functionContainer(config, {}, bindTickSource).getAsync<TickSource>(TICK_SOURCE);
 */
export function bindTickSource(bind: Bind, config: AwsConfig): void {
  bind<TickSource>(TICK_SOURCE).toResolvedValue(
    async (logger: Logger, clock: Clock) => {
      const symbols = needs(config.symbols, 'TICKFLOW_SYMBOLS');
      if (config.source === 'simulated') return new ScheduledSimulation(symbols, config.simulatedTicks, clock);
      // Loaded only when asked for (getAsync): a process that only ingests never loads yahoo-finance2.
      const { YahooQuoteSource } = await import('../adapters/sources/yahoo-tick-source.js');
      return new YahooQuoteSource({ symbols, intervalMs: 1000, rounds: 1, logger });
    },
    [LOGGER, CLOCK],
  );
}

/**
 * Athena over the Glue table of the lake: the named queries, and the catalog of the table
 * (needs the S3 client of `bindS3Lake`, which lists the lake's symbols).
 *
 * @example
 * functionContainer(config, {}, bindS3Lake, bindAthenaAnalytics);
 */
export function bindAthenaAnalytics(bind: Bind, config: AwsConfig): void {
  // Not guarded by the invocation deadline: the engine waits for Athena up to a timeout of
  // its own (inside the query function's) and stops the query when it gives up.
  bind<AthenaClient>(ATHENA_CLIENT).toResolvedValue(() => new AthenaClient({ region: config.region, ...http() }));
  bind<GlueClient>(GLUE_CLIENT).toResolvedValue(() => new GlueClient({ region: config.region, ...http() }));
  bind<AnalyticsEngine>(ANALYTICS_ENGINE).toResolvedValue(
    (athena: AthenaClient, s3: S3Client, clock: Clock) =>
      new AthenaAnalyticsEngine({ athena, s3, clock, ...needs(config.athena, 'TICKFLOW_BUCKET') }),
    [ATHENA_CLIENT, S3_CLIENT, CLOCK],
  );
  bind<Catalog>(CATALOG).toResolvedValue(
    (glue: GlueClient) => new GlueCatalog({ glue, ...needs(config.athena, 'TICKFLOW_BUCKET') }),
    [GLUE_CLIENT],
  );
}

function needs<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} is not set: expected ${describeVariable(name)}`);
  return value;
}

/**
 * The seeded simulation on a schedule: each invocation's ticks start at that invocation's
 * time, one round of the symbols per second, so invocations do not repeat each other's
 * timestamps (which ingest would count as duplicates).
 */
class ScheduledSimulation implements TickSource {
  readonly name = 'simulated';
  constructor(
    private readonly symbols: readonly string[],
    private readonly ticks: number,
    private readonly clock: Clock,
  ) {}
  items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    return new SimulatedTickSource({ symbols: this.symbols, ticks: this.ticks, start: this.clock.now() }).items(signal);
  }
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
    this.logger.warn('produce: a source row could not be read', { code, reason: message });
  }
}

/** Quarantine to the log, where there is no bucket: each rejection is logged, none dropped. */
class LogRejectSink implements RejectSink {
  constructor(private readonly logger: Logger) {}
  async writeRejects(batchId: string, partition: Partition, rejections: readonly Rejection[]): Promise<string> {
    for (const r of rejections) this.logger.error('quarantined (no TICKFLOW_BUCKET to keep it in)', { batchId, partition, rejection: r });
    return `log:${batchId}`;
  }
}

/**
 * A handler run as one Lambda invocation of `container`'s clients: each request attempt
 * checks that the invocation has time left for it (see `InvocationDeadline`).
 *
 * @example
 * export const handler = asInvocation(ingestContainer(process.env), makeIngestHandler(ingest, logger));
 */
export function asInvocation<E, R>(
  container: Container,
  handler: (event: E) => Promise<R>,
): (event: E, context?: { getRemainingTimeInMillis?: () => number }) => Promise<R> {
  return withDeadline(container.get<InvocationDeadline>(INVOCATION_DEADLINE), handler);
}

import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import { MemoryAlertPublisher } from '../adapters/local/alert-publishers.js';
import { SystemClock } from '../adapters/local/clocks.js';
import { DuckDbAnalyticsEngine } from '../adapters/local/duckdb-analytics-engine.js';
import { DuckDbCatalog } from '../adapters/local/duckdb-catalog.js';
import { checkBatchSize, LocalKinesisMapping, LocalStreamsMapping } from '../adapters/local/event-source-mappings.js';
import { DEFAULT_LAKE_DIR, FolderLake, folderLakeProblem } from '../adapters/local/folder-lake.js';
import { JsonLogger } from '../adapters/local/loggers.js';
import { DiscardingLake, MemoryLake } from '../adapters/local/memory-lake.js';
import { type MemoryChangeFeed, MemoryMarketStore } from '../adapters/local/memory-market-store.js';
import { checkStreamTag, MemoryStream } from '../adapters/local/memory-stream.js';
import { checkGzipLevel } from '../adapters/shared/lake-codec.js';
import { FanOutObserver, FlowStats } from '../domain/flow-stats.js';
import type { DetectTrends } from '../domain/usecases/detect-trends.js';
import type { IngestBatch } from '../domain/usecases/ingest-batch.js';
import { makeIngestHandler } from '../handlers/ingest.js';
import { makeTrendHandler } from '../handlers/trend.js';
import { ALERT_PUBLISHER, type AlertPublisher } from '../ports/alert-publisher.port.js';
import { ANALYTICS_ENGINE } from '../ports/analytics-engine.port.js';
import { CATALOG } from '../ports/catalog.port.js';
import { CHANGE_FEED } from '../ports/change-feed.port.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { FLOW_OBSERVER, type FlowObserver } from '../ports/flow-observer.port.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';
import { MARKET_STORE } from '../ports/market-store.port.js';
import { RAW_TICK_ARCHIVE } from '../ports/raw-tick-archive.port.js';
import { REJECT_SINK } from '../ports/reject-sink.port.js';
import { TICK_PUBLISHER } from '../ports/tick-publisher.port.js';
import { DETECT_TRENDS, FLOW_STATS, INGEST_BATCH, TREND_SETTINGS } from './tokens.js';
import { bindUseCases, type TrendSettings } from './use-cases.js';

export type { TrendSettings } from './use-cases.js';

/** How to build the embedded local stack. */
export interface LocalOptions {
  /** The lake: a folder path (default `.tickflow/lake`), `'memory'`, or `false` (keep nothing). */
  readonly lake?: string | 'memory' | false;
  readonly short?: number;
  readonly long?: number;
  readonly priceDecimals?: number;
  /** Shards of the in-memory stream (default 1). */
  readonly shards?: number;
  /**
   * Up to 6 digits in the in-memory stream's shard ids (and so in the lake's object names)
   * that set this run apart from another started in the same millisecond (default: 6 random
   * digits). Fix it, with a fixed clock, for runs that must name everything alike.
   */
  readonly streamTag?: string;
  /** Records per ingest invocation and per trend invocation (default 10,000 each, Lambda's largest batches). */
  readonly ingestBatchSize?: number;
  readonly trendBatchSize?: number;
  readonly gzipLevel?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where alerts go (default: kept in memory). */
  readonly alerts?: AlertPublisher;
  /** Extra observers of the flow (dashboards, progress). */
  readonly observers?: readonly FlowObserver[];
  /** The DuckDB cache of a folder lake: a file, `':memory:'`, or `false` (default `<lake>/.cache/analytics.duckdb`). */
  readonly analyticsCache?: string | false;
  /**
   * How the local event source mappings reach the use cases: `'lambda'` (default) builds
   * the Kinesis and DynamoDB Streams Lambda events and calls the handlers, as AWS does;
   * `'direct'` hands the same batches to the use cases without building events (what
   * `replay` uses: same results, less work per tick).
   */
  readonly transport?: 'lambda' | 'direct';
}

/**
 * Refuses local options that would otherwise fail later, far from their cause: a lake that
 * is neither `false`, `'memory'` nor a folder path (an empty path would write into the
 * working directory; a file fails every batch), batch sizes (0 would stall or drop the flow),
 * an unknown transport. The other numbers are checked by the parts that use them (periods,
 * shards, gzip level).
 */
function checkLocalOptions(options: LocalOptions): void {
  const lake = options.lake;
  if (lake !== undefined && lake !== false && (typeof lake !== 'string' || lake.trim() === '')) {
    throw new RangeError(`lake must be a folder path, 'memory' or false, got ${JSON.stringify(lake)}`);
  }
  const problem = typeof lake === 'string' && lake !== 'memory' ? folderLakeProblem(lake) : undefined;
  if (problem !== undefined) throw new RangeError(`lake must be a folder, but ${problem}`);
  // Checked here too, not only by a folder lake: a level that means nothing is a mistake whatever the lake.
  checkGzipLevel(options.gzipLevel);
  checkBatchSize('ingestBatchSize', options.ingestBatchSize);
  checkBatchSize('trendBatchSize', options.trendBatchSize);
  // Checked here too, not only by the stream: a refusal then names the option, before anything is built.
  if (options.streamTag !== undefined) checkStreamTag('streamTag', options.streamTag);
  if (options.transport !== undefined && options.transport !== 'lambda' && options.transport !== 'direct') {
    throw new RangeError(`transport must be 'lambda' or 'direct', got ${JSON.stringify(options.transport)}`);
  }
}

/** Token of the in-memory stream (a `MemoryStream`, also bound as the `TickPublisher`). */
export const MEMORY_STREAM = Symbol.for('tickflow.local.MemoryStream');
/** Token of the `LocalFlow` driver. */
export const LOCAL_FLOW = Symbol.for('tickflow.local.LocalFlow');

/**
 * The local runtime's bindings: in-memory stream, store and change feed, the folder (or
 * memory) lake with its DuckDB catalog and analytics engine, and the use cases on top. Use cases stay free of inversify: they are bound
 * with `toResolvedValue` (STYLE.md rule 6).
 *
 * @example
 * const container = new Container({ defaultScope: 'Singleton' });
 * container.load(localModule({ lake: 'memory' }));
 */
export function localModule(options: LocalOptions = {}): ContainerModule {
  checkLocalOptions(options);
  return new ContainerModule(({ bind }) => {
    const settings: TrendSettings = {
      short: options.short ?? 5,
      long: options.long ?? 20,
      priceDecimals: options.priceDecimals ?? 6,
    };
    const ingestBatchSize = options.ingestBatchSize ?? 10_000;
    bind<TrendSettings>(TREND_SETTINGS).toConstantValue(settings);
    bind<Clock>(CLOCK).toConstantValue(options.clock ?? new SystemClock());
    bind<Logger>(LOGGER).toConstantValue(options.logger ?? new JsonLogger({ level: 'warn' }));
    bind(MEMORY_STREAM).toResolvedValue(
      (clock: Clock) => new MemoryStream({ clock, shardCount: options.shards ?? 1, tag: options.streamTag }),
      [CLOCK],
    );
    bind(TICK_PUBLISHER).toService(MEMORY_STREAM);

    const lake = options.lake ?? DEFAULT_LAKE_DIR;
    bind(RAW_TICK_ARCHIVE).toConstantValue(
      lake === false
        ? new DiscardingLake()
        : lake === 'memory'
          ? new MemoryLake(settings.priceDecimals)
          : new FolderLake(lake, { priceDecimals: settings.priceDecimals, gzipLevel: options.gzipLevel }),
    );
    bind(REJECT_SINK).toService(RAW_TICK_ARCHIVE);
    if (typeof lake === 'string') {
      // Resolving these does not load DuckDB: the catalog imports it on its first query.
      bind(CATALOG).toResolvedValue(
        () => new DuckDbCatalog({ lake, priceDecimals: settings.priceDecimals, cache: options.analyticsCache }),
      );
      bind(ANALYTICS_ENGINE).toResolvedValue((catalog: DuckDbCatalog) => new DuckDbAnalyticsEngine(catalog), [CATALOG]);
    }

    bind(MARKET_STORE).toResolvedValue(
      (clock: Clock) =>
        // The trend path needs at most `long` + one ingest batch of ticks per symbol between
        // drains; keep twice that, like a TTL that never bites into what is still needed.
        new MemoryMarketStore({
          clock,
          priceDecimals: settings.priceDecimals,
          retainTicks: settings.long + 2 * ingestBatchSize,
          retainAlerts: 10_000,
        }),
      [CLOCK],
    );
    bind(CHANGE_FEED).toResolvedValue((store: MemoryMarketStore) => store.feed, [MARKET_STORE]);
    bind(ALERT_PUBLISHER).toConstantValue(options.alerts ?? new MemoryAlertPublisher());

    bind(FLOW_STATS).toConstantValue(new FlowStats());
    bind(FLOW_OBSERVER).toResolvedValue((stats: FlowStats) => new FanOutObserver([stats, ...(options.observers ?? [])]), [FLOW_STATS]);

    bindUseCases(bind, settings);
    const direct = options.transport === 'direct';
    // Both mappings as infra/tickflow-stack.ts deploys them: bisectBatchOnError, retryAttempts 10.
    const retries = { bisectOnError: true, maxAttempts: 11 };
    bind(LOCAL_FLOW).toResolvedValue(
      (stream: MemoryStream, store: MemoryMarketStore, ingest: IngestBatch, detect: DetectTrends, logger: Logger) =>
        new LocalFlow(
          new LocalKinesisMapping(stream, direct ? ingest : makeIngestHandler(ingest, logger), {
            batchSize: ingestBatchSize,
            ...retries,
            logger,
          }),
          new LocalStreamsMapping(store.feed, direct ? detect : makeTrendHandler(detect, logger), {
            batchSize: options.trendBatchSize ?? 10_000,
            ...retries,
            logger,
          }),
          store.feed,
          { maxLead: ingestBatchSize, expire: () => store.expireTicks(settings.long) },
        ),
      [MEMORY_STREAM, MARKET_STORE, INGEST_BATCH, DETECT_TRENDS, LOGGER],
    );
  });
}

/**
 * Drives the local flow the way AWS would: the stream's records to the ingest path (one
 * invocation per shard at a time), and beside it, as DynamoDB Streams runs beside Kinesis,
 * the store's change records (filtered) to the trend path, which so keeps working while
 * ingest waits on the lake. `drain` returns when both are quiet.
 *
 * @example
 * await container.get<LocalFlow>(LOCAL_FLOW).drain();
 */
export class LocalFlow {
  constructor(
    readonly ingest: LocalKinesisMapping,
    readonly trend: LocalStreamsMapping,
    private readonly feed: MemoryChangeFeed,
    private readonly options: {
      /**
       * Change records the trend path may have left to do when ingest starts another batch
       * (default: no limit). The store keeps `long` + two ingest batches of ticks per
       * symbol, so ingest must not run further ahead than one batch.
       */
      readonly maxLead?: number;
      /** Called when both paths are quiet: forgets ticks the trend path will not read again. */
      readonly expire?: () => void;
    } = {},
  ) {}

  async drain(): Promise<void> {
    const maxLead = this.options.maxLead ?? Number.POSITIVE_INFINITY;
    let ingesting = true;
    const ingest = async () => {
      try {
        await this.ingest.pump(async () => {
          while (this.feed.size + this.trend.backlog > maxLead) await new Promise((resolve) => setImmediate(resolve));
        });
      } finally {
        ingesting = false;
        this.feed.notify();
      }
    };
    const trend = async () => {
      for (;;) {
        const last = !ingesting;
        await this.trend.drain();
        if (last) return;
        // Checked and awaited with no await between: a `notify` from ingest cannot slip past.
        if (ingesting) await this.feed.changed();
      }
    };
    await Promise.all([ingest(), trend()]);
    // The trend path has read every tick it will need but its window: memory stays
    // O(symbols) however long the run, as TTL keeps the table small on AWS.
    if (this.trend.idle) this.options.expire?.();
  }
}

/**
 * A container with the local runtime loaded.
 *
 * @example
 * const container = localContainer({ lake: false });
 * const ingest = container.get<IngestBatch>(INGEST_BATCH);
 */
export function localContainer(options: LocalOptions = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.load(localModule(options));
  return container;
}

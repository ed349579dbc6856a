/**
 * A hand-wired local flow for tests that need to reach inside: every adapter exposed, any
 * of them wrappable (faults), the handlers driven by the local event source mappings.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { MemoryAlertPublisher } from '../../src/adapters/local/alert-publishers.js';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { LocalKinesisMapping, LocalStreamsMapping } from '../../src/adapters/local/event-source-mappings.js';
import { MemoryLogger } from '../../src/adapters/local/loggers.js';
import { MemoryLake } from '../../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../../src/adapters/local/memory-market-store.js';
import { MemoryStream } from '../../src/adapters/local/memory-stream.js';
import { FlowStats } from '../../src/domain/flow-stats.js';
import { DetectTrends } from '../../src/domain/usecases/detect-trends.js';
import { IngestBatch } from '../../src/domain/usecases/ingest-batch.js';
import { ProduceTicks } from '../../src/domain/usecases/produce-ticks.js';
import { makeIngestHandler } from '../../src/handlers/ingest.js';
import { makeTrendHandler } from '../../src/handlers/trend.js';
import type { AlertPublisher } from '../../src/ports/alert-publisher.port.js';
import type { MarketStore } from '../../src/ports/market-store.port.js';
import type { RawTickArchive } from '../../src/ports/raw-tick-archive.port.js';
import type { RejectSink } from '../../src/ports/reject-sink.port.js';
import type { FaultSchedule } from './faults.js';
import { NOW } from './flow-arbitraries.js';

export interface HarnessOptions {
  shards?: number;
  ingestBatchSize?: number;
  trendBatchSize?: number;
  short?: number;
  long?: number;
  maxAttempts?: number;
  /** Wrap adapters, e.g. with faults. */
  wrapStore?: (s: MarketStore) => MarketStore;
  wrapLake?: (l: MemoryLake) => RawTickArchive & RejectSink;
  wrapAlerts?: (a: AlertPublisher) => AlertPublisher;
  /**
   * Invocations of the ingest and trend functions that fail as a whole (`method` is `ingest`
   * or `trend`, counted apart): `fail-before` a crash before the handler runs, `fail-after` a
   * timeout once its work is done. Lambda sees a function error either way, and bisects.
   */
  failInvocations?: FaultSchedule;
  /** The Lambda context of the trend function's `n`th invocation (none: no context, as locally). */
  trendContext?: (n: number) => { getRemainingTimeInMillis: () => number } | undefined;
}

/** Builds the flow; `run(records)` publishes and drains it. */
export function flowHarness(o: HarnessOptions = {}) {
  const clock = new ManualClock(NOW);
  const logger = new MemoryLogger();
  const lake = new MemoryLake();
  const store = new MemoryMarketStore({ clock });
  const published = new MemoryAlertPublisher();
  const stats = new FlowStats();
  const lakePort = o.wrapLake ? o.wrapLake(lake) : lake;
  const storePort = o.wrapStore ? o.wrapStore(store) : store;
  const alertPort = o.wrapAlerts ? o.wrapAlerts(published) : published;
  // A fixed tag: runs compared with each other name their lake objects alike.
  const stream = new MemoryStream({ clock, shardCount: o.shards ?? 1, retainConsumed: true, tag: '' });
  const ingest = new IngestBatch(
    { archive: lakePort, rejects: lakePort, store: storePort, clock, observer: stats, logger },
    { long: o.long ?? 20 },
  );
  const detect = new DetectTrends(
    { store: storePort, alerts: alertPort, clock, observer: stats, logger },
    { short: o.short ?? 5, long: o.long ?? 20 },
  );
  const produce = new ProduceTicks({ publisher: stream, rejects: lake, clock, observer: stats, logger });
  // Time passes between Lambda's retries: enough for a lapsed claim to be taken over.
  const onRetry = () => clock.advance(20_000);
  const failing = <E, R>(name: string, handler: (event: E) => Promise<R>) => {
    let n = 0;
    return async (event: E): Promise<R> => {
      const decision = o.failInvocations?.(n++, name) ?? 'ok';
      if (decision === 'fail-before') throw new Error(`${name}: Runtime.ExitError`);
      const response = await handler(event);
      if (decision === 'fail-after') throw new Error(`${name}: Task timed out after 30.00 seconds`);
      return response;
    };
  };
  // The mappings as deployed (infra/tickflow-stack.ts): ReportBatchItemFailures and bisect on error.
  const ingestMapping = new LocalKinesisMapping(stream, failing('ingest', makeIngestHandler(ingest, logger)), {
    batchSize: o.ingestBatchSize ?? 25,
    maxAttempts: o.maxAttempts ?? 1000,
    bisectOnError: true,
    onRetry,
  });
  // A second invocation of the trend function, for races: same ports, its own use case.
  const rival = makeTrendHandler(
    new DetectTrends({ store: storePort, alerts: alertPort, clock, observer: stats, logger }, { short: o.short ?? 5, long: o.long ?? 20 }),
    logger,
  );
  const trendHandler = makeTrendHandler(detect, logger);
  const delivered: DynamoDBStreamEvent[] = [];
  let concurrent = false;
  let invocations = 0;
  const trendEntry = async (event: DynamoDBStreamEvent) => {
    delivered.push(event);
    if (!concurrent) return trendHandler(event, o.trendContext?.(invocations++));
    // Two invocations on the same records at once: Lambda retries from the earliest failure either reports.
    const responses = await Promise.all([trendHandler(event), rival(event)]);
    const failures = responses.flatMap((r) => r.batchItemFailures);
    const order = event.Records.map((r) => r.dynamodb?.SequenceNumber);
    failures.sort((a, b) => order.indexOf(a.itemIdentifier) - order.indexOf(b.itemIdentifier));
    return { batchItemFailures: failures.slice(0, 1) };
  };
  const trendMapping = new LocalStreamsMapping(store.feed, failing('trend', trendEntry), {
    batchSize: o.trendBatchSize ?? 25,
    maxAttempts: o.maxAttempts ?? 1000,
    bisectOnError: true,
    onRetry,
  });
  return {
    clock,
    logger,
    lake,
    store,
    published,
    stats,
    stream,
    ingestMapping,
    trendMapping,
    /** Every DynamoDB Streams event delivered to the trend function so far. */
    delivered,
    /** Delivers every trend event again, in order (a stream re-read after a checkpoint loss). */
    async redeliverChanges() {
      for (const event of [...delivered]) await trendHandler(event);
    },
    async run(records: readonly unknown[], options: { concurrentTrend?: boolean } = {}) {
      concurrent = options.concurrentTrend ?? false;
      await produce.publishItems(records.map((record) => ({ kind: 'record' as const, record })));
      for (;;) {
        const more = await ingestMapping.step();
        await trendMapping.drain();
        if (!more) break;
      }
    },
  };
}

/**
 * The lake's lines, all objects merged and sorted: what the lake holds, whatever the object
 * boundaries. `ingested_at` / `received_at` say when a record was handled, which a retry
 * moves; with `withoutTimes` they are left out so runs can be compared record for record.
 */
export function lakeLines(lake: MemoryLake, zone: 'raw/' | 'rejected/', withoutTimes = false): string[] {
  const lines = [...lake.objects].filter(([k]) => k.startsWith(zone)).flatMap(([, l]) => l);
  const out = withoutTimes ? lines.map((l) => l.replace(/,"(ingested_at|received_at)":\d+/, '')) : lines;
  return out.sort();
}

import { MemoryAlertPublisher } from '../adapters/local/alert-publishers.js';
import { claimLakeDecimals, prepareFolderLake } from '../adapters/local/folder-lake.js';
import type { MemoryMarketStore } from '../adapters/local/memory-market-store.js';
import { IterableTickSource } from '../adapters/sources/file-tick-source.js';
import { compareAlerts } from '../domain/alert.js';
import type { FlowStats } from '../domain/flow-stats.js';
import { type LatestView, viewLatest } from '../domain/latest-aggregate.js';
import { DEFAULT_PRICE_DECIMALS } from '../domain/price.js';
import type { ProduceTicks } from '../domain/usecases/produce-ticks.js';
import { Replay, type ReplayStats } from '../domain/usecases/replay.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { MARKET_STORE } from '../ports/market-store.port.js';
import type { Alert } from '../ports/model.js';
import type { TickSource } from '../ports/tick-source.port.js';
import { LOCAL_FLOW, type LocalFlow, type LocalOptions, localContainer, type TrendSettings } from './local.js';
import { FLOW_STATS, PRODUCE_TICKS, TREND_SETTINGS } from './tokens.js';

/** Options of `replay`: the local stack's, plus how to run and what to keep. */
export interface ReplayOptions extends Omit<LocalOptions, 'alerts'> {
  /**
   * Source items per produce-and-drain round (default 10,000, one full ingest batch): bounds
   * memory, and small rounds keep the records in flight young (cheap to collect).
   */
  readonly chunkSize?: number;
  /** Keep the alerts to return them (default true); turn off for endless or huge runs. */
  readonly collectAlerts?: boolean;
  /** Called with each alert as it is published. */
  readonly onAlert?: (alert: Alert) => void;
  /** Called after each round with the number of source items read so far. */
  readonly onProgress?: (read: number) => void;
  readonly signal?: AbortSignal;
}

/** What a replay found: the alerts (in time order), the run's statistics, each symbol's LATEST. */
export interface ReplayResult {
  readonly alerts: Alert[];
  readonly stats: ReplayStats;
  /** The final `LATEST` aggregates per symbol, in prices, sorted by symbol. */
  readonly latest: LatestView[];
}

/**
 * Replays historical ticks through the whole flow on the embedded local stack — producer,
 * in-memory stream, ingest handler, store, change feed, trend handler, alerts — with no
 * cloud and no network. Ticks are raw records (objects, JSON texts or bytes), validated on
 * the way in exactly as in AWS; bad ones are counted and quarantined, not thrown.
 *
 * @example
 * import { replay } from 'tickflow';
 * const { alerts, stats } = await replay(ticks, { lake: false });
 * console.log(stats.accepted, stats.rejected, alerts.length);
 */
export async function replay(
  ticks: Iterable<unknown> | AsyncIterable<unknown> | TickSource,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const alerts = new MemoryAlertPublisher({ keep: options.collectAlerts !== false, onAlert: options.onAlert });
  const container = localContainer({ transport: 'direct', ...options, lake: options.lake ?? false, alerts });
  // After the options are checked, before any tick is read: a lake it cannot write would fail every batch.
  const unwritable = typeof options.lake === 'string' && options.lake !== 'memory' ? prepareFolderLake(options.lake) : undefined;
  if (unwritable !== undefined) throw new RangeError(`lake must be a folder replay can write, but ${unwritable}`);
  if (typeof options.lake === 'string' && options.lake !== 'memory') {
    const decimals = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
    const held = claimLakeDecimals(options.lake, decimals);
    if (held !== undefined)
      throw new RangeError(
        `priceDecimals ${decimals} cannot be written into this lake: the lake at ${options.lake} holds prices written with ${held} decimals`,
      );
  }
  const source: TickSource = isTickSource(ticks) ? ticks : new IterableTickSource(ticks);
  const flow = container.get<LocalFlow>(LOCAL_FLOW);
  const run = new Replay(
    {
      produce: container.get<ProduceTicks>(PRODUCE_TICKS),
      drain: () => flow.drain(),
      stats: container.get<FlowStats>(FLOW_STATS),
      clock: container.get<Clock>(CLOCK),
    },
    { chunkSize: options.chunkSize },
  );
  const stats = await run.execute(source, { signal: options.signal, onProgress: options.onProgress });
  stats.undelivered += flow.ingest.discarded.length + flow.trend.discarded.length;
  const store = container.get<MemoryMarketStore>(MARKET_STORE);
  const settings = container.get<TrendSettings>(TREND_SETTINGS);
  const latest = store
    .allLatest()
    .map((l) => viewLatest(l, settings))
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
  return { alerts: alerts.published.sort(compareAlerts), stats, latest };
}

function isTickSource(value: unknown): value is TickSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TickSource).items === 'function' &&
    typeof (value as TickSource).name === 'string'
  );
}

import type { Bind } from 'inversify';
import { DetectTrends } from '../domain/usecases/detect-trends.js';
import { IngestBatch } from '../domain/usecases/ingest-batch.js';
import { ProduceTicks } from '../domain/usecases/produce-ticks.js';
import { ALERT_PUBLISHER, type AlertPublisher } from '../ports/alert-publisher.port.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { FLOW_OBSERVER, type FlowObserver } from '../ports/flow-observer.port.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';
import { MARKET_STORE, type MarketStore } from '../ports/market-store.port.js';
import { RAW_TICK_ARCHIVE, type RawTickArchive } from '../ports/raw-tick-archive.port.js';
import { REJECT_SINK, type RejectSink } from '../ports/reject-sink.port.js';
import { TICK_PUBLISHER, type TickPublisher } from '../ports/tick-publisher.port.js';
import { DETECT_TRENDS, INGEST_BATCH, PRODUCE_TICKS } from './tokens.js';

/** The trend settings every runtime shares: SMA periods and price decimals. */
export interface TrendSettings {
  readonly short: number;
  readonly long: number;
  readonly priceDecimals: number;
}

/**
 * Binds the three use cases over whatever adapters the runtime bound to the ports — the same
 * lines for AWS and for the local stack. The use cases stay free of inversify (STYLE.md rule 6).
 *
 * @example
 * new ContainerModule(({ bind }) => { bindLocalAdapters(bind); bindUseCases(bind, settings); });
 */
export function bindUseCases(bind: Bind, settings: TrendSettings): void {
  bind(INGEST_BATCH).toResolvedValue(
    (archive: RawTickArchive, rejects: RejectSink, store: MarketStore, clock: Clock, observer: FlowObserver, logger: Logger) =>
      new IngestBatch({ archive, rejects, store, clock, observer, logger }, { priceDecimals: settings.priceDecimals, long: settings.long }),
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
}

import type { Alert, LatestAggregate, StoredTick, TrendRecord } from './model.js';

/**
 * The processed side (DynamoDB single table, or memory): recent ticks, the `LATEST`
 * aggregates, the `TREND` state with versioned updates, and alert records.
 *
 * @example
 * const latest = await store.getLatest(['AAPL', 'MSFT']);
 */
export interface MarketStore {
  /** The `LATEST` items of these symbols (absent symbols are missing from the map). */
  getLatest(symbols: readonly string[]): Promise<Map<string, LatestAggregate>>;
  /**
   * Writes recent-tick items (idempotent: the same tick writes the same item). A symbol's
   * ticks become visible in timestamp order: a reader that sees one of them sees every
   * earlier one of the call (the trend path applies the ticks up to the newest it is told of).
   */
  putTicks(ticks: readonly StoredTick[]): Promise<void>;
  /**
   * Writes a `LATEST` item if the stored version is `latest.version − 1` (absent counts as 0).
   * @throws ConflictError when another writer got there first.
   */
  putLatest(latest: LatestAggregate): Promise<void>;
  /** The newest `limit` ticks of a symbol with timestamp ≤ `atOrBefore`, oldest first. */
  recentTicks(symbol: string, atOrBefore: number, limit: number): Promise<StoredTick[]>;
  /** The `TREND` item of a symbol; version 0 and no state when there is none. */
  getTrend(symbol: string): Promise<TrendRecord>;
  /**
   * Writes `next` if the stored version is `expectedVersion` (0: no item yet). Records
   * `newAlerts` as alert records before or atomically with it: created as `PENDING` when
   * absent, left as they are when they exist (so a retry is harmless).
   * @throws ConflictError when the stored version is not `expectedVersion`.
   */
  saveTrend(next: TrendRecord, expectedVersion: number, newAlerts: readonly Alert[]): Promise<void>;
  /** Marks alert records as `SENT` (idempotent; informational: the TREND item's pending list decides what is resent). */
  markAlertsSent(alerts: readonly Alert[]): Promise<void>;
}
/** DI token of the `MarketStore`. */
export const MARKET_STORE = Symbol.for('tickflow.MarketStore');

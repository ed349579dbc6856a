import type { EnrichedTick, Partition } from './model.js';

/**
 * The raw, immutable side of the data lake: one gzip NDJSON object per symbol-day per batch
 * under `raw/symbol=…/year=…/month=…/day=…/<batch-id>.ndjson.gz` (DESIGN.md §4). Writing the
 * same batch id again overwrites the same object.
 *
 * @example
 * const key = await archive.writeSymbolDay('shardId-000000000000_4959…', 'AAPL', { year: 2024, month: 1, day: 2 }, ticks);
 */
export interface RawTickArchive {
  /** Writes the ticks of one symbol-day of one batch; returns the object key. */
  writeSymbolDay(batchId: string, symbol: string, partition: Partition, ticks: readonly EnrichedTick[]): Promise<string>;
}
/** DI token of the `RawTickArchive`. */
export const RAW_TICK_ARCHIVE = Symbol.for('tickflow.RawTickArchive');

/** Writes ticks into a folder lake the way ingest does, and reads query rows back, for the analytics tests. */
import { FolderLake } from '../../src/adapters/local/folder-lake.js';
import { partitionDay, partitionOf } from '../../src/domain/enrich.js';
import { unitsToPrice } from '../../src/domain/price.js';
import type { EnrichedTick } from '../../src/ports/model.js';
import type { LakeMarket } from '../arbitraries.js';

/**
 * Writes each batch of a market as ingest would: one object per symbol-day per batch, named
 * `<prefix>-<batch>`. A batch written twice holds the same records (same sequence numbers)
 * twice, as the lake does when a shard is read again from an older position.
 */
export async function writeMarket(root: string, market: LakeMarket, prefix: string, priceDecimals = 6): Promise<void> {
  const lake = new FolderLake(root, { priceDecimals, gzipLevel: 1 });
  for (const [b, [from, to]] of market.batches.entries()) {
    const groups = new Map<string, EnrichedTick[]>();
    for (let i = from; i < to; i++) {
      const a = market.arrivals[i];
      if (a === undefined) continue;
      const partition = partitionOf(a.timestamp);
      const tick: EnrichedTick = {
        symbol: a.symbol,
        timestamp: a.timestamp,
        units: a.units,
        price: unitsToPrice(a.units, priceDecimals),
        volume: a.volume,
        source: 'test',
        ingestedAt: a.timestamp + 1,
        sequence: market.sequence(i),
        partition,
      };
      const key = `${a.symbol} ${partitionDay(partition)}`;
      groups.set(key, [...(groups.get(key) ?? []), tick]);
    }
    for (const ticks of groups.values()) {
      const first = ticks[0] as EnrichedTick;
      await lake.writeSymbolDay(`${prefix}-${b}`, first.symbol, first.partition, ticks);
    }
  }
}

/** `crossovers` rows in the shape of the `Alert`s the streaming path publishes, to compare them whole. */
export function rowsAsAlerts(rows: readonly Readonly<Record<string, string | number | null>>[]) {
  return rows.map((r) => ({
    id: r.id,
    symbol: r.symbol,
    signal: r.signal,
    trend: r.trend,
    timestamp: r.timestamp,
    price: r.price,
    smaShort: r.sma_short,
    smaLong: r.sma_long,
  }));
}

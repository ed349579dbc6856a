import { lakeLine, rawKey, rejectedKey, rejectLine } from '../../domain/lake-layout.js';
import { DEFAULT_PRICE_DECIMALS } from '../../domain/price.js';
import type { EnrichedTick, Partition, Rejection } from '../../ports/model.js';
import type { RawTickArchive } from '../../ports/raw-tick-archive.port.js';
import type { RejectSink } from '../../ports/reject-sink.port.js';

/**
 * The data lake in memory: object key → NDJSON lines (uncompressed). For tests, replays
 * with the lake off, and comparing two runs object by object.
 *
 * @example
 * const lake = new MemoryLake();
 * await lake.writeSymbolDay('b1', 'AAPL', { year: 2024, month: 1, day: 2 }, ticks);
 * lake.objects.get('raw/symbol=AAPL/year=2024/month=01/day=02/b1.ndjson.gz'); // ['{"symbol":"AAPL",…}']
 */
export class MemoryLake implements RawTickArchive, RejectSink {
  // What each object holds, kept as written; its lines are formatted only when read, so a
  // benchmark or a replay that never reads the lake does not pay for formatting it.
  private readonly held = new Map<string, () => string[]>();

  constructor(private readonly priceDecimals = DEFAULT_PRICE_DECIMALS) {}

  /** Every object: key → its NDJSON lines, as `FolderLake` or `S3Lake` would have written them. */
  get objects(): Map<string, string[]> {
    return new Map([...this.held].map(([key, lines]) => [key, lines()]));
  }

  async writeSymbolDay(batchId: string, symbol: string, partition: Partition, ticks: readonly EnrichedTick[]): Promise<string> {
    const key = rawKey(symbol, partition, batchId);
    const kept = [...ticks];
    this.held.set(key, () => kept.map((t) => lakeLine(t, this.priceDecimals)));
    return key;
  }

  async writeRejects(batchId: string, partition: Partition, rejections: readonly Rejection[]): Promise<string> {
    const key = rejectedKey(partition, batchId);
    const kept = [...rejections];
    this.held.set(key, () => kept.map(rejectLine));
    return key;
  }
}

/**
 * A lake that keeps nothing: the replay's `--no-lake` mode, where only alerts and counts
 * matter and memory must stay flat. It still answers with the key it would have written.
 *
 * @example
 * const lake = new DiscardingLake();
 */
export class DiscardingLake implements RawTickArchive, RejectSink {
  async writeSymbolDay(batchId: string, symbol: string, partition: Partition): Promise<string> {
    return rawKey(symbol, partition, batchId);
  }
  async writeRejects(batchId: string, partition: Partition): Promise<string> {
    return rejectedKey(partition, batchId);
  }
}

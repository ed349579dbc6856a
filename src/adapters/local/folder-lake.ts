import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rawKey, rejectedKey } from '../../domain/lake-layout.js';
import { DEFAULT_PRICE_DECIMALS } from '../../domain/price.js';
import type { EnrichedTick, Partition, Rejection } from '../../ports/model.js';
import type { RawTickArchive } from '../../ports/raw-tick-archive.port.js';
import type { RejectSink } from '../../ports/reject-sink.port.js';
import { DEFAULT_GZIP_LEVEL, encodeRejections, encodeTicks } from '../shared/lake-codec.js';

/** Default folder of the local data lake. */
export const DEFAULT_LAKE_DIR = '.tickflow/lake';

/**
 * The data lake as a local folder with the S3 key layout (DESIGN.md §4), gzip NDJSON.
 * Each object is written to a temporary name and renamed, so a reader (DuckDB) never sees
 * half an object and a redelivered batch replaces its objects atomically.
 *
 * @example
 * const lake = new FolderLake('.tickflow/lake');
 * await lake.writeSymbolDay('b1', 'AAPL', { year: 2024, month: 1, day: 2 }, ticks);
 */
export class FolderLake implements RawTickArchive, RejectSink {
  private readonly made = new Set<string>();
  private counter = 0;

  constructor(
    readonly root: string = DEFAULT_LAKE_DIR,
    private readonly options: { priceDecimals?: number; gzipLevel?: number } = {},
  ) {}

  async writeSymbolDay(batchId: string, symbol: string, partition: Partition, ticks: readonly EnrichedTick[]): Promise<string> {
    const key = rawKey(symbol, partition, batchId);
    const body = await encodeTicks(
      ticks,
      this.options.priceDecimals ?? DEFAULT_PRICE_DECIMALS,
      this.options.gzipLevel ?? DEFAULT_GZIP_LEVEL,
    );
    await this.put(key, body);
    return key;
  }

  async writeRejects(batchId: string, partition: Partition, rejections: readonly Rejection[]): Promise<string> {
    const key = rejectedKey(partition, batchId);
    await this.put(key, await encodeRejections(rejections, this.options.gzipLevel ?? DEFAULT_GZIP_LEVEL));
    return key;
  }

  /** The local path of a key. */
  pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  private async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    // A dot-name DuckDB's globs skip; unique per write so concurrent writes never collide.
    const tmp = join(dir, `.${process.pid}.${++this.counter}.tmp`);
    await writeFile(tmp, body);
    await rename(tmp, path);
  }
}

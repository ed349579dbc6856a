import { rawKey, rejectedKey } from '../../domain/lake-layout.js';
import { DEFAULT_PRICE_DECIMALS } from '../../domain/price.js';
import type { EnrichedTick, Partition, Rejection } from '../../ports/model.js';
import type { RawTickArchive } from '../../ports/raw-tick-archive.port.js';
import type { RejectSink } from '../../ports/reject-sink.port.js';
import { checkGzipLevel, DEFAULT_GZIP_LEVEL, encodeRejections, encodeTicks } from './lake-codec.js';

/** How lake objects are encoded: the price decimals and the gzip level. */
export interface LakeEncoding {
  /** Decimals the prices were quantised to (default 6): the lake writes them as exact decimals. */
  readonly priceDecimals?: number;
  readonly gzipLevel?: number;
}

/**
 * A data lake of gzip NDJSON objects under the keys of DESIGN.md §4, whatever holds the
 * objects: the subclass says how one object is put (S3, a folder).
 *
 * @example
 * class MyLake extends ObjectLake { protected async put(key, body) { … } }
 */
export abstract class ObjectLake implements RawTickArchive, RejectSink {
  /** Decimals the prices are written with (default 6). */
  protected readonly priceDecimals: number;
  /** gzip level of every object (default 6). */
  protected readonly gzipLevel: number;

  constructor(encoding: LakeEncoding = {}) {
    checkGzipLevel(encoding.gzipLevel);
    this.priceDecimals = encoding.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
    this.gzipLevel = encoding.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  }

  async writeSymbolDay(batchId: string, symbol: string, partition: Partition, ticks: readonly EnrichedTick[]): Promise<string> {
    const key = rawKey(symbol, partition, batchId);
    await this.putLines(key, ticks);
    return key;
  }

  async writeRejects(batchId: string, partition: Partition, rejections: readonly Rejection[]): Promise<string> {
    const key = rejectedKey(partition, batchId);
    await this.put(key, await encodeRejections(rejections, this.gzipLevel));
    return key;
  }

  /** Writes one raw object from its ticks (their lake lines, gzip'd). A subclass may lay the lines out its own way. */
  protected async putLines(key: string, ticks: readonly EnrichedTick[]): Promise<void> {
    await this.put(key, await encodeTicks(ticks, this.priceDecimals, this.gzipLevel));
  }

  /** Writes (or replaces) one object, atomically for its readers. */
  protected abstract put(key: string, body: Uint8Array): Promise<void>;
}

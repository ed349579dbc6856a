import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { lakeLinesBytes, rejectLine } from '../../domain/lake-layout.js';
import type { EnrichedTick, Rejection } from '../../ports/model.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Gzip level of lake objects: 6 is zlib's default balance of size and speed. */
export const DEFAULT_GZIP_LEVEL = 6;

/**
 * Throws a RangeError unless `level` is one of zlib's levels, 0–9 (anything else would fail
 * every write, batch after batch).
 *
 * @example
 * checkGzipLevel(42); // RangeError: gzipLevel must be a whole number from 0 to 9, got 42
 */
export function checkGzipLevel(level: number | undefined): void {
  if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 9)) {
    throw new RangeError(`gzipLevel must be a whole number from 0 to 9, got ${String(level)}`);
  }
}

/**
 * The bytes of a raw lake object: gzip'd NDJSON, one enriched tick per line. Compression
 * runs on libuv's thread pool, off the event loop.
 *
 * @example
 * const body = await encodeTicks(ticks, 6);
 */
export async function encodeTicks(ticks: readonly EnrichedTick[], priceDecimals: number, level = DEFAULT_GZIP_LEVEL): Promise<Buffer> {
  return gzipAsync(lakeLinesBytes(ticks, priceDecimals), { level });
}

/**
 * The bytes of a quarantine object: gzip'd NDJSON, one rejection per line.
 *
 * @example
 * const body = await encodeRejections(rejections);
 */
export async function encodeRejections(rejections: readonly Rejection[], level = DEFAULT_GZIP_LEVEL): Promise<Buffer> {
  return gzipAsync(rejections.map((r) => `${rejectLine(r)}\n`).join(''), { level });
}

/**
 * Decodes a lake object back into its lines (for tests, tools and the report).
 *
 * @example
 * const lines = await decodeLines(body); // ['{"symbol":"AAPL",…}', …]
 */
export async function decodeLines(body: Uint8Array): Promise<string[]> {
  const text = (await gunzipAsync(body)).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0);
}

import type { EnrichedTick, Partition, Rejection } from '../ports/model.js';
import { formatUnits } from './price.js';

const BATCH_ID = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Checks a batch id before it becomes part of an object key.
 *
 * @example
 * checkBatchId('shardId-000000000000_49590338271490256608559692538361571095921575989136588898'); // returns it
 */
export function checkBatchId(batchId: string): string {
  if (!BATCH_ID.test(batchId)) throw new RangeError(`a batch id must be 1–200 of A–Z a–z 0–9 . _ -, got ${JSON.stringify(batchId)}`);
  return batchId;
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * The Hive-style folder of a symbol-day in the raw zone (DESIGN.md §4), without the object name.
 *
 * @example
 * rawPrefix('AAPL', { year: 2024, month: 1, day: 2 }); // 'raw/symbol=AAPL/year=2024/month=01/day=02/'
 */
export function rawPrefix(symbol: string, p: Partition): string {
  return `raw/symbol=${symbol}/year=${p.year}/month=${two(p.month)}/day=${two(p.day)}/`;
}

/**
 * The key of a raw object: one per symbol-day per batch.
 *
 * @example
 * rawKey('AAPL', { year: 2024, month: 1, day: 2 }, 'b1'); // 'raw/symbol=AAPL/year=2024/month=01/day=02/b1.ndjson.gz'
 */
export function rawKey(symbol: string, p: Partition, batchId: string): string {
  return `${rawPrefix(symbol, p)}${checkBatchId(batchId)}.ndjson.gz`;
}

/**
 * The key of a quarantine object: one per day of receipt per batch.
 *
 * @example
 * rejectedKey({ year: 2024, month: 1, day: 2 }, 'b1'); // 'rejected/year=2024/month=01/day=02/b1.ndjson.gz'
 */
export function rejectedKey(p: Partition, batchId: string): string {
  return `rejected/year=${p.year}/month=${two(p.month)}/day=${two(p.day)}/${checkBatchId(batchId)}.ndjson.gz`;
}

/**
 * The key of a stored query result.
 *
 * @example
 * resultKey('volatility', 'q-1'); // 'results/volatility/q-1.csv'
 */
export function resultKey(query: string, queryId: string): string {
  return `results/${query}/${checkBatchId(queryId)}.csv`;
}

/**
 * One line of a raw object: the enriched tick with the price as its exact decimal text, so
 * every reader (DuckDB, Athena as DECIMAL) sees the quantised value, not a float's digits.
 *
 * @example
 * lakeLine(tick, 6); // '{"symbol":"AAPL","timestamp":1704205800000,"price":187.43,"volume":100,"source":"csv","ingested_at":1704205801000,"sequence":"42"}'
 */
export function lakeLine(tick: EnrichedTick, priceDecimals: number): string {
  // symbol and source are validated to characters that need no escaping; the sequence is not
  // ours, but stream sequence numbers are digits, which need none either (checked: cheaper
  // than JSON.stringify, and this runs once per tick).
  const sequence = DIGITS.test(tick.sequence) ? `"${tick.sequence}"` : JSON.stringify(tick.sequence);
  return `{"symbol":"${tick.symbol}","timestamp":${tick.timestamp},"price":${formatUnits(tick.units, priceDecimals)},"volume":${tick.volume},"source":"${tick.source}","ingested_at":${tick.ingestedAt},"sequence":${sequence}}`;
}

const DIGITS = /^\d+$/;

/**
 * One line of a quarantine object.
 *
 * @example
 * rejectLine(rejection); // '{"code":"BAD_PRICE","message":"…","record":"…","sequence":"7","received_at":…}'
 */
export function rejectLine(r: Rejection): string {
  return JSON.stringify({
    code: r.code,
    message: r.message,
    record: r.record,
    encoding: r.encoding ?? 'utf8',
    sequence: r.sequence,
    received_at: r.receivedAt,
  });
}

import type { EnrichedTick, Partition, Rejection } from '../ports/model.js';
import { formatUnits } from './price.js';
import { isQueryName } from './query-params.js';
import { checkSymbol } from './symbol.js';

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

/**
 * The name a shard's records give a lake object: the shard id and the first sequence number
 * of the object's own records, in the characters a batch id allows. A batch delivered again
 * whole, or bisected by Lambda after a failed invocation, names each object it rewrites as
 * before, so the rewrite replaces it.
 *
 * @example
 * shardObjectId('shardId-000000000000', '4959'); // 'shardId-000000000000_4959'
 */
export function shardObjectId(shardId: string, firstSequence: string): string {
  return `${shardId}_${firstSequence}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * The Hive-style folder of a symbol-day in the raw zone (DESIGN.md §4), without the object
 * name. Throws a RangeError for a symbol that is not valid and upper case (`checkSymbol`).
 *
 * @example
 * rawPrefix('AAPL', { year: 2024, month: 1, day: 2 }); // 'raw/symbol=AAPL/year=2024/month=01/day=02/'
 */
export function rawPrefix(symbol: string, p: Partition): string {
  return `raw/symbol=${checkSymbol(symbol)}/year=${p.year}/month=${two(p.month)}/day=${two(p.day)}/`;
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
 * The key of a stored query result; the query must be one of `QUERY_NAMES`.
 *
 * @example
 * resultKey('volatility', 'q-1'); // 'results/volatility/q-1.csv'
 */
export function resultKey(query: string, queryId: string): string {
  if (!isQueryName(query)) throw new RangeError(`not a query name: ${JSON.stringify(query)}`);
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
  // Strings are escaped: a validated tick's need none, but a library caller's may hold a quote.
  // Stream sequence numbers are digits (checked: cheaper than JSON.stringify).
  const sequence = isDigits(tick.sequence) ? `"${tick.sequence}"` : JSON.stringify(tick.sequence);
  return `{"symbol":${JSON.stringify(tick.symbol)},"timestamp":${tick.timestamp},"price":${formatUnits(tick.units, priceDecimals)},"volume":${tick.volume},"source":${JSON.stringify(tick.source)},"ingested_at":${tick.ingestedAt},"sequence":${sequence}}`;
}

/**
 * A rejected record's bytes as a quarantine object keeps them: the text when they are UTF-8,
 * else base64 (so nothing of them is lost to a replacement character).
 *
 * @example
 * keptRecord(new Uint8Array([0x41, 0xff])); // { record: 'Qf8=', encoding: 'base64' }
 */
export function keptRecord(bytes: Uint8Array): Pick<Rejection, 'record' | 'encoding'> {
  try {
    return { record: strictUtf8.decode(bytes), encoding: 'utf8' };
  } catch {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { record: btoa(binary), encoding: 'base64' };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One line of a quarantine object.
 *
 * @example
 * rejectLine(rejection); // '{"code":"BAD_PRICE","message":"…","record":"…","encoding":"utf8","sequence":"7","received_at":…}'
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

const utf8 = new TextEncoder();
/** `{"symbol":"` … the fixed parts of a lake line, as bytes. */
const PART = ['{"symbol":"', '","timestamp":', ',"price":', ',"volume":', ',"source":"', '","ingested_at":', ',"sequence":"', '"}\n'].map(
  (p) => utf8.encode(p),
);
/**
 * Bytes a line may take besides its strings: the fixed parts, five numbers (`${n}` of a
 * double is at most 24 characters; `formatUnits` of an odd one adds a point or a few zeros:
 * 32 covers both) and the sequence's quotes.
 */
const FIXED_BYTES = PART.reduce((n, p) => n + p.length, 0) + 5 * 32 + 2;

/**
 * An upper bound of the bytes `writeLakeLines` writes for these ticks (their strings at the
 * most UTF-8 or JSON escaping can make of them), for sizing its output.
 *
 * @example
 * const out = new Uint8Array(lakeLinesBound(ticks));
 */
export function lakeLinesBound(ticks: readonly EnrichedTick[]): number {
  let bound = 0;
  for (const t of ticks) bound += FIXED_BYTES + 3 * (t.symbol.length + t.source.length) + 6 * t.sequence.length;
  return bound;
}

/**
 * The UTF-8 bytes of a raw object's NDJSON text — exactly the bytes of
 * `lakeLine(t) + '\n'` for each tick — in a new array.
 *
 * @example
 * new TextDecoder().decode(lakeLinesBytes(ticks, 6)); // '{"symbol":"AAPL",…}\n…'
 */
export function lakeLinesBytes(ticks: readonly EnrichedTick[], priceDecimals: number): Uint8Array {
  const out = new Uint8Array(lakeLinesBound(ticks));
  return out.subarray(0, writeLakeLines(ticks, priceDecimals, out, 0));
}

/** Marks a head or middle that is not plain ASCII: its ticks are written through `lakeLine`. */
const PLAIN_NOT = new Uint8Array(0);

/**
 * Writes the bytes of `lakeLine(t) + '\n'` for each tick into `out` from `at`, with no
 * string per line (this runs once per tick on the ingest path), and returns where it
 * stopped. `out` must have `lakeLinesBound(ticks)` bytes free from `at`. Ticks whose text
 * needs more than plain ASCII copying (non-ASCII symbol or source, a non-digit sequence, a
 * fractional or negative number) are written through `lakeLine` itself.
 *
 * @example
 * const end = writeLakeLines(ticks, 6, arena, used);
 */
export function writeLakeLines(ticks: readonly EnrichedTick[], priceDecimals: number, out: Uint8Array, at: number): number {
  // The head (`{"symbol":"…","timestamp":`) and the middle (`,"source":"…","ingested_at":…,
  // "sequence":"`) repeat from tick to tick of an object: made once, copied whole.
  let symbol: string | undefined;
  let head = PLAIN_NOT;
  let source: string | undefined;
  let ingestedAt = Number.NaN;
  let middle = PLAIN_NOT;
  for (const t of ticks) {
    if (t.symbol !== symbol) {
      symbol = t.symbol;
      head = isAscii(symbol) ? utf8.encode(`{"symbol":${JSON.stringify(symbol)},"timestamp":`) : PLAIN_NOT;
    }
    if (t.source !== source || t.ingestedAt !== ingestedAt) {
      source = t.source;
      ingestedAt = t.ingestedAt;
      middle =
        isAscii(source) && isWhole(ingestedAt)
          ? utf8.encode(`,"source":${JSON.stringify(source)},"ingested_at":${ingestedAt},"sequence":"`)
          : PLAIN_NOT;
    }
    if (head === PLAIN_NOT || middle === PLAIN_NOT || !plainNumbers(t) || !isDigits(t.sequence)) {
      at += utf8.encodeInto(`${lakeLine(t, priceDecimals)}\n`, out.subarray(at)).written;
      continue;
    }
    out.set(head, at);
    at = digits(out, at + head.length, t.timestamp);
    at = put(out, at, PART[2] as Uint8Array);
    at = decimal(out, at, t.units, priceDecimals);
    at = put(out, at, PART[3] as Uint8Array);
    at = digits(out, at, t.volume);
    out.set(middle, at);
    at = ascii(out, at + middle.length, t.sequence);
    at = put(out, at, PART[7] as Uint8Array);
  }
  return at;
}

/** True when the tick's own numbers are whole and ≥ 0 (else `lakeLine` writes it). */
function plainNumbers(t: EnrichedTick): boolean {
  return isWhole(t.timestamp) && isWhole(t.units) && isWhole(t.volume);
}

function isWhole(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Printable ASCII that JSON would not escape: copied byte for byte, as `lakeLine` writes it raw. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function put(out: Uint8Array, at: number, bytes: Uint8Array): number {
  // A loop beats `set` for the few bytes of a line's parts.
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i] as number;
  return at + bytes.length;
}

function ascii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** Decimal digits of a whole number 0 ≤ n < 2^53. */
function digitCount(n: number): number {
  let count = 1;
  for (let p = 10; p <= n; p *= 10) count++;
  return count;
}

/** A whole number 0 ≤ n < 2^53 in decimal digits. */
function digits(out: Uint8Array, at: number, n: number): number {
  const width = digitCount(n);
  padded(out, at, n, width);
  return at + width;
}

/**
 * Writes 0 ≤ n < 2^53 as exactly `width` digits (leading zeros; width ≥ its digit count), in
 * 32-bit integer steps: the low eight digits, then the rest (< 2^27), never a double modulo.
 */
function padded(out: Uint8Array, at: number, n: number, width: number): void {
  let i = at + width - 1;
  let v: number;
  if (n >= 0x80000000) {
    const hi = Math.floor(n / 1e8);
    let lo = n - hi * 1e8;
    for (const end = i - 8; i > end; i--) {
      const q = (lo / 10) | 0;
      out[i] = 0x30 + lo - q * 10;
      lo = q;
    }
    v = hi;
  } else v = n;
  for (; i >= at; i--) {
    const q = (v / 10) | 0;
    out[i] = 0x30 + v - q * 10;
    v = q;
  }
}

/** `formatUnits(units, decimals)` as bytes: the fraction without trailing zeros, no point when it is empty. */
function decimal(out: Uint8Array, at: number, units: number, decimals: number): number {
  if (decimals === 0) return digits(out, at, units);
  // The digits, zero-padded to at least decimals + 1, then the fraction moved one right for the point.
  const width = Math.max(digitCount(units), decimals + 1);
  padded(out, at, units, width);
  const point = at + width - decimals;
  let end = at + width;
  while (end > point && out[end - 1] === 0x30) end--;
  if (end === point) return point; // no fraction left: no point
  for (let i = end - 1; i >= point; i--) out[i + 1] = out[i] as number;
  out[point] = 0x2e;
  return end + 1;
}

import type { RejectCode, Tick } from '../ports/model.js';
import { checkPriceDecimals, DEFAULT_PRICE_DECIMALS, quantise, unitsToPrice } from './price.js';
import { normaliseSymbol } from './symbol.js';
import { ONE_DAY_MS, readTimestamp } from './timestamp.js';

/** Largest record accepted, in bytes of its JSON text. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Options of `validateTick`. */
export interface ValidateOptions {
  /** Epoch ms "now": timestamps later than now + 1 day are refused. Pass the clock's time. */
  readonly now: number;
  /** Decimals a price is quantised to (0–9, default 6). */
  readonly priceDecimals?: number;
  /** Source to record when the record names none (default: none). */
  readonly defaultSource?: string;
}

/** The result of `validateTick`: a tick, or a rejection with a stable code and a message. */
export type ValidationResult =
  | { readonly ok: true; readonly tick: Tick }
  | { readonly ok: false; readonly code: RejectCode; readonly message: string };

const decoder = new TextDecoder('utf-8', { fatal: true });
const SOURCE = /^[A-Za-z0-9._:-]{1,32}$/;
/** The last source that passed the check: records of a batch mostly share one. */
let lastSource: unknown;
/** The last `defaultSource` option that passed the check: a caller passes the same one every time. */
let lastDefaultSource: unknown;

/**
 * Validates one record: JSON text, UTF-8 bytes, or an already-parsed value. Total over
 * records: never throws for any input, even an object whose fields throw when read; every
 * input yields a `Tick` (symbol upper-cased, price quantised) or a rejection. Bad options
 * (no finite `now`, `priceDecimals` outside 0–9, a `defaultSource` no record could carry)
 * are the caller's mistake and throw a RangeError: they would otherwise pass or refuse
 * every record.
 *
 * @example
 * validateTick('{"symbol":"aapl","timestamp":"2024-01-02T14:30:00Z","price":187.43,"volume":100}', { now: Date.now() });
 * // { ok: true, tick: { symbol: 'AAPL', timestamp: 1704205800000, price: 187.43, units: 187430000, volume: 100 } }
 * validateTick('{"symbol":"AAPL"', { now: Date.now() }); // { ok: false, code: 'INVALID_JSON', message: … }
 */
export function validateTick(raw: unknown, options: ValidateOptions): ValidationResult {
  if (!Number.isFinite(options?.now)) {
    throw new RangeError(`validateTick needs options.now, the current epoch ms (e.g. Date.now()), got ${String(options?.now)}`);
  }
  const defaultSource = options.defaultSource;
  if (defaultSource !== undefined && defaultSource !== lastDefaultSource) {
    if (typeof defaultSource !== 'string' || !SOURCE.test(defaultSource)) {
      throw new RangeError(`defaultSource must be 1–32 of A–Z a–z 0–9 . _ : -, got ${describe(defaultSource)}`);
    }
    lastDefaultSource = defaultSource;
  }
  // Checked before any record: inside, a RangeError of quantise would read as the record's fault.
  if (options.priceDecimals !== undefined) checkPriceDecimals(options.priceDecimals);
  try {
    return validateRecord(raw, options);
  } catch (error) {
    // A getter or a Proxy that throws (only an in-memory object can): a record that cannot be read.
    return reject('NOT_AN_OBJECT', `record's fields cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function validateRecord(raw: unknown, options: ValidateOptions): ValidationResult {
  let value: unknown = raw;
  if (raw instanceof Uint8Array) {
    if (raw.byteLength > MAX_RECORD_BYTES) return tooLarge(raw.byteLength);
    try {
      value = decoder.decode(raw);
    } catch {
      return reject('INVALID_JSON', 'record is not UTF-8 text');
    }
  }
  if (typeof value === 'string') {
    // A UTF-16 string is at least as many UTF-8 bytes as it has code units less surrogates;
    // measuring exactly only when the cheap bound is close keeps this O(1) for small records.
    if (value.length > MAX_RECORD_BYTES / 3) {
      const bytes = utf8Length(value);
      if (bytes > MAX_RECORD_BYTES) return tooLarge(bytes);
    }
    try {
      value = JSON.parse(value);
    } catch {
      return reject('INVALID_JSON', `record is not valid JSON: ${preview(value as string)}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('NOT_AN_OBJECT', `record must be a JSON object, got ${describe(value)}`);
  }
  return validateFields(value as Record<string, unknown>, options);
}

function validateFields(o: Record<string, unknown>, options: ValidateOptions): ValidationResult {
  const symbol = normaliseSymbol(o.symbol);
  if (symbol === undefined) {
    return reject('BAD_SYMBOL', `symbol must be 1–16 of A–Z 0–9 . - ^ = (e.g. AAPL, BRK-B, ^GSPC, EURUSD=X), got ${describe(o.symbol)}`);
  }
  const timestamp = readTimestamp(o.timestamp);
  if (Number.isNaN(timestamp)) {
    return reject('BAD_TIMESTAMP', `timestamp must be epoch milliseconds or ISO-8601, got ${describe(o.timestamp)}`);
  }
  if (timestamp < 0 || timestamp > options.now + ONE_DAY_MS) {
    return reject('BAD_TIMESTAMP', `timestamp ${describe(o.timestamp)} is outside 1970-01-01 … now + 1 day`);
  }
  const decimals = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
  const price = o.price;
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) {
    return reject('BAD_PRICE', `price must be a finite number > 0, got ${describe(price)}`);
  }
  const units = quantise(price, decimals);
  if (Number.isNaN(units)) {
    return reject(
      'BAD_PRICE',
      `price ${price} is out of range at ${decimals} decimals (at least 1 unit of 10^-${decimals}, at most 2^53 - 1 units)`,
    );
  }
  const volume = o.volume;
  if (typeof volume !== 'number' || !Number.isSafeInteger(volume) || volume < 0) {
    return reject('BAD_VOLUME', `volume must be a whole number ≥ 0, got ${describe(volume)}`);
  }
  const given = o.source ?? options.defaultSource;
  let source: string | undefined;
  if (given !== undefined) {
    if (given !== lastSource && (typeof given !== 'string' || !SOURCE.test(given))) {
      return reject('BAD_SOURCE', `source must be 1–32 of A–Z a–z 0–9 . _ : -, got ${describe(o.source)}`);
    }
    source = given as string;
    lastSource = source;
  }
  const tick: Tick =
    source === undefined
      ? { symbol, timestamp, price: unitsToPrice(units, decimals), units, volume }
      : { symbol, timestamp, price: unitsToPrice(units, decimals), units, volume, source };
  return { ok: true, tick };
}

function reject(code: RejectCode, message: string): ValidationResult {
  return { ok: false, code, message };
}

function tooLarge(bytes: number): ValidationResult {
  return reject('TOO_LARGE', `record is ${bytes} bytes; the limit is ${MAX_RECORD_BYTES}`);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A short, printable rendering of a bad value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return preview(JSON.stringify(value));
  if (typeof value === 'bigint') return `${value}n`;
  return preview(String(value));
}

function preview(text: string): string {
  // Control characters would garble a log line or a terminal: show them escaped.
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > 60 ? `${safe.slice(0, 57)}...` : safe;
}

import { QUERY_NAMES, type QueryName, type QueryParams } from '../ports/analytics-engine.port.js';
import { InvalidQueryError } from '../ports/errors.js';
import { MAX_PERIOD } from './sma-window.js';
import { normaliseSymbols, parseSymbolList } from './symbol.js';
import { DEFAULT_LONG, DEFAULT_SHORT } from './trend-tracker.js';

/** Most symbols one query may name (each becomes a bound parameter). */
export const MAX_QUERY_SYMBOLS = 1000;
/** Least `maxPoints`: two buckets' low and high, plus the first and last tick, at least. */
export const MIN_MAX_POINTS = 4;
/** Largest `maxPoints` accepted. */
export const MAX_MAX_POINTS = 10_000_000;

/**
 * Query parameters after checking, in the form the SQL binds: days as `yyyymmdd` integers
 * (0 and 99991231 when open), periods filled in.
 */
export interface CheckedQueryParams {
  /** Upper-case, de-duplicated; `undefined` means every symbol in the lake. */
  readonly symbols: readonly string[] | undefined;
  readonly fromDay: number;
  readonly toDay: number;
  readonly short: number;
  readonly long: number;
  readonly maxPoints: number | undefined;
}

/** `{ ok: true, … }` or a message naming the first bad parameter. */
export type Checked<T> = ({ ok: true } & T) | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A `YYYY-MM-DD` calendar date as the integer `yyyymmdd`, or `undefined` if the text is not
 * one (this text is later bound into SQL, so nothing else gets through).
 *
 * @example
 * dayNumber('2024-02-29'); // 20240229
 * dayNumber("2024-01-01' OR 1=1"); // undefined
 */
export function dayNumber(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return undefined;
  return year * 10_000 + month * 100 + day;
}

function period(name: string, value: unknown, fallback: number): number | string {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PERIOD)
    return `${name} must be a whole number from 1 to ${MAX_PERIOD}, got ${JSON.stringify(value)}`;
  return value;
}

/**
 * Checks query parameters before any query runs: every symbol against the symbol rule (a
 * security boundary: they are bound into SQL and name storage keys), dates as real
 * `YYYY-MM-DD` days with from ≤ to, periods 1 ≤ short < long, `maxPoints` ≥ 4.
 *
 * @example
 * checkQueryParams({ symbols: ['aapl'], from: '2024-01-02' }); // { ok: true, symbols: ['AAPL'], fromDay: 20240102, toDay: 99991231, short: 5, long: 20, maxPoints: undefined }
 * checkQueryParams({ symbols: ["A'; DROP TABLE ticks; --"] }); // { ok: false, message: 'not a valid symbol: …' }
 */
export function checkQueryParams(params: QueryParams): Checked<CheckedQueryParams> {
  let symbols: string[] | undefined;
  if (params.symbols !== undefined) {
    if (!Array.isArray(params.symbols)) return { ok: false, message: 'symbols must be a list of symbols' };
    const checked = normaliseSymbols(params.symbols);
    if (!checked.ok) return checked;
    symbols = checked.symbols;
    if (symbols.length > MAX_QUERY_SYMBOLS)
      return { ok: false, message: `at most ${MAX_QUERY_SYMBOLS} symbols per query, got ${symbols.length}` };
  }
  const fromDay = params.from === undefined ? 0 : dayNumber(params.from);
  if (fromDay === undefined) return { ok: false, message: `from must be a date YYYY-MM-DD, got ${JSON.stringify(params.from)}` };
  const toDay = params.to === undefined ? 99_991_231 : dayNumber(params.to);
  if (toDay === undefined) return { ok: false, message: `to must be a date YYYY-MM-DD, got ${JSON.stringify(params.to)}` };
  if (fromDay > toDay) return { ok: false, message: `from (${params.from}) is after to (${params.to})` };
  const short = period('short', params.short, DEFAULT_SHORT);
  if (typeof short === 'string') return { ok: false, message: short };
  const long = period('long', params.long, DEFAULT_LONG);
  if (typeof long === 'string') return { ok: false, message: long };
  if (short >= long) return { ok: false, message: `short (${short}) must be less than long (${long})` };
  const { maxPoints } = params;
  if (maxPoints !== undefined && (!Number.isInteger(maxPoints) || maxPoints < MIN_MAX_POINTS || maxPoints > MAX_MAX_POINTS))
    return {
      ok: false,
      message: `maxPoints must be a whole number from ${MIN_MAX_POINTS} to ${MAX_MAX_POINTS}, got ${JSON.stringify(maxPoints)}`,
    };
  return { ok: true, symbols, fromDay, toDay, short, long, maxPoints };
}

/**
 * Checks a query name.
 *
 * @example
 * isQueryName('volatility'); // true
 */
export function isQueryName(name: unknown): name is QueryName {
  return typeof name === 'string' && (QUERY_NAMES as readonly string[]).includes(name);
}

/**
 * What an engine does first: the query name and parameters checked, or an
 * `InvalidQueryError` naming what is wrong — before any SQL is built or sent.
 *
 * @example
 * const checked = checkQuery('volatility', { symbols: ['AAPL'] }); // { ok: true, symbols: ['AAPL'], … }
 */
export function checkQuery(name: unknown, params: QueryParams): CheckedQueryParams {
  if (!isQueryName(name)) throw new InvalidQueryError(`unknown query ${JSON.stringify(name)}; queries: ${QUERY_NAMES.join(', ')}`);
  const checked = checkQueryParams(params);
  if (!checked.ok) throw new InvalidQueryError(checked.message);
  return checked;
}

const REQUEST_KEYS = new Set(['name', 'symbols', 'from', 'to', 'short', 'long', 'maxPoints']);

/**
 * Reads a query request from untrusted input (a Lambda payload): `{ name, symbols?, from?,
 * to?, short?, long?, maxPoints? }`, symbols as a list or a comma-separated text. Unknown keys
 * are refused so a typo is not silently ignored. A period the request does not name is taken
 * from `periods` when given (a deployment's), before the request is checked.
 *
 * @example
 * parseQueryRequest({ name: 'volatility', symbols: 'AAPL,MSFT' }); // { ok: true, name: 'volatility', params: { symbols: ['AAPL', 'MSFT'] } }
 * parseQueryRequest({ name: 'crossovers', short: 30 }, { short: 10, long: 50 }); // { ok: true, name: 'crossovers', params: { short: 30, long: 50 } }
 */
export function parseQueryRequest(
  input: unknown,
  periods?: { readonly short: number; readonly long: number },
): Checked<{ name: QueryName; params: QueryParams }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, message: 'the request must be an object { name, symbols?, from?, to? }' };
  const record = input as Record<string, unknown>;
  const unknown = Object.keys(record).find((k) => !REQUEST_KEYS.has(k));
  if (unknown !== undefined)
    return { ok: false, message: `unknown field ${JSON.stringify(unknown)}; known: ${[...REQUEST_KEYS].join(', ')}` };
  if (!isQueryName(record.name))
    return { ok: false, message: `name must be one of ${QUERY_NAMES.join(', ')}, got ${JSON.stringify(record.name)}` };
  let symbols: readonly string[] | undefined;
  if (typeof record.symbols === 'string') {
    const list = parseSymbolList(record.symbols);
    if (!list.ok) return { ok: false, message: list.message };
    symbols = list.symbols;
  } else if (record.symbols !== undefined) {
    if (!Array.isArray(record.symbols)) return { ok: false, message: 'symbols must be a list or a comma-separated text' };
    symbols = record.symbols as string[];
  }
  const params: QueryParams = {
    symbols,
    from: record.from as string | undefined,
    to: record.to as string | undefined,
    short: (record.short ?? periods?.short) as number | undefined,
    long: (record.long ?? periods?.long) as number | undefined,
    maxPoints: record.maxPoints as number | undefined,
  };
  const checked = checkQueryParams(params);
  if (!checked.ok) return checked;
  return { ok: true, name: record.name, params: stripUndefined(params) };
}

function stripUndefined(params: QueryParams): QueryParams {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as QueryParams;
}

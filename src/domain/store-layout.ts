/**
 * Keys of the single-table store (DESIGN.md §4), shared by every `MarketStore` and by the
 * trend path, which reads the symbol and timestamp of a new tick from its keys.
 */

import { checkSymbol, normaliseSymbol } from './symbol.js';

const TS_DIGITS = 15; // epoch ms up to year 9999 fit in 15 digits

/**
 * Partition key of everything about a symbol. Throws a RangeError for a symbol that is not
 * valid and upper case (`checkSymbol`).
 *
 * @example
 * symbolKey('AAPL'); // 'SYMBOL#AAPL'
 */
export function symbolKey(symbol: string): string {
  return `SYMBOL#${checkSymbol(symbol)}`;
}

/**
 * Sort key of a recent tick: zero-padded so keys sort in time order.
 *
 * @example
 * tickKey(1704205800000); // 'TICK#001704205800000'
 */
export function tickKey(timestamp: number): string {
  return `TICK#${String(timestamp).padStart(TS_DIGITS, '0')}`;
}

/** Sort key of the `LATEST` aggregates item. */
export const LATEST_KEY = 'LATEST';
/** Sort key of the `TREND` state item. */
export const TREND_KEY = 'TREND';

/**
 * Sort key of an alert record.
 *
 * @example
 * alertKey(1704205800000, 'GOLDEN_CROSS'); // 'ALERT#001704205800000#GOLDEN_CROSS'
 */
export function alertKey(timestamp: number, signal: string): string {
  return `ALERT#${String(timestamp).padStart(TS_DIGITS, '0')}#${signal}`;
}

/**
 * Reads the symbol and timestamp of a tick item from its keys; `undefined` for any other item,
 * and for keys no store writes (a symbol that is not valid and upper case).
 *
 * @example
 * parseTickKeys('SYMBOL#AAPL', 'TICK#001704205800000'); // { symbol: 'AAPL', timestamp: 1704205800000 }
 */
export function parseTickKeys(pk: string, sk: string): { symbol: string; timestamp: number } | undefined {
  if (!pk.startsWith('SYMBOL#') || !sk.startsWith('TICK#')) return undefined;
  const timestamp = Number(sk.slice(5));
  const symbol = pk.slice(7);
  if (!Number.isSafeInteger(timestamp) || normaliseSymbol(symbol) !== symbol) return undefined;
  return { symbol, timestamp };
}

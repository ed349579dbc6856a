import type { Alert } from '../../src/ports/model.js';

/** A golden-cross alert of `symbol` at `timestamp` (its id as the trend path makes it); prices default to 1. */
export function goldenCrossAt(
  symbol: string,
  timestamp: number,
  prices: { price: number; smaShort: number; smaLong: number } = { price: 1, smaShort: 1, smaLong: 1 },
): Alert {
  return { id: `${symbol}#${timestamp}#GOLDEN_CROSS`, symbol, signal: 'GOLDEN_CROSS', trend: 'UPTREND', timestamp, ...prices };
}

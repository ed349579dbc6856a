import { makeAlert } from '../../src/domain/alert.js';
import type { Alert } from '../../src/ports/model.js';

/** The `i`th of a run of AAPL alerts a millisecond apart, golden and death crosses in turn. */
export function nthAlert(i: number): Alert {
  return makeAlert({
    symbol: 'AAPL',
    signal: i % 2 ? 'DEATH_CROSS' : 'GOLDEN_CROSS',
    timestamp: 1_704_205_800_000 + i,
    price: 1,
    smaShort: 1,
    smaLong: 1,
  });
}

/** A golden-cross alert of `symbol` at `timestamp` (its id as the trend path makes it); prices default to 1. */
export function goldenCrossAt(
  symbol: string,
  timestamp: number,
  prices: { price: number; smaShort: number; smaLong: number } = { price: 1, smaShort: 1, smaLong: 1 },
): Alert {
  return { id: `${symbol}#${timestamp}#GOLDEN_CROSS`, symbol, signal: 'GOLDEN_CROSS', trend: 'UPTREND', timestamp, ...prices };
}

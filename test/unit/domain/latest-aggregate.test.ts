import { describe, expect, it } from 'vitest';
import { advanceLatest, viewLatest } from '../../../src/domain/latest-aggregate.js';

const day1 = Date.UTC(2024, 0, 2, 14, 30);
const day2 = Date.UTC(2024, 0, 3, 14, 30);
const t = (timestamp: number, units: number, volume: number) => ({ symbol: 'AAPL', timestamp, units, volume });

describe('LATEST aggregates', () => {
  it("tracks last price, change, the day's open/high/low/volume, VWAP and both SMAs", () => {
    const a = advanceLatest(undefined, [t(day1, 100, 10), t(day1 + 1, 300, 30), t(day1 + 2, 200, 20)], 3);
    const v = viewLatest(a, { short: 2, long: 3, priceDecimals: 2 });
    expect(v).toEqual({
      symbol: 'AAPL',
      lastTimestamp: day1 + 2,
      lastPrice: 2,
      change: -1,
      changePercent: (-100 / 300) * 100,
      day: '2024-01-02',
      dayOpen: 1,
      dayHigh: 3,
      dayLow: 1,
      dayVolume: 60,
      vwap: (100 * 10 + 300 * 30 + 200 * 20) / 60 / 100,
      smaShort: 2.5,
      smaLong: 2,
    });
    expect(a.version).toBe(1);
  });

  it('starts a new day at the first tick of the next UTC day, and keeps the SMA window across days', () => {
    const a = advanceLatest(undefined, [t(day1, 100, 10), t(day1 + 1, 300, 30)], 3);
    const b = advanceLatest(a, [t(day2, 500, 5)], 3);
    expect([b.day, b.dayOpenUnits, b.dayHighUnits, b.dayLowUnits, b.dayVolume, b.window, b.version]).toEqual([
      '2024-01-03',
      500,
      500,
      500,
      5,
      [100, 300, 500],
      2,
    ]);
  });

  it('refuses a tick that is not after the last one instead of double-counting it', () => {
    const a = advanceLatest(undefined, [t(day1, 100, 10)], 3);
    expect(() => advanceLatest(a, [t(day1, 100, 10)], 3)).toThrow(/not after/);
  });
});

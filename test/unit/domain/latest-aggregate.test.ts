import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceLatest, viewLatest } from '../../../src/domain/latest-aggregate.js';
import type { LatestAggregate, StoredTick } from '../../../src/ports/model.js';

const day1 = Date.UTC(2024, 0, 2, 14, 30);
const day2 = Date.UTC(2024, 0, 3, 14, 30);
const t = (timestamp: number, units: number, volume: number) => ({ symbol: 'AAPL', timestamp, units, volume });
const DAY = 86_400_000;

/** The aggregate from scratch: every field straight from its definition over all the ticks so far. */
function naiveLatest(ticks: readonly StoredTick[], long: number, batches: number): LatestAggregate {
  const last = ticks[ticks.length - 1] as StoredTick;
  const utcDay = (ts: number) => new Date(ts).toISOString().slice(0, 10);
  const today = ticks.filter((x) => utcDay(x.timestamp) === utcDay(last.timestamp));
  const units = today.map((x) => x.units);
  return {
    symbol: (ticks[0] as StoredTick).symbol,
    version: batches,
    lastTimestamp: last.timestamp,
    lastUnits: last.units,
    changeUnits: ticks.length < 2 ? 0 : last.units - (ticks[ticks.length - 2] as StoredTick).units,
    day: utcDay(last.timestamp),
    dayOpenUnits: units[0] as number,
    dayHighUnits: Math.max(...units),
    dayLowUnits: Math.min(...units),
    dayVolume: today.reduce((sum, x) => sum + x.volume, 0),
    dayTurnoverUnits: today.reduce((sum, x) => sum + x.units * x.volume, 0),
    window: ticks.slice(-long).map((x) => x.units),
    ticks: ticks.length,
  };
}

/** Strictly increasing ticks whose gaps are milliseconds, hours or days, so runs of one day and day changes both occur. */
const tickSeriesArb = fc
  .tuple(
    fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
    fc.array(
      fc.tuple(
        fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 6 * 3_600_000 }), fc.integer({ min: 1, max: 3 * DAY })),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
      ),
      { minLength: 1, maxLength: 60 },
    ),
  )
  .map(([start, steps]) => {
    let ts = start;
    return steps.map(([gap, units, volume]) => {
      ts += gap;
      return t(ts, units, volume);
    });
  });

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

  it('folded over any split of a tick series into batches, equals the aggregate computed from scratch over every tick', () => {
    fc.assert(
      fc.property(
        tickSeriesArb.chain((ticks) =>
          fc.tuple(fc.constant(ticks), fc.array(fc.boolean(), { minLength: ticks.length, maxLength: ticks.length })),
        ),
        fc.integer({ min: 1, max: 8 }),
        ([ticks, cutAfter], long) => {
          let latest: LatestAggregate | undefined;
          let batch: StoredTick[] = [];
          let batches = 0;
          ticks.forEach((tick, i) => {
            batch.push(tick);
            if (cutAfter[i] || i === ticks.length - 1) {
              latest = advanceLatest(latest, batch, long);
              batches++;
              expect(latest).toEqual(naiveLatest(ticks.slice(0, i + 1), long, batches));
              batch = [];
            }
          });
          expect(advanceLatest(undefined, ticks, long)).toEqual(naiveLatest(ticks, long, 1));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps the high when a later tick of the same day makes a new low', () => {
    const a = advanceLatest(undefined, [t(day1, 100, 1), t(day1 + 1, 300, 1), t(day1 + 2, 50, 1)], 3);
    expect([a.dayOpenUnits, a.dayHighUnits, a.dayLowUnits]).toEqual([100, 300, 50]);
  });

  it("starts the day's turnover afresh at a new UTC day, so the VWAP is the new day's alone", () => {
    const a = advanceLatest(undefined, [t(day1, 100, 10), t(day1 + 1, 300, 30)], 3);
    const b = advanceLatest(a, [t(day2, 500, 5), t(day2 + 1, 400, 5)], 3);
    expect(b.dayTurnoverUnits).toBe(500 * 5 + 400 * 5);
    expect(viewLatest(b, { short: 1, long: 3, priceDecimals: 2 }).vwap).toBe((500 * 5 + 400 * 5) / 10 / 100);
  });

  it('refuses a tick that is not after the last one instead of double-counting it', () => {
    const a = advanceLatest(undefined, [t(day1, 100, 10)], 3);
    expect(() => advanceLatest(a, [t(day1, 100, 10)], 3)).toThrow(/not after/);
  });
});

import type { LatestAggregate, StoredTick } from '../ports/model.js';
import { unitsToPrice } from './price.js';
import { SmaWindow } from './sma-window.js';
import { dayOf } from './timestamp.js';

const DAY_MS = 86_400_000;

/**
 * Folds applied ticks (strictly increasing timestamps, all after `previous.lastTimestamp`)
 * into the `LATEST` aggregate of their symbol. The result's version is one more than the
 * previous one, for the store's conditional write.
 *
 * @example
 * const latest = advanceLatest(undefined, [{ symbol: 'AAPL', timestamp: 1704205800000, units: 187430000, volume: 100 }], 20);
 * latest.dayVolume; // 100
 */
export function advanceLatest(previous: LatestAggregate | undefined, ticks: readonly StoredTick[], long: number): LatestAggregate {
  const first = ticks[0];
  if (first === undefined) throw new RangeError('advanceLatest needs at least one tick');
  let latest: Omit<LatestAggregate, 'window' | 'version'> = previous ?? {
    symbol: first.symbol,
    lastTimestamp: Number.NEGATIVE_INFINITY,
    lastUnits: first.units,
    changeUnits: 0,
    day: '',
    dayOpenUnits: 0,
    dayHighUnits: 0,
    dayLowUnits: 0,
    dayVolume: 0,
    dayTurnoverUnits: 0,
    ticks: 0,
  };
  const window = [...(previous?.window ?? [])];
  // Compare days as numbers and name a day only when it changes: this runs once per tick.
  let dayNumber = latest.day === '' ? Number.NaN : Math.floor(Date.parse(latest.day) / DAY_MS);
  for (const tick of ticks) {
    if (tick.timestamp <= latest.lastTimestamp) {
      throw new RangeError(`advanceLatest: tick at ${tick.timestamp} is not after ${latest.lastTimestamp}`);
    }
    const tickDay = Math.floor(tick.timestamp / DAY_MS);
    const sameDay = tickDay === dayNumber;
    const day = sameDay ? latest.day : dayOf(tick.timestamp);
    dayNumber = tickDay;
    latest = {
      symbol: latest.symbol,
      lastTimestamp: tick.timestamp,
      lastUnits: tick.units,
      changeUnits: latest.ticks === 0 ? 0 : tick.units - latest.lastUnits,
      day,
      dayOpenUnits: sameDay ? latest.dayOpenUnits : tick.units,
      dayHighUnits: sameDay ? Math.max(latest.dayHighUnits, tick.units) : tick.units,
      dayLowUnits: sameDay ? Math.min(latest.dayLowUnits, tick.units) : tick.units,
      dayVolume: (sameDay ? latest.dayVolume : 0) + tick.volume,
      dayTurnoverUnits: (sameDay ? latest.dayTurnoverUnits : 0) + tick.units * tick.volume,
      ticks: latest.ticks + 1,
    };
    window.push(tick.units);
  }
  return { ...latest, window: window.slice(-long), version: (previous?.version ?? 0) + 1 };
}

/** A `LATEST` aggregate in prices, for people and for the store's readable attributes. */
export interface LatestView {
  readonly symbol: string;
  readonly lastTimestamp: number;
  readonly lastPrice: number;
  readonly change: number;
  /** Change against the previous tick in percent (0 for the first tick). */
  readonly changePercent: number;
  readonly day: string;
  readonly dayOpen: number;
  readonly dayHigh: number;
  readonly dayLow: number;
  readonly dayVolume: number;
  /** Volume-weighted average price of the day; undefined while the day's volume is 0. */
  readonly vwap: number | undefined;
  readonly smaShort: number | undefined;
  readonly smaLong: number | undefined;
}

/**
 * Renders a `LATEST` aggregate in prices, with VWAP and both SMAs.
 *
 * @example
 * viewLatest(latest, { short: 5, long: 20, priceDecimals: 6 }).lastPrice; // 187.43
 */
export function viewLatest(latest: LatestAggregate, options: { short: number; long: number; priceDecimals: number }): LatestView {
  const d = options.priceDecimals;
  const sma = (period: number): number | undefined => {
    if (latest.window.length < period) return undefined;
    const w = new SmaWindow(period);
    for (const u of latest.window.slice(-period)) w.push(u);
    return w.value(d);
  };
  const previousUnits = latest.lastUnits - latest.changeUnits;
  return {
    symbol: latest.symbol,
    lastTimestamp: latest.lastTimestamp,
    lastPrice: unitsToPrice(latest.lastUnits, d),
    change: unitsToPrice(latest.changeUnits, d),
    changePercent: previousUnits === 0 ? 0 : (latest.changeUnits / previousUnits) * 100,
    day: latest.day,
    dayOpen: unitsToPrice(latest.dayOpenUnits, d),
    dayHigh: unitsToPrice(latest.dayHighUnits, d),
    dayLow: unitsToPrice(latest.dayLowUnits, d),
    dayVolume: latest.dayVolume,
    vwap: latest.dayVolume === 0 ? undefined : unitsToPrice(latest.dayTurnoverUnits / latest.dayVolume, d),
    smaShort: sma(options.short),
    smaLong: sma(options.long),
  };
}

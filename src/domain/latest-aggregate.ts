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
  // Plain locals, one object at the end: this runs once per tick on the ingest path.
  let lastTimestamp = previous?.lastTimestamp ?? Number.NEGATIVE_INFINITY;
  let lastUnits = previous?.lastUnits ?? first.units;
  let changeUnits = previous?.changeUnits ?? 0;
  let day = previous?.day ?? '';
  let open = previous?.dayOpenUnits ?? 0;
  let high = previous?.dayHighUnits ?? 0;
  let low = previous?.dayLowUnits ?? 0;
  let volume = previous?.dayVolume ?? 0;
  let turnover = previous?.dayTurnoverUnits ?? 0;
  let count = previous?.ticks ?? 0;
  const window = [...(previous?.window ?? [])];
  // Compare days as numbers and name a day only when it changes.
  let dayNumber = day === '' ? Number.NaN : Math.floor(Date.parse(day) / DAY_MS);
  for (const tick of ticks) {
    if (tick.timestamp <= lastTimestamp) {
      throw new RangeError(`advanceLatest: tick at ${tick.timestamp} is not after ${lastTimestamp}`);
    }
    const u = tick.units;
    const tickDay = Math.floor(tick.timestamp / DAY_MS);
    if (tickDay !== dayNumber) {
      dayNumber = tickDay;
      day = dayOf(tick.timestamp);
      open = u;
      high = u;
      low = u;
      volume = 0;
      turnover = 0;
    } else {
      if (u > high) high = u;
      if (u < low) low = u;
    }
    changeUnits = count === 0 ? 0 : u - lastUnits;
    lastUnits = u;
    lastTimestamp = tick.timestamp;
    volume += tick.volume;
    turnover += u * tick.volume;
    count++;
    window.push(u);
  }
  return {
    symbol: previous?.symbol ?? first.symbol,
    lastTimestamp,
    lastUnits,
    changeUnits,
    day,
    dayOpenUnits: open,
    dayHighUnits: high,
    dayLowUnits: low,
    dayVolume: volume,
    dayTurnoverUnits: turnover,
    window: window.slice(-long),
    ticks: count,
    version: (previous?.version ?? 0) + 1,
  };
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

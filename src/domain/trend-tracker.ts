import type { CrossSign, TrendState } from '../ports/model.js';
import { exactSign } from './exact.js';
import { checkPriceDecimals, DEFAULT_PRICE_DECIMALS, MAX_UNITS } from './price.js';
import { SmaWindow } from './sma-window.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** What `TrendTracker.update` did with a tick. Small integers: this is the hot path. */
export const TickOutcome = {
  /** Applied to the windows; no signal. */
  Applied: 0,
  /** Applied, and SMA-short crossed above SMA-long. */
  GoldenCross: 1,
  /** Applied, and SMA-short crossed below SMA-long. */
  DeathCross: 2,
  /** Not applied: same timestamp as the last applied tick. */
  Duplicate: 3,
  /** Not applied: older than the last applied tick. */
  Late: 4,
} as const;
/** One of the `TickOutcome` values. */
export type TickOutcome = (typeof TickOutcome)[keyof typeof TickOutcome];

/** Periods and price decimals of a tracker. */
export interface TrendOptions {
  /** SMA-short period (default 5). */
  readonly short?: number;
  /** SMA-long period (default 20); must be greater than `short`. */
  readonly long?: number;
  /** Decimals of the price units (default 6); used for the SMA values only. */
  readonly priceDecimals?: number;
}

/** Default SMA periods (DESIGN.md §3). */
export const DEFAULT_SHORT = 5;
export const DEFAULT_LONG = 20;

/**
 * Checks and completes trend options: 1 ≤ short < long, decimals 0–9.
 *
 * @example
 * resolveTrendOptions({}); // { short: 5, long: 20, priceDecimals: 6 }
 */
export function resolveTrendOptions(options: TrendOptions = {}): Required<TrendOptions> {
  const short = options.short ?? DEFAULT_SHORT;
  const long = options.long ?? DEFAULT_LONG;
  if (!Number.isInteger(short) || !Number.isInteger(long) || short < 1 || short >= long) {
    throw new RangeError(`SMA periods must be whole numbers with 1 ≤ short < long, got short=${short}, long=${long}`);
  }
  new SmaWindow(long); // checks the upper bound with the window's own message
  return { short, long, priceDecimals: checkPriceDecimals(options.priceDecimals ?? DEFAULT_PRICE_DECIMALS) };
}

/**
 * One symbol's SMA-short/SMA-long crossover detector (DESIGN.md §3), exact over integer
 * units: the sign `sign(L·ΣS − S·ΣL)` is compared in doubles only where that is exact, and
 * with BigInt otherwise. Ticks must come in increasing timestamp order; a tick at or before
 * the last applied one is reported as a duplicate or late and changes nothing.
 *
 * @example
 * const t = new TrendTracker({ short: 2, long: 3, priceDecimals: 0 });
 * [3, 2, 1, 5].map((u, i) => t.update(i, u)); // [0, 0, 0, TickOutcome.GoldenCross]
 */
export class TrendTracker {
  readonly short: number;
  readonly long: number;
  readonly priceDecimals: number;
  private readonly shortWindow: SmaWindow;
  private readonly longWindow: SmaWindow;
  private last: CrossSign = 0;
  private lastTimestamp = Number.NEGATIVE_INFINITY;

  constructor(options: TrendOptions = {}) {
    const o = resolveTrendOptions(options);
    this.short = o.short;
    this.long = o.long;
    this.priceDecimals = o.priceDecimals;
    this.shortWindow = new SmaWindow(o.short);
    this.longWindow = new SmaWindow(o.long);
  }

  /**
   * Restores a tracker from `toState()` output, e.g. after a JSON round trip.
   *
   * @example
   * const copy = TrendTracker.fromState(JSON.parse(JSON.stringify(tracker.toState())));
   */
  static fromState(state: TrendState, priceDecimals: number = DEFAULT_PRICE_DECIMALS): TrendTracker {
    const tracker = new TrendTracker({ short: state.short, long: state.long, priceDecimals });
    if (state.last !== -1 && state.last !== 0 && state.last !== 1)
      throw new RangeError(`bad trend state: last must be -1, 0 or 1, got ${state.last}`);
    if (!Array.isArray(state.units) || state.units.length > state.long)
      throw new RangeError(`bad trend state: units must hold at most ${state.long} values`);
    for (const u of state.units) {
      if (!Number.isSafeInteger(u) || u < 1 || u > MAX_UNITS) throw new RangeError(`bad trend state: ${u} is not a price in units`);
      tracker.shortWindow.push(u);
      tracker.longWindow.push(u);
    }
    if (state.lastTimestamp !== null) {
      if (!Number.isFinite(state.lastTimestamp)) throw new RangeError('bad trend state: lastTimestamp must be a number or null');
      tracker.lastTimestamp = state.lastTimestamp;
    } else if (state.units.length > 0) {
      throw new RangeError('bad trend state: units without a lastTimestamp');
    }
    tracker.last = state.last;
    return tracker;
  }

  /** Applies one tick (epoch ms, price in units) and says what happened. O(1). */
  update(timestamp: number, units: number): TickOutcome {
    if (timestamp <= this.lastTimestamp) {
      return timestamp === this.lastTimestamp ? TickOutcome.Duplicate : TickOutcome.Late;
    }
    this.lastTimestamp = timestamp;
    this.shortWindow.push(units);
    this.longWindow.push(units);
    // long > short, so a full long window means both SMAs are defined.
    if (!this.longWindow.isFull) return TickOutcome.Applied;
    const s = this.sign();
    if (s === 0) return TickOutcome.Applied;
    const previous = this.last;
    this.last = s;
    if (previous === 0 || previous === s) return TickOutcome.Applied;
    return s > 0 ? TickOutcome.GoldenCross : TickOutcome.DeathCross;
  }

  /** The current crossover sign, or 0 while either SMA is undefined. */
  sign(): CrossSign {
    if (!this.longWindow.isFull) return 0;
    const sumS = this.shortWindow.sumIfSafe;
    const sumL = this.longWindow.sumIfSafe;
    if (sumS !== undefined && sumL !== undefined) {
      const a = this.long * sumS;
      const b = this.short * sumL;
      // Rounding is monotonic, so a strict inequality between the rounded products is
      // exact; equality is exact only while the products are below 2^53.
      if (a > b) return 1;
      if (a < b) return -1;
      if (a <= MAX_SAFE) return 0;
    }
    return exactSign(this.long, this.shortWindow.sumBig, this.short, this.longWindow.sumBig);
  }

  /** SMA-short as a price, or `undefined` until `short` ticks are applied. */
  get smaShort(): number | undefined {
    return this.shortWindow.value(this.priceDecimals);
  }

  /** SMA-long as a price, or `undefined` until `long` ticks are applied. */
  get smaLong(): number | undefined {
    return this.longWindow.value(this.priceDecimals);
  }

  /** Timestamp of the last applied tick, or `null`. */
  get lastAppliedTimestamp(): number | null {
    return this.lastTimestamp === Number.NEGATIVE_INFINITY ? null : this.lastTimestamp;
  }

  /** The last non-zero sign seen (0 before any). */
  get lastSign(): CrossSign {
    return this.last;
  }

  /** The state as a small JSON-safe value; `fromState` resumes exactly from it. */
  toState(): TrendState {
    return {
      short: this.short,
      long: this.long,
      last: this.last,
      lastTimestamp: this.lastAppliedTimestamp,
      units: this.longWindow.values(),
    };
  }
}

import type { CrossSign, TrendState } from '../ports/model.js';
import { exactSign, ratioToDouble } from './exact.js';
import { checkPriceDecimals, DEFAULT_PRICE_DECIMALS, MAX_UNITS, pow10 } from './price.js';
import { MAX_PERIOD } from './sma-window.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

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

/** Default SMA-short period (DESIGN.md §3). */
export const DEFAULT_SHORT = 5;
/** Default SMA-long period (DESIGN.md §3). */
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
  if (long > MAX_PERIOD) throw new RangeError(`an SMA period must be at most ${MAX_PERIOD}, got ${long}`);
  return { short, long, priceDecimals: checkPriceDecimals(options.priceDecimals ?? DEFAULT_PRICE_DECIMALS) };
}

/**
 * One symbol's SMA-short/SMA-long crossover detector (DESIGN.md §3), exact over integer
 * units: the sign `sign(L·ΣS − S·ΣL)` is compared in doubles only where that is exact, and
 * with BigInt otherwise. Ticks must come in increasing timestamp order; a tick at or before
 * the last applied one is reported as a duplicate or late and changes nothing.
 *
 * Both windows share one ring of the last `long` units with two running sums: O(1) per
 * tick. The sums are exact doubles while below 2^53; past that (prices near the top of the
 * range) they are recomputed exactly with BigInt from the ring until they fit again.
 *
 * @example
 * const t = new TrendTracker({ short: 2, long: 3, priceDecimals: 0 });
 * [3, 2, 1, 5].map((u, i) => t.update(i, u)); // [0, 0, 0, TickOutcome.GoldenCross]
 */
export class TrendTracker {
  readonly short: number;
  readonly long: number;
  readonly priceDecimals: number;
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  private sumS = 0;
  private sumL = 0;
  /** Set while a sum does not fit below 2^53: the sums are then BigInts. */
  private bigS: bigint | undefined;
  private bigL: bigint | undefined;
  private last: CrossSign = 0;
  private lastTimestamp = Number.NEGATIVE_INFINITY;

  constructor(options: TrendOptions = {}) {
    const o = resolveTrendOptions(options);
    this.short = o.short;
    this.long = o.long;
    this.priceDecimals = o.priceDecimals;
    this.ring = new Float64Array(o.long);
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
      tracker.push(u);
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
    this.push(units);
    // long > short, so a full ring means both SMAs are defined.
    if (this.count < this.long) return TickOutcome.Applied;
    let s: CrossSign;
    if (this.bigS === undefined) {
      // The common case, inline: strict inequality of the rounded products is exact.
      const a = this.long * this.sumS;
      const b = this.short * this.sumL;
      s = a > b ? 1 : a < b ? -1 : this.sign();
    } else s = this.sign();
    if (s === 0) return TickOutcome.Applied;
    const previous = this.last;
    this.last = s;
    if (previous === 0 || previous === s) return TickOutcome.Applied;
    return s > 0 ? TickOutcome.GoldenCross : TickOutcome.DeathCross;
  }

  /** Adds a value to the ring and moves both sums: the one leaving each window goes out. */
  private push(units: number): void {
    const L = this.long;
    const head = this.head;
    const count = this.count;
    const leavingL = count >= L ? (this.ring[head] as number) : 0;
    let behind = head - this.short;
    if (behind < 0) behind += L;
    const leavingS = count >= this.short ? (this.ring[behind] as number) : 0;
    this.ring[head] = units;
    this.head = head + 1 === L ? 0 : head + 1;
    if (count < L) this.count = count + 1;
    if (this.bigS === undefined) {
      // (sum − leaving) is exact; adding `units` is exact unless the result reaches 2^53,
      // and then the rounded result is ≥ 2^53 too, so this test catches every inexact case.
      const s = this.sumS - leavingS + units;
      const l = this.sumL - leavingL + units;
      if (s <= MAX_SAFE && l <= MAX_SAFE) {
        this.sumS = s;
        this.sumL = l;
        return;
      }
    }
    this.resum();
  }

  /** Recomputes both sums exactly from the ring (the rare path past 2^53), and leaves it when they fit. */
  private resum(): void {
    const values = this.values();
    let s = 0n;
    let l = 0n;
    values.forEach((u, i) => {
      l += BigInt(u);
      if (i >= values.length - this.short) s += BigInt(u);
    });
    if (s <= MAX_SAFE_BIG && l <= MAX_SAFE_BIG) {
      this.sumS = Number(s);
      this.sumL = Number(l);
      this.bigS = undefined;
      this.bigL = undefined;
    } else {
      this.bigS = s;
      this.bigL = l;
    }
  }

  /** The current crossover sign, or 0 while either SMA is undefined. */
  sign(): CrossSign {
    if (this.count < this.long) return 0;
    if (this.bigS === undefined) {
      const a = this.long * this.sumS;
      const b = this.short * this.sumL;
      // Rounding is monotonic, so a strict inequality between the rounded products is
      // exact; equality is exact only while the products are below 2^53.
      if (a > b) return 1;
      if (a < b) return -1;
      if (a <= MAX_SAFE) return 0;
      return exactSign(this.long, this.sumS, this.short, this.sumL);
    }
    return exactSign(this.long, this.bigS, this.short, this.bigL as bigint);
  }

  /** SMA-short as a price, or `undefined` until `short` ticks are applied. */
  get smaShort(): number | undefined {
    if (this.count < this.short) return undefined;
    return this.mean(this.bigS ?? this.sumS, this.short);
  }

  /** SMA-long as a price, or `undefined` until `long` ticks are applied. */
  get smaLong(): number | undefined {
    if (this.count < this.long) return undefined;
    return this.mean(this.bigL ?? this.sumL, this.long);
  }

  /** ΣS / (n·10^d) rounded once to the nearest double. */
  private mean(sum: number | bigint, n: number): number {
    const den = n * pow10(this.priceDecimals);
    return typeof sum === 'number' ? sum / den : ratioToDouble(sum, BigInt(den));
  }

  /** Timestamp of the last applied tick, or `null`. */
  get lastAppliedTimestamp(): number | null {
    return this.lastTimestamp === Number.NEGATIVE_INFINITY ? null : this.lastTimestamp;
  }

  /** The last non-zero sign seen (0 before any). */
  get lastSign(): CrossSign {
    return this.last;
  }

  /** Units of the last `long` applied ticks (fewer before the ring fills), oldest first. */
  private values(): number[] {
    const out: number[] = [];
    const start = this.count === this.long ? this.head : 0;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.long] as number);
    return out;
  }

  /** The state as a small JSON-safe value; `fromState` resumes exactly from it. */
  toState(): TrendState {
    return {
      short: this.short,
      long: this.long,
      last: this.last,
      lastTimestamp: this.lastAppliedTimestamp,
      units: this.values(),
    };
  }
}

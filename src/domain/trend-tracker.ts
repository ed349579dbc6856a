import type { CrossSign, TrendState } from '../ports/model.js';
import { exactSign, ratioToDouble } from './exact.js';
import { checkPriceDecimals, DEFAULT_PRICE_DECIMALS, MAX_UNITS, pow10 } from './price.js';
import { MAX_PERIOD } from './sma-window.js';

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

// The constants of the hot path are enums: esbuild (tsx, tsup) writes the members of an
// enum used in its own file in as literals, whereas a module-level `const` is a context load
// with a TDZ check on every use, which costs several ns per tick when symbols interleave.

/** Where each number of a detector sits in `TrendCells.cells`, from the detector's offset. */
enum Cell {
  SumS = 0,
  SumL = 1,
  LastTs = 2,
  /** Ticks applied so far (exact to 2^53); masked, it is the ring position. (`TrendTracker` keeps it in a field.) */
  Ticks = 3,
  Last = 4,
  Ring = 5,
}

/** The values of `TickOutcome`. */
enum Outcome {
  Applied = 0,
  GoldenCross = 1,
  DeathCross = 2,
  Duplicate = 3,
  Late = 4,
}

/** Number.MAX_SAFE_INTEGER, 2^53 − 1. */
enum Limit {
  MaxSafe = 9007199254740991,
}

/** What `TrendTracker.update` did with a tick. Small integers: this is the hot path. */
export const TickOutcome = {
  /** Applied to the windows; no signal. */
  Applied: Outcome.Applied,
  /** Applied, and SMA-short crossed above SMA-long. */
  GoldenCross: Outcome.GoldenCross,
  /** Applied, and SMA-short crossed below SMA-long. */
  DeathCross: Outcome.DeathCross,
  /** Not applied: same timestamp as the last applied tick. */
  Duplicate: Outcome.Duplicate,
  /** Not applied: older than the last applied tick. */
  Late: Outcome.Late,
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
 * SMA-short/SMA-long crossover detectors (DESIGN.md §3) for one or many symbols, each at an
 * offset into one Float64Array: exact over integer units — the sign `sign(L·ΣS − S·ΣL)` is
 * compared in doubles only where that is exact, and with BigInt otherwise. Ticks must come
 * in increasing timestamp order; a tick at or before the last applied one is reported as a
 * duplicate or late and changes nothing. Used through `TrendTracker` (one symbol) and
 * `TrendBook` (many).
 *
 * Each detector keeps one ring of its last `long` units with two running sums: O(1) per
 * tick. The sums are exact doubles while below 2^53; past that (prices near the top of the
 * range) they are recomputed exactly with BigInt from the ring until they fit again.
 *
 * The hot path is shaped for many symbols interleaved, where the branch predictor cannot
 * learn one symbol's pattern and scattered objects cost loads: the numbers sit in one
 * array, the ring's size is a power of two indexed by a running counter (no wrap-around
 * branches), and the one data-dependent branch asks "same sign as before?", which is almost
 * always yes.
 */
export abstract class TrendCells {
  // The fields set in the constructor are `declare`d: a plain declaration makes the compiled
  // class define each one as `undefined` first, so V8 keeps the numbers as tagged values and
  // checks and converts them on every tick (6 such checks in the 100-symbol loop; `declare`
  // leaves them small integers).
  declare readonly short: number;
  declare readonly long: number;
  declare readonly priceDecimals: number;
  /**
   * Each detector's numbers from its offset: ΣS, ΣL (NaN while they are BigInts), the last
   * applied timestamp, the count of applied ticks, the last non-zero sign, then the ring of
   * the last `long` units at `Ring + (count & mask)` (entries not yet written hold 0).
   */
  declare protected cells: Float64Array;
  declare protected readonly mask: number;
  /** Numbers per detector. */
  declare protected readonly stride: number;
  /** The exact sums of the detectors (by offset) whose sums passed 2^53. */
  private readonly bigSums = new Map<number, { s: bigint; l: bigint }>();

  protected constructor(options: TrendOptions, capacity: number) {
    const o = resolveTrendOptions(options);
    this.short = o.short;
    this.long = o.long;
    this.priceDecimals = o.priceDecimals;
    // A power of two ≥ long: the entries of the ticks leaving each window are found by masking.
    let ring = 1;
    while (ring < o.long) ring *= 2;
    this.mask = ring - 1;
    this.stride = Cell.Ring + ring;
    this.cells = new Float64Array(Math.max(1, capacity) * this.stride);
  }

  /** Makes the detector at offset `o` empty (its numbers must be zero). */
  protected clear(o: number): void {
    this.cells[o + Cell.LastTs] = Number.NEGATIVE_INFINITY;
  }

  /** Throws a RangeError unless `state` is `toState()` output for these periods. */
  protected checkState(state: TrendState): void {
    checkStateObject(state);
    if (state.short !== this.short || state.long !== this.long)
      throw new RangeError(`bad trend state: periods ${shown(state.short)}/${shown(state.long)}, expected ${this.short}/${this.long}`);
    if (state.last !== -1 && state.last !== 0 && state.last !== 1)
      throw new RangeError(`bad trend state: last must be -1, 0 or 1, got ${shown(state.last)}`);
    if (!Array.isArray(state.units) || state.units.length > state.long)
      throw new RangeError(`bad trend state: units must be an array of at most ${state.long} values`);
    for (const u of state.units) {
      if (!Number.isSafeInteger(u) || u < 1 || u > MAX_UNITS) throw new RangeError(`bad trend state: ${shown(u)} is not a price in units`);
    }
    // A last sign with fewer than `long` units is allowed: the trend path restores one when
    // the store's older ticks have expired and the TREND record kept no window (a quiet
    // symbol, periods over MAX_KEPT_WINDOW), and the sign carries over the gap.
    if (state.lastTimestamp !== null) {
      if (!Number.isFinite(state.lastTimestamp))
        throw new RangeError(`bad trend state: lastTimestamp must be a finite number or null, got ${shown(state.lastTimestamp)}`);
    } else if (state.units.length > 0) {
      throw new RangeError('bad trend state: units without a lastTimestamp');
    }
  }

  /** Fills the empty detector at offset `o` from a state `checkState` accepted. */
  protected restoreAt(o: number, state: TrendState): void {
    // Stand-in timestamps in order; the real last one and the sign are set after.
    state.units.forEach((u, i) => {
      this.step(o, i, u);
    });
    this.cells[o + Cell.LastTs] = state.lastTimestamp ?? Number.NEGATIVE_INFINITY;
    this.cells[o + Cell.Last] = state.last;
  }

  /** Applies one tick (epoch ms, price in units) to the detector at offset `o`. O(1). */
  protected step(o: number, timestamp: number, units: number): TickOutcome {
    const cells = this.cells;
    const lastTimestamp = cells[o + Cell.LastTs] as number;
    if (timestamp <= lastTimestamp) {
      return timestamp === lastTimestamp ? Outcome.Duplicate : Outcome.Late;
    }
    cells[o + Cell.LastTs] = timestamp;
    const ticks = cells[o + Cell.Ticks] as number;
    cells[o + Cell.Ticks] = ticks + 1;
    return this.slide(o, ticks, units);
  }

  /** Ticks applied to the detector at offset `o`. */
  protected ticksAt(o: number): number {
    return this.cells[o + Cell.Ticks] as number;
  }

  /**
   * The windows' move of an applied tick: `units` enters the ring at position `ticks` (the
   * count before it, already advanced), the sums follow, and the sign is checked.
   */
  protected slide(o: number, ticks: number, units: number): TickOutcome {
    const cells = this.cells;
    const L = this.long;
    const mask = this.mask;
    const ring = o + Cell.Ring;
    // Before a window fills, its leaving entry has never been written and holds 0.
    const leavingL = cells[ring + ((ticks - L) & mask)] as number;
    const leavingS = cells[ring + ((ticks - this.short) & mask)] as number;
    cells[ring + (ticks & mask)] = units;
    // (sum − leaving) is exact; adding `units` is exact unless the result reaches 2^53, and
    // then the rounded result is ≥ 2^53 too, so this test catches every inexact case. Units
    // are positive and the short window lies inside the long one, so ΣS ≤ ΣL: testing ΣL
    // covers both. While the sums are BigInts the cells hold NaN, which fails the test too.
    const sumS = (cells[o + Cell.SumS] as number) - leavingS + units;
    const sumL = (cells[o + Cell.SumL] as number) - leavingL + units;
    if (!(sumL <= Limit.MaxSafe)) {
      this.resum(o);
      return this.turn(o, this.signAt(o));
    }
    cells[o + Cell.SumS] = sumS;
    cells[o + Cell.SumL] = sumL;
    // long > short, so a full ring means both SMAs are defined.
    if (ticks + 1 < L) return Outcome.Applied;
    // Rounding is monotonic and a − b is 0 only when a = b, so a non-zero difference of the
    // rounded products has the exact sign; "same sign as before" is the common case.
    const d = L * sumS - this.short * sumL;
    if (d * (cells[o + Cell.Last] as number) > 0) return Outcome.Applied;
    return this.turn(o, d > 0 ? 1 : d < 0 ? -1 : this.signAt(o));
  }

  /** Records a sign that is 0 or differs from the last: a cross when it flips. */
  private turn(o: number, s: CrossSign): TickOutcome {
    if (s === 0) return Outcome.Applied;
    const previous = this.cells[o + Cell.Last] as number;
    this.cells[o + Cell.Last] = s;
    if (previous === 0 || previous === s) return Outcome.Applied;
    return s > 0 ? Outcome.GoldenCross : Outcome.DeathCross;
  }

  /** Recomputes the sums exactly from the ring (the rare path past 2^53), and leaves it when they fit. */
  private resum(o: number): void {
    const values = this.valuesAt(o);
    let s = 0n;
    let l = 0n;
    values.forEach((u, i) => {
      l += BigInt(u);
      if (i >= values.length - this.short) s += BigInt(u);
    });
    if (s <= MAX_SAFE_BIG && l <= MAX_SAFE_BIG) {
      this.cells[o + Cell.SumS] = Number(s);
      this.cells[o + Cell.SumL] = Number(l);
      this.bigSums.delete(o);
    } else {
      this.cells[o + Cell.SumS] = Number.NaN;
      this.cells[o + Cell.SumL] = Number.NaN;
      this.bigSums.set(o, { s, l });
    }
  }

  /** The current crossover sign, or 0 while either SMA is undefined. */
  protected signAt(o: number): CrossSign {
    if (this.ticksAt(o) < this.long) return 0;
    const big = this.bigSums.get(o);
    if (big === undefined) {
      const sumS = this.cells[o + Cell.SumS] as number;
      const sumL = this.cells[o + Cell.SumL] as number;
      const a = this.long * sumS;
      const b = this.short * sumL;
      // Rounding is monotonic, so a strict inequality between the rounded products is
      // exact; equality is exact only while the products are below 2^53.
      if (a > b) return 1;
      if (a < b) return -1;
      if (a <= Limit.MaxSafe) return 0;
      return exactSign(this.long, sumS, this.short, sumL);
    }
    return exactSign(this.long, big.s, this.short, big.l);
  }

  /** SMA-short as a price, or `undefined` until `short` ticks are applied. */
  protected smaShortAt(o: number): number | undefined {
    if (this.ticksAt(o) < this.short) return undefined;
    return this.mean(this.bigSums.get(o)?.s ?? (this.cells[o + Cell.SumS] as number), this.short);
  }

  /** SMA-long as a price, or `undefined` until `long` ticks are applied. */
  protected smaLongAt(o: number): number | undefined {
    if (this.ticksAt(o) < this.long) return undefined;
    return this.mean(this.bigSums.get(o)?.l ?? (this.cells[o + Cell.SumL] as number), this.long);
  }

  /** ΣS / (n·10^d) rounded once to the nearest double. */
  private mean(sum: number | bigint, n: number): number {
    const den = n * pow10(this.priceDecimals);
    return typeof sum === 'number' ? sum / den : ratioToDouble(sum, BigInt(den));
  }

  /** Timestamp of the last applied tick, or `null`. */
  protected lastTimestampAt(o: number): number | null {
    const t = this.cells[o + Cell.LastTs] as number;
    return t === Number.NEGATIVE_INFINITY ? null : t;
  }

  /** The last non-zero sign (0 before any). */
  protected lastSignAt(o: number): CrossSign {
    return this.cells[o + Cell.Last] as CrossSign;
  }

  /** Units of the last `long` applied ticks (fewer before the ring fills), oldest first. */
  private valuesAt(o: number): number[] {
    const ticks = this.ticksAt(o);
    const out: number[] = [];
    for (let i = Math.min(ticks, this.long); i > 0; i--) out.push(this.cells[o + Cell.Ring + ((ticks - i) & this.mask)] as number);
    return out;
  }

  /** The state as a small JSON-safe value; it restores exactly. */
  protected stateAt(o: number): TrendState {
    return {
      short: this.short,
      long: this.long,
      last: this.lastSignAt(o),
      lastTimestamp: this.lastTimestampAt(o),
      units: this.valuesAt(o),
    };
  }
}

/** Throws the TypeError of a state that is not even an object. */
function checkStateObject(state: unknown): void {
  if (typeof state !== 'object' || state === null || Array.isArray(state))
    throw new TypeError(`bad trend state: expected an object from toState(), got ${Array.isArray(state) ? 'an array' : shown(state)}`);
}

/** A value as an error message shows it: strings quoted, so "1" and 1 read apart. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Throws the RangeError of a tick `update` refuses (out of the hot path). */
function badTick(timestamp: unknown, units: unknown): never {
  if (!Number.isFinite(timestamp)) throw new RangeError(`a tick's timestamp must be a finite number (epoch ms), got ${shown(timestamp)}`);
  throw new RangeError(
    `a tick's price must be whole units from 1 to 2^53 − 1 (a price is not: quantise(187.43, 6) gives its units), got ${shown(units)}`,
  );
}

/**
 * One symbol's SMA-short/SMA-long crossover detector (DESIGN.md §3), exact over integer
 * units; see `TrendCells` for the rule and the hot path. Ticks must come in increasing
 * timestamp order; a tick at or before the last applied one is reported as a duplicate or
 * late and changes nothing.
 *
 * @example
 * const t = new TrendTracker({ short: 2, long: 3, priceDecimals: 0 });
 * [3, 2, 1, 5].map((u, i) => t.update(i, u)); // [0, 0, 0, TickOutcome.GoldenCross]
 */
export class TrendTracker extends TrendCells {
  /**
   * Ticks applied, in a field of its own rather than in the cells (`Cell.Ticks` stays 0): a
   * small integer, so the ring positions are integer arithmetic — 15.5 → 14.3 ns per tick
   * in `npm run bench`'s one-symbol row. Exact to 2^53 as the cells are.
   */
  private count = 0;

  /** A new tracker, or one resuming from `state` (as `fromState`). */
  constructor(options: TrendOptions = {}, state?: TrendState) {
    super(options, 1);
    this.clear(0);
    if (state !== undefined) {
      this.checkState(state);
      this.restoreAt(0, state);
    }
  }

  /**
   * Restores a tracker from `toState()` output, e.g. after a JSON round trip.
   *
   * @example
   * const copy = TrendTracker.fromState(JSON.parse(JSON.stringify(tracker.toState())));
   */
  static fromState(state: TrendState, priceDecimals: number = DEFAULT_PRICE_DECIMALS): TrendTracker {
    checkStateObject(state); // before its periods are read
    return new TrendTracker({ short: state.short, long: state.long, priceDecimals }, state);
  }

  /**
   * Applies one tick (epoch ms, price in units) and says what happened. O(1). Throws a
   * RangeError, changing nothing, unless the timestamp is a finite number and the units a
   * whole number from 1 to 2^53 − 1 (a price such as 187.43 is not units: `quantise(187.43, 6)` is).
   */
  update(timestamp: number, units: number): TickOutcome {
    if (
      !(typeof timestamp === 'number' && timestamp - timestamp === 0 && units >= 1 && units <= Limit.MaxSafe && Math.floor(units) === units)
    )
      badTick(timestamp, units);
    return this.step(0, timestamp, units);
  }

  /** `TrendCells.step` for the one detector (at offset 0), with the count in its field. */
  protected override step(_o: 0, timestamp: number, units: number): TickOutcome {
    const cells = this.cells;
    const lastTimestamp = cells[Cell.LastTs] as number;
    if (timestamp <= lastTimestamp) {
      return timestamp === lastTimestamp ? Outcome.Duplicate : Outcome.Late;
    }
    cells[Cell.LastTs] = timestamp;
    const ticks = this.count;
    this.count = ticks + 1;
    return this.slide(0, ticks, units);
  }

  /** Ticks applied: the field, not the cell. */
  protected override ticksAt(_o: 0): number {
    return this.count;
  }

  /** The current crossover sign, or 0 while either SMA is undefined. */
  sign(): CrossSign {
    return this.signAt(0);
  }

  /** SMA-short as a price, or `undefined` until `short` ticks are applied. */
  get smaShort(): number | undefined {
    return this.smaShortAt(0);
  }

  /** SMA-long as a price, or `undefined` until `long` ticks are applied. */
  get smaLong(): number | undefined {
    return this.smaLongAt(0);
  }

  /** Timestamp of the last applied tick, or `null`. */
  get lastAppliedTimestamp(): number | null {
    return this.lastTimestampAt(0);
  }

  /** The last non-zero sign seen (0 before any). */
  get lastSign(): CrossSign {
    return this.lastSignAt(0);
  }

  /** The state as a small JSON-safe value; `fromState` resumes exactly from it. */
  toState(): TrendState {
    return this.stateAt(0);
  }
}

/**
 * Many symbols' crossover detectors in one array, each at a slot (0, 1, 2, …): the same
 * exact rule as `TrendTracker`, laid out for many symbols interleaved (no object per
 * symbol to load). Keep a map from symbol to slot.
 *
 * @example
 * const book = new TrendBook({ short: 5, long: 20 });
 * const slots = new Map(['AAPL', 'MSFT'].map((s) => [s, book.add()]));
 * const outcome = book.update(slots.get('AAPL') as number, tick.timestamp, tick.units);
 */
export class TrendBook extends TrendCells {
  private slots = 0;

  /** An empty book; `capacity` slots are allocated up front (it grows as needed). */
  constructor(options: TrendOptions = {}, capacity = 16) {
    super(options, capacity);
  }

  /** Slots in use. */
  get size(): number {
    return this.slots;
  }

  /** Adds an empty slot and returns its index. */
  add(): number {
    const slot = this.slots++;
    if (this.slots * this.stride > this.cells.length) {
      const grown = new Float64Array(this.cells.length * 2);
      grown.set(this.cells);
      this.cells = grown;
    }
    this.clear(slot * this.stride);
    return slot;
  }

  /** Adds a slot resuming from `toState()` output (the periods must be the book's) and returns it. */
  restore(state: TrendState): number {
    this.checkState(state); // before adding: a refused state leaves no slot behind
    const slot = this.add();
    this.restoreAt(slot * this.stride, state);
    return slot;
  }

  /**
   * Applies one tick (epoch ms, price in units) to a slot and says what happened. O(1).
   * Throws a RangeError, changing nothing, for a slot not added or a tick `TrendTracker.update` refuses.
   */
  update(slot: number, timestamp: number, units: number): TickOutcome {
    if (!(slot >>> 0 === slot && slot < this.slots)) this.badSlot(slot);
    if (
      !(typeof timestamp === 'number' && timestamp - timestamp === 0 && units >= 1 && units <= Limit.MaxSafe && Math.floor(units) === units)
    )
      badTick(timestamp, units);
    return this.step(slot * this.stride, timestamp, units);
  }

  /** Throws the RangeError of a slot that is not one of this book's. */
  private badSlot(slot: unknown): never {
    throw new RangeError(`no slot ${String(slot)} in this book (slots 0 to ${this.slots - 1}; add() makes one)`);
  }

  /** A slot's crossover sign, or 0 while either SMA is undefined. */
  sign(slot: number): CrossSign {
    return this.signAt(slot * this.stride);
  }

  /** A slot's SMA-short as a price, or `undefined` until `short` ticks are applied. */
  smaShort(slot: number): number | undefined {
    return this.smaShortAt(slot * this.stride);
  }

  /** A slot's SMA-long as a price, or `undefined` until `long` ticks are applied. */
  smaLong(slot: number): number | undefined {
    return this.smaLongAt(slot * this.stride);
  }

  /** Timestamp of a slot's last applied tick, or `null`. */
  lastAppliedTimestamp(slot: number): number | null {
    return this.lastTimestampAt(slot * this.stride);
  }

  /** A slot's last non-zero sign (0 before any). */
  lastSign(slot: number): CrossSign {
    return this.lastSignAt(slot * this.stride);
  }

  /** A slot's state as a small JSON-safe value; `restore` resumes exactly from it. */
  toState(slot: number): TrendState {
    return this.stateAt(slot * this.stride);
  }
}

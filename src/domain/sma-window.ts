import { ratioToDouble } from './exact.js';
import { pow10 } from './price.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** Largest SMA period accepted (keeps `period × 10^d` exact in a double). */
export const MAX_PERIOD = 1_000_000;

/**
 * A simple moving average over the last `period` prices, held as integer units in a ring
 * buffer with an exact running sum: O(1) per value, and the same bits as a from-scratch sum
 * whatever the history. The sum is a double while it stays below 2^53 and a BigInt beyond.
 *
 * @example
 * const w = new SmaWindow(3);
 * for (const u of [100, 200, 600]) w.push(u);
 * w.isFull;   // true
 * w.value(2); // 3 (the mean of 1.00, 2.00 and 6.00)
 */
export class SmaWindow {
  readonly period: number;
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;
  private exactSum = 0;
  private bigSum: bigint | undefined;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD) {
      throw new RangeError(`an SMA period must be a whole number from 1 to ${MAX_PERIOD}, got ${period}`);
    }
    this.period = period;
    this.ring = new Float64Array(period);
  }

  /** Adds the newest value (integer units, 1 … 2^53 − 1), dropping the oldest when full. */
  push(units: number): void {
    let leaving = 0;
    if (this.filled === this.period) leaving = this.ring[this.head] as number;
    else this.filled++;
    this.ring[this.head] = units;
    this.head = this.head + 1 === this.period ? 0 : this.head + 1;
    if (this.bigSum === undefined) {
      // (sum − leaving) is exact; adding `units` is exact unless the result reaches 2^53,
      // and then the rounded result is ≥ 2^53 too, so this test catches every inexact case.
      const next = this.exactSum - leaving + units;
      if (next <= MAX_SAFE) {
        this.exactSum = next;
        return;
      }
      this.bigSum = BigInt(this.exactSum - leaving) + BigInt(units);
      return;
    }
    const big = this.bigSum - BigInt(leaving) + BigInt(units);
    if (big <= MAX_SAFE_BIG) {
      this.exactSum = Number(big);
      this.bigSum = undefined;
    } else {
      this.bigSum = big;
    }
  }

  /** True once `period` values have been pushed. */
  get isFull(): boolean {
    return this.filled === this.period;
  }

  /** How many values the window holds (≤ period). */
  get size(): number {
    return this.filled;
  }

  /** The exact sum of the held values. */
  get sumBig(): bigint {
    return this.bigSum ?? BigInt(this.exactSum);
  }

  /**
   * The mean of the held values as a price with `decimals` decimals, rounded once to the
   * nearest double; `undefined` until the window is full.
   */
  value(decimals: number): number | undefined {
    if (this.filled !== this.period) return undefined;
    const den = this.period * pow10(decimals);
    if (this.bigSum === undefined) return this.exactSum / den;
    return ratioToDouble(this.bigSum, BigInt(den));
  }

  /** The held values, oldest first. */
  values(): number[] {
    const out: number[] = [];
    const start = this.filled === this.period ? this.head : 0;
    for (let i = 0; i < this.filled; i++) out.push(this.ring[(start + i) % this.period] as number);
    return out;
  }
}

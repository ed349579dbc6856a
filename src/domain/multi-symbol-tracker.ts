import type { Alert, Tick, TrendState } from '../ports/model.js';
import { makeAlert } from './alert.js';
import { unitsToPrice } from './price.js';
import { normaliseSymbol } from './symbol.js';
import { resolveTrendOptions, TickOutcome, TrendBook, type TrendOptions } from './trend-tracker.js';

/** Counts kept by a `MultiSymbolTracker`. */
export interface TrackerCounts {
  applied: number;
  duplicates: number;
  late: number;
  goldenCrosses: number;
  deathCrosses: number;
}

/** Throws unless `symbol` is a symbol as validation leaves it (DESIGN.md §3: it reaches storage keys). */
function checkSymbol(symbol: string, where: string): void {
  if (normaliseSymbol(symbol) !== symbol) {
    throw new RangeError(`${where} names ${JSON.stringify(symbol)}, not a symbol (1–16 of A–Z 0–9 . - ^ =, upper case)`);
  }
}

/**
 * Every symbol's crossover detector in one `TrendBook` (a slot per symbol), turning ticks
 * into alerts.
 *
 * @example
 * const trackers = new MultiSymbolTracker({ short: 5, long: 20 });
 * for (const tick of ticks) {
 *   const alert = trackers.push(tick);
 *   if (alert) console.log(alert.signal, alert.symbol);
 * }
 */
export class MultiSymbolTracker {
  readonly options: Required<TrendOptions>;
  readonly counts: TrackerCounts = { applied: 0, duplicates: 0, late: 0, goldenCrosses: 0, deathCrosses: 0 };
  private readonly book: TrendBook;
  private readonly slots = new Map<string, number>();
  /** An empty slot a refused first tick gave back. */
  private spare: number | undefined;

  constructor(options: TrendOptions = {}) {
    this.options = resolveTrendOptions(options);
    this.book = new TrendBook(this.options);
  }

  /** Applies a validated tick; returns the alert it fires, if any. */
  push(tick: Tick): Alert | undefined {
    let slot = this.slots.get(tick.symbol);
    let outcome: TickOutcome;
    if (slot !== undefined) outcome = this.book.update(slot, tick.timestamp, tick.units);
    else {
      slot = this.add(tick.symbol);
      try {
        outcome = this.book.update(slot, tick.timestamp, tick.units);
      } catch (error) {
        // A refused first tick leaves no symbol behind (update changed nothing: the slot is
        // still empty, kept for the next new symbol).
        this.slots.delete(tick.symbol);
        this.spare = slot;
        throw error;
      }
    }
    switch (outcome) {
      case TickOutcome.Applied:
        this.counts.applied++;
        return undefined;
      case TickOutcome.Duplicate:
        this.counts.duplicates++;
        return undefined;
      case TickOutcome.Late:
        this.counts.late++;
        return undefined;
      default: {
        this.counts.applied++;
        const golden = outcome === TickOutcome.GoldenCross;
        if (golden) this.counts.goldenCrosses++;
        else this.counts.deathCrosses++;
        return makeAlert({
          symbol: tick.symbol,
          signal: golden ? 'GOLDEN_CROSS' : 'DEATH_CROSS',
          timestamp: tick.timestamp,
          price: unitsToPrice(tick.units, this.options.priceDecimals),
          smaShort: this.book.smaShort(slot) as number,
          smaLong: this.book.smaLong(slot) as number,
        });
      }
    }
  }

  /** A book slot for a symbol seen for the first time (checked: it becomes a key of `toState`). */
  private add(symbol: string): number {
    checkSymbol(symbol, 'a tick');
    const slot = this.spare ?? this.book.add();
    this.spare = undefined;
    this.slots.set(symbol, slot);
    return slot;
  }

  /** Symbols seen so far. */
  symbols(): string[] {
    return [...this.slots.keys()];
  }

  /** A symbol's state (as `TrendTracker.toState`), or `undefined` if it was never seen. */
  state(symbol: string): TrendState | undefined {
    const slot = this.slots.get(symbol);
    return slot === undefined ? undefined : this.book.toState(slot);
  }

  /** Every symbol's state, for persisting. */
  toState(): Record<string, TrendState> {
    // Symbols are checked as they come in, so none is `__proto__`; no prototype all the same.
    const out: Record<string, TrendState> = Object.create(null);
    for (const [symbol, slot] of this.slots) out[symbol] = this.book.toState(slot);
    return out;
  }

  /**
   * Restores trackers from `toState()` output.
   *
   * @example
   * const again = MultiSymbolTracker.fromState(JSON.parse(saved), { short: 5, long: 20 });
   */
  static fromState(state: Record<string, TrendState>, options: TrendOptions = {}): MultiSymbolTracker {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new TypeError(
        `a trackers' state must be an object of symbol → state, from toState(), got ${Array.isArray(state) ? 'an array' : String(state)}`,
      );
    }
    const multi = new MultiSymbolTracker(options);
    for (const [symbol, s] of Object.entries(state)) {
      checkSymbol(symbol, 'the state');
      if (typeof s !== 'object' || s === null) throw new TypeError(`state of ${symbol} must be an object from toState(), got ${String(s)}`);
      if (s.short !== multi.options.short || s.long !== multi.options.long) {
        throw new RangeError(
          `state of ${symbol} has periods ${s.short}/${s.long}, the tracker ${multi.options.short}/${multi.options.long}`,
        );
      }
      multi.slots.set(symbol, multi.book.restore(s));
    }
    return multi;
  }
}

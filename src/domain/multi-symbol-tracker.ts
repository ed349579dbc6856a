import type { Alert, Tick, TrendState } from '../ports/model.js';
import { makeAlert } from './alert.js';
import { unitsToPrice } from './price.js';
import { resolveTrendOptions, TickOutcome, type TrendOptions, TrendTracker } from './trend-tracker.js';

/** Counts kept by a `MultiSymbolTracker`. */
export interface TrackerCounts {
  applied: number;
  duplicates: number;
  late: number;
  goldenCrosses: number;
  deathCrosses: number;
}

/**
 * One `TrendTracker` per symbol, turning ticks into alerts.
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
  private readonly trackers = new Map<string, TrendTracker>();

  constructor(options: TrendOptions = {}) {
    this.options = resolveTrendOptions(options);
  }

  /** Applies a validated tick; returns the alert it fires, if any. */
  push(tick: Tick): Alert | undefined {
    const tracker = this.tracker(tick.symbol);
    const outcome = tracker.update(tick.timestamp, tick.units);
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
          smaShort: tracker.smaShort as number,
          smaLong: tracker.smaLong as number,
        });
      }
    }
  }

  /** The tracker of a symbol, created on first use. */
  tracker(symbol: string): TrendTracker {
    let tracker = this.trackers.get(symbol);
    if (tracker === undefined) {
      tracker = new TrendTracker(this.options);
      this.trackers.set(symbol, tracker);
    }
    return tracker;
  }

  /** Symbols seen so far. */
  symbols(): string[] {
    return [...this.trackers.keys()];
  }

  /** Every symbol's state, for persisting. */
  toState(): Record<string, TrendState> {
    const out: Record<string, TrendState> = {};
    for (const [symbol, tracker] of this.trackers) out[symbol] = tracker.toState();
    return out;
  }

  /**
   * Restores trackers from `toState()` output.
   *
   * @example
   * const again = MultiSymbolTracker.fromState(JSON.parse(saved), { short: 5, long: 20 });
   */
  static fromState(state: Record<string, TrendState>, options: TrendOptions = {}): MultiSymbolTracker {
    const multi = new MultiSymbolTracker(options);
    for (const [symbol, s] of Object.entries(state)) {
      if (s.short !== multi.options.short || s.long !== multi.options.long) {
        throw new RangeError(
          `state of ${symbol} has periods ${s.short}/${s.long}, the tracker ${multi.options.short}/${multi.options.long}`,
        );
      }
      multi.trackers.set(symbol, TrendTracker.fromState(s, multi.options.priceDecimals));
    }
    return multi;
  }
}

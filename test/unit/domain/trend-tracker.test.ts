import ti from 'technicalindicators';
import { DMA } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { MultiSymbolTracker } from '../../../src/domain/multi-symbol-tracker.js';
import { quantise } from '../../../src/domain/price.js';
import { TickOutcome, TrendBook, TrendTracker } from '../../../src/domain/trend-tracker.js';
import type { TrendState } from '../../../src/ports/model.js';

/** Twenty prices rising evenly from 6.17 to 12.34 (cents). */
function riseTo1234(): number[] {
  return Array.from({ length: 20 }, (_, i) => Math.round((6.17 + (i * (12.34 - 6.17)) / 19) * 100) / 100);
}

/** Feeds prices (decimal numbers) at 1 s intervals and returns the non-plain outcomes with their index. */
function run(tracker: TrendTracker, prices: number[]): [number, number][] {
  const out: [number, number][] = [];
  prices.forEach((p, i) => {
    const o = tracker.update(1000 * (i + 1), quantise(p, tracker.priceDecimals));
    if (o !== TickOutcome.Applied) out.push([i, o]);
  });
  return out;
}

describe('TrendTracker examples', () => {
  it('gives nothing on the first tick where both SMAs are defined, whatever the sign', () => {
    // short 1, long 2: the first defined tick is index 1, with sign +1 (rising).
    expect(run(new TrendTracker({ short: 1, long: 2 }), [1, 2])).toEqual([]);
    expect(run(new TrendTracker({ short: 1, long: 2 }), [2, 1])).toEqual([]);
  });

  it('+1, 0, +1 gives nothing: touching neither signals nor resets', () => {
    // short 1 / long 2: sign = sign(p_t − p_{t−1}). Up, flat, up.
    expect(run(new TrendTracker({ short: 1, long: 2 }), [1, 2, 2, 3])).toEqual([]);
  });

  it('+1, 0, −1 gives one death cross, at the −1 tick', () => {
    expect(run(new TrendTracker({ short: 1, long: 2 }), [1, 2, 2, 1])).toEqual([[3, TickOutcome.DeathCross]]);
  });

  it('a rise from 6.17 to 12.34 and then 12.34 forty times fires no death cross', () => {
    const prices = [...riseTo1234(), ...Array(40).fill(12.34)];
    expect(run(new TrendTracker(), prices)).toEqual([]);
  });

  it('on that series trading-signals and technicalindicators fire a phantom death cross, the tracker does not', () => {
    const prices = [...riseTo1234(), ...Array(40).fill(12.34)];
    const phantom = (smas: (p: number) => [number | undefined, number | undefined]) => {
      let last = 0;
      const fired: number[] = [];
      prices.forEach((p, i) => {
        const [s, l] = smas(p);
        if (s === undefined || l === undefined) return;
        const sign = s > l ? 1 : s < l ? -1 : 0;
        if (sign !== 0 && last !== 0 && sign !== last) fired.push(i);
        if (sign !== 0) last = sign;
      });
      return fired;
    };
    const dma = new DMA(5, 20);
    const viaTradingSignals = phantom((p) => {
      dma.add(p);
      return dma.isStable ? [Number(dma.short.getResult()), Number(dma.long.getResult())] : [undefined, undefined];
    });
    const s5 = new ti.SMA({ period: 5, values: [] });
    const s20 = new ti.SMA({ period: 20, values: [] });
    const viaTechnicalIndicators = phantom((p) => [s5.nextValue(p), s20.nextValue(p)]);
    expect(viaTradingSignals.length).toBeGreaterThan(0);
    expect(viaTechnicalIndicators.length).toBeGreaterThan(0);
    expect(run(new TrendTracker(), prices)).toEqual([]);
  });

  it('reports a repeated timestamp as a duplicate and an older one as late, applying neither', () => {
    const t = new TrendTracker({ short: 1, long: 2 });
    expect(t.update(10, 5)).toBe(TickOutcome.Applied);
    expect(t.update(10, 9)).toBe(TickOutcome.Duplicate);
    expect(t.update(9, 9)).toBe(TickOutcome.Late);
    expect(t.toState()).toEqual({ short: 1, long: 2, last: 0, lastTimestamp: 10, units: [5] });
  });

  it('refuses periods outside 1 ≤ short < long', () => {
    expect(() => new TrendTracker({ short: 5, long: 5 })).toThrow(/1 ≤ short < long/);
    expect(() => new TrendTracker({ short: 0, long: 5 })).toThrow(/1 ≤ short < long/);
    expect(() => new TrendTracker({ short: 2.5, long: 5 })).toThrow(/whole numbers/);
  });

  it('refuses a tick it cannot apply exactly, changing nothing: a price given for units, NaN, ±∞, 0, beyond 2^53', () => {
    const t = new TrendTracker({ short: 1, long: 2 });
    t.update(10, 5);
    const before = t.toState();
    for (const [timestamp, units] of [
      [11, 187.43],
      [11, Number.NaN],
      [11, 0],
      [11, -5],
      [11, 2 ** 53],
      [11, '7' as unknown as number],
      [Number.NaN, 5],
      [Number.POSITIVE_INFINITY, 5],
      ['100' as unknown as number, 5],
      [null as unknown as number, 5],
      [true as unknown as number, 5],
      [[] as unknown as number, 5],
    ] as const) {
      expect(() => t.update(timestamp, units)).toThrow(RangeError);
      expect(t.toState()).toEqual(before);
    }
    expect(() => t.update(11, 187.43)).toThrow(/whole units .* got 187.43/);
    expect(() => t.update(11, '7' as unknown as number)).toThrow(/got "7"$/);
    expect(t.update(11, 2 ** 53 - 1)).toBe(TickOutcome.Applied);
  });

  it('TrendBook refuses a slot it has not added, changing nothing', () => {
    const book = new TrendBook({ short: 1, long: 2 });
    expect(() => book.update(0, 1, 5)).toThrow(/no slot 0 in this book/);
    const slot = book.add();
    for (const bad of [1, -1, 0.5, Number.NaN, 7]) expect(() => book.update(bad, 1, 5)).toThrow(RangeError);
    expect(book.update(slot, 1, 5)).toBe(TickOutcome.Applied);
    expect(book.toState(slot)).toEqual({ short: 1, long: 2, last: 0, lastTimestamp: 1, units: [5] });
  });

  it('refuses a corrupted state instead of resuming from it', () => {
    expect(() => TrendTracker.fromState(null as never)).toThrow(/expected an object from toState\(\), got null/);
    expect(() => TrendTracker.fromState({ short: 5, long: 20, last: '1' as never, lastTimestamp: 1, units: [] })).toThrow(/got "1"/);
    expect(() => TrendTracker.fromState({ short: 5, long: 20, last: 2 as 1, lastTimestamp: 1, units: [] })).toThrow(/last/);
    expect(() => TrendTracker.fromState({ short: 5, long: 20, last: 0, lastTimestamp: null, units: [1] })).toThrow(/lastTimestamp/);
    expect(() => TrendTracker.fromState({ short: 5, long: 20, last: 0, lastTimestamp: 1, units: [0] })).toThrow(/units/);
    // More units than the long window holds cannot come from toState.
    expect(() => TrendTracker.fromState({ short: 1, long: 2, last: 0, lastTimestamp: 3, units: [1, 2, 3] })).toThrow(RangeError);
  });

  it('an empty restored state takes any first tick, also one at epoch 0', () => {
    const empty: TrendState = { short: 1, long: 2, last: 0, lastTimestamp: null, units: [] };
    expect(TrendTracker.fromState(empty).update(0, 5)).toBe(TickOutcome.Applied);
    const book = new TrendBook({ short: 1, long: 2 });
    expect(book.update(book.restore(empty), 0, 5)).toBe(TickOutcome.Applied);
  });
});

describe('MultiSymbolTracker', () => {
  it('keeps one state per symbol and builds alerts with deterministic ids', () => {
    const m = new MultiSymbolTracker({ short: 1, long: 2, priceDecimals: 2 });
    const tick = (symbol: string, timestamp: number, price: number) => ({ symbol, timestamp, price, units: quantise(price, 2), volume: 1 });
    const alerts = [
      tick('A', 1, 1),
      tick('B', 1, 5),
      tick('A', 2, 2),
      tick('B', 2, 4),
      tick('A', 3, 1),
      tick('B', 3, 6),
      tick('B', 3, 7),
    ].flatMap((t) => m.push(t) ?? []);
    expect(alerts).toEqual([
      { id: 'A#3#DEATH_CROSS', symbol: 'A', signal: 'DEATH_CROSS', trend: 'DOWNTREND', timestamp: 3, price: 1, smaShort: 1, smaLong: 1.5 },
      { id: 'B#3#GOLDEN_CROSS', symbol: 'B', signal: 'GOLDEN_CROSS', trend: 'UPTREND', timestamp: 3, price: 6, smaShort: 6, smaLong: 5 },
    ]);
    expect(m.counts).toEqual({ applied: 6, duplicates: 1, late: 0, goldenCrosses: 1, deathCrosses: 1 });
    expect(m.symbols()).toEqual(['A', 'B']);
    expect(m.state('B')).toEqual({ short: 1, long: 2, last: 1, lastTimestamp: 3, units: [400, 600] });
    expect(m.state('C')).toBeUndefined();
    // Saved and restored, the symbols resume where they were: B's next fall is a death cross.
    const again = MultiSymbolTracker.fromState(JSON.parse(JSON.stringify(m.toState())), { short: 1, long: 2, priceDecimals: 2 });
    expect(again.state('A')).toEqual(m.state('A'));
    expect(again.push(tick('B', 4, 3))?.signal).toBe('DEATH_CROSS');
    expect(() => MultiSymbolTracker.fromState(m.toState(), { short: 1, long: 3 })).toThrow(/state of A has periods 1\/2/);
  });

  it('counts a late tick as late, not as a duplicate', () => {
    const m = new MultiSymbolTracker({ short: 1, long: 2 });
    m.push({ symbol: 'A', timestamp: 2, price: 1, units: 1, volume: 1 });
    m.push({ symbol: 'A', timestamp: 1, price: 1, units: 1, volume: 1 });
    m.push({ symbol: 'A', timestamp: 2, price: 1, units: 1, volume: 1 });
    expect(m.counts).toMatchObject({ applied: 1, duplicates: 1, late: 1 });
  });

  it('a refused first tick of a symbol leaves no symbol behind, and its slot serves the next one', () => {
    const m = new MultiSymbolTracker({ short: 1, long: 2 });
    expect(() => m.push({ symbol: 'NEW', timestamp: 1, price: 1.5, units: 1.5, volume: 1 })).toThrow(RangeError);
    expect(m.symbols()).toEqual([]);
    expect(m.toState()).toEqual({});
    m.push({ symbol: 'NEXT', timestamp: 1, price: 1, units: 1, volume: 1 });
    expect(m.symbols()).toEqual(['NEXT']);
    expect(m.state('NEXT')).toEqual({ short: 1, long: 2, last: 0, lastTimestamp: 1, units: [1] });
    // A symbol already seen keeps its state when a tick of it is refused.
    expect(() => m.push({ symbol: 'NEXT', timestamp: 2, price: 1.5, units: 1.5, volume: 1 })).toThrow(RangeError);
    expect(m.state('NEXT')).toEqual({ short: 1, long: 2, last: 0, lastTimestamp: 1, units: [1] });
  });

  it('takes only symbols as keys: no __proto__, no path, no lower case, from a tick or from a state', () => {
    const state: TrendState = { short: 1, long: 2, last: 0, lastTimestamp: 1, units: [5] };
    for (const key of ['__proto__', '../etc', 'constructor', 'aapl', '']) {
      const hostile = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(state)}}`);
      expect(() => MultiSymbolTracker.fromState(hostile, { short: 1, long: 2 })).toThrow(/not a symbol/);
      expect(() =>
        new MultiSymbolTracker({ short: 1, long: 2 }).push({ symbol: key, timestamp: 1, price: 1, units: 1, volume: 1 }),
      ).toThrow(/not a symbol/);
    }
    expect(() => MultiSymbolTracker.fromState(null as never)).toThrow(TypeError);
    expect(() => MultiSymbolTracker.fromState([state] as never)).toThrow(/got an array/);
    expect(() => MultiSymbolTracker.fromState({ AAPL: null } as never)).toThrow(/state of AAPL must be an object/);
    const fine = MultiSymbolTracker.fromState({ AAPL: state }, { short: 1, long: 2 });
    expect(JSON.parse(JSON.stringify(fine.toState()))).toEqual({ AAPL: state });
  });
});

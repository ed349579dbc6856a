import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TickOutcome, TrendTracker } from '../../src/domain/trend-tracker.js';
import { periodsArb, seriesArb, ticksOf, withNoiseArb } from '../arbitraries.js';
import { bruteForceSignals } from '../oracles.js';

type T = { timestamp: number; units: number };

/** Runs a tracker over ticks and lists the signals with the SMAs at each. */
function signalsOf(tracker: TrendTracker, ticks: readonly T[], offset = 0) {
  const out: { index: number; timestamp: number; signal: string; smaShort: number; smaLong: number }[] = [];
  ticks.forEach((t, i) => {
    const outcome = tracker.update(t.timestamp, t.units);
    if (outcome === TickOutcome.GoldenCross || outcome === TickOutcome.DeathCross) {
      out.push({
        index: i + offset,
        timestamp: t.timestamp,
        signal: outcome === TickOutcome.GoldenCross ? 'GOLDEN_CROSS' : 'DEATH_CROSS',
        smaShort: tracker.smaShort as number,
        smaLong: tracker.smaLong as number,
      });
    }
  });
  return out;
}

const stripIndex = (s: { timestamp: number; signal: string; smaShort: number; smaLong: number }[]) =>
  s.map(({ timestamp, signal, smaShort, smaLong }) => ({ timestamp, signal, smaShort, smaLong }));

describe('TrendTracker (property)', () => {
  it('emits exactly the signals of a brute-force BigInt oracle, SMAs bit for bit', () => {
    fc.assert(
      fc.property(seriesArb(300), periodsArb, fc.integer({ min: 0, max: 9 }), (series, { short, long }, d) => {
        const ticks = ticksOf(series);
        const tracker = new TrendTracker({ short, long, priceDecimals: d });
        expect(signalsOf(tracker, ticks)).toEqual(bruteForceSignals(ticks, short, long, d));
      }),
      { numRuns: 500 },
    );
  });

  it('with the default 5/20 periods, agrees with the oracle on long random walks', () => {
    fc.assert(
      fc.property(seriesArb(2000), (series) => {
        const ticks = ticksOf(series);
        expect(signalsOf(new TrendTracker(), ticks)).toEqual(bruteForceSignals(ticks, 5, 20, 6));
      }),
      { numRuns: 100 },
    );
  });

  it('a flat price after any history emits no signal once both windows hold only that price', () => {
    fc.assert(
      fc.property(seriesArb(100), fc.integer({ min: 1, max: 1e12 }), periodsArb, (history, flat, { short, long }) => {
        const tracker = new TrendTracker({ short, long });
        const ticks = ticksOf([...history, ...Array(long * 2).fill(flat)]);
        const signals = signalsOf(tracker, ticks);
        const flatFrom = history.length + long - 1; // from here both windows hold only `flat`
        expect(signals.filter((s) => s.index >= flatFrom)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('injecting duplicates and late ticks anywhere leaves the signals unchanged', () => {
    fc.assert(
      fc.property(
        seriesArb(200).chain((series) => {
          const clean = ticksOf(series);
          return fc.tuple(fc.constant(clean), withNoiseArb(clean));
        }),
        periodsArb,
        ([clean, noisy], { short, long }) => {
          const a = signalsOf(new TrendTracker({ short, long }), clean);
          const b = signalsOf(new TrendTracker({ short, long }), noisy);
          expect(stripIndex(b)).toEqual(stripIndex(a));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('splitting anywhere, round-tripping the state through JSON and resuming gives the unsplit signals', () => {
    fc.assert(
      fc.property(
        seriesArb(200).chain((series) => fc.tuple(fc.constant(series), fc.nat({ max: series.length }))),
        periodsArb,
        fc.integer({ min: 0, max: 9 }),
        ([series, cut], { short, long }, d) => {
          const ticks = ticksOf(series);
          const whole = signalsOf(new TrendTracker({ short, long, priceDecimals: d }), ticks);
          const first = new TrendTracker({ short, long, priceDecimals: d });
          const head = signalsOf(first, ticks.slice(0, cut));
          const restored = TrendTracker.fromState(JSON.parse(JSON.stringify(first.toState())), d);
          const tail = signalsOf(restored, ticks.slice(cut), cut);
          expect([...head, ...tail]).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });
});

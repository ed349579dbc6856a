import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TickOutcome, TrendBook, TrendTracker } from '../../src/domain/trend-tracker.js';
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

describe('TrendBook (property)', () => {
  it('symbols interleaved in any order, some restored from JSON midway, each get their own oracle signals bit for bit', () => {
    fc.assert(
      fc.property(
        fc.array(seriesArb(120), { minLength: 1, maxLength: 7 }),
        periodsArb,
        fc.integer({ min: 0, max: 9 }),
        fc.array(fc.nat(), { maxLength: 1200 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (seriesList, { short, long }, d, order, restoreAt) => {
          const ticks = seriesList.map((series) => ticksOf(series));
          // Interleave: `order` picks which symbol goes next; the rest follow symbol by symbol.
          const next = ticks.map(() => 0);
          const schedule: number[] = [];
          for (const pick of order) {
            const s = pick % ticks.length;
            if ((next[s] as number) < (ticks[s] as unknown[]).length) {
              schedule.push(s);
              next[s] = (next[s] as number) + 1;
            }
          }
          ticks.forEach((list, s) => {
            for (let i = next[s] as number; i < list.length; i++) schedule.push(s);
          });
          const book = new TrendBook({ short, long, priceDecimals: d }, 1); // capacity 1: it must grow
          const slot = ticks.map(() => book.add());
          const restoreSteps = new Set(restoreAt.map((r) => r % (schedule.length + 1)));
          const seen = ticks.map(() => 0);
          const signals = ticks.map(() => [] as ReturnType<typeof bruteForceSignals>);
          schedule.forEach((s, step) => {
            if (restoreSteps.has(step)) {
              // Move one symbol to a new slot through its JSON state, as the trend path does.
              slot[s] = book.restore(JSON.parse(JSON.stringify(book.toState(slot[s] as number))));
            }
            const t = (ticks[s] as { timestamp: number; units: number }[])[seen[s] as number] as { timestamp: number; units: number };
            const index = (seen[s] as number)++;
            const outcome = book.update(slot[s] as number, t.timestamp, t.units);
            if (outcome === TickOutcome.GoldenCross || outcome === TickOutcome.DeathCross) {
              (signals[s] as unknown[]).push({
                index,
                timestamp: t.timestamp,
                signal: outcome === TickOutcome.GoldenCross ? 'GOLDEN_CROSS' : 'DEATH_CROSS',
                smaShort: book.smaShort(slot[s] as number) as number,
                smaLong: book.smaLong(slot[s] as number) as number,
              });
            }
          });
          ticks.forEach((list, s) => {
            expect(signals[s]).toEqual(bruteForceSignals(list, short, long, d));
          });
          expect(book.size).toBe(ticks.length + [...restoreSteps].filter((step) => step < schedule.length).length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a state whose periods are not the book's", () => {
    const book = new TrendBook({ short: 5, long: 20 });
    const other = new TrendTracker({ short: 3, long: 20 });
    expect(() => book.restore(other.toState())).toThrow(/periods 3\/20, expected 5\/20/);
    expect(() => book.restore({ short: 5, long: 20, last: 0, lastTimestamp: 1, units: [0] })).toThrow(/not a price in units/);
    expect(book.size).toBe(0); // nothing added by a refused state
  });
});

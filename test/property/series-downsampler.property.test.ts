import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChartPoint, SeriesDownsampler } from '../../src/domain/chart-series.js';
import { chartPointsArb } from '../arbitraries.js';

const bucketsArb = fc.integer({ min: 1, max: 40 }).map((n) => 2 * n);

/** Feeds points at times 0, 1, 2, … and returns them as pushed. */
function feed(d: SeriesDownsampler, input: { price: number; volume: number; pin: boolean }[]): ChartPoint[] {
  return input.map(({ price, volume, pin }, t) => {
    const point: ChartPoint = { t, price, smaShort: price / 2, smaLong: null };
    d.push(point, volume, pin);
    return point;
  });
}

describe('SeriesDownsampler (property)', () => {
  it('draws at most 4 points per bucket plus the pinned ones, in strictly increasing time, each one a real point', () => {
    fc.assert(
      fc.property(chartPointsArb(), bucketsArb, (input, maxBuckets) => {
        const d = new SeriesDownsampler(maxBuckets);
        const points = feed(d, input);
        const s = d.toSeries('X');
        const pinned = input.filter((p) => p.pin).length;
        expect(s.t.length).toBeLessThanOrEqual(4 * maxBuckets + pinned);
        expect(s.volumeT.length).toBeLessThanOrEqual(maxBuckets);
        for (let i = 1; i < s.t.length; i++) expect(s.t[i] as number).toBeGreaterThan(s.t[i - 1] as number);
        s.t.forEach((t, i) => {
          const p = points[t] as ChartPoint;
          expect([s.price[i], s.smaShort[i], s.smaLong[i]]).toEqual([p.price, p.smaShort, p.smaLong]);
        });
        expect(s.ticks).toBe(input.length);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps every pinned point, the envelope (each bucket’s low and high), the first and last points, and all the volume', () => {
    fc.assert(
      fc.property(chartPointsArb(), bucketsArb, (input, maxBuckets) => {
        const d = new SeriesDownsampler(maxBuckets);
        feed(d, input);
        const s = d.toSeries('X');
        const drawn = new Set(s.t);
        input.forEach((p, t) => {
          if (p.pin) expect(drawn.has(t)).toBe(true);
        });
        if (input.length === 0) return;
        expect(drawn.has(0) && drawn.has(input.length - 1)).toBe(true);
        // Buckets are runs of `ticksPerBar` consecutive ticks: each run's low and high are drawn.
        for (let start = 0; start < input.length; start += s.ticksPerBar) {
          const run = input.slice(start, start + s.ticksPerBar).map((p) => p.price);
          const shown = s.t.filter((t) => t >= start && t < start + s.ticksPerBar).map((t) => input[t]?.price as number);
          expect(Math.min(...shown)).toBe(Math.min(...run));
          expect(Math.max(...shown)).toBe(Math.max(...run));
        }
        expect(s.volume.reduce((a, b) => a + b, 0)).toBe(input.reduce((a, p) => a + p.volume, 0));
        expect(s.volumeT.at(-1)).toBe(input.length - 1);
      }),
      { numRuns: 400 },
    );
  });

  it('draws every point while they fit the buckets', () => {
    fc.assert(
      fc.property(chartPointsArb(80), (input) => {
        const d = new SeriesDownsampler(80);
        feed(d, input);
        const s = d.toSeries('X');
        expect(s.t).toEqual(input.map((_, t) => t));
        expect(s.volume).toEqual(input.map((p) => p.volume));
        expect(s.ticksPerBar).toBe(1);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmaWindow } from '../../src/domain/sma-window.js';
import { seriesArb, unitsArb } from '../arbitraries.js';
import { oracleSma } from '../oracles.js';

describe('SmaWindow (property)', () => {
  it('equals a from-scratch BigInt sum divided once, bit for bit, after every push', () => {
    fc.assert(
      fc.property(seriesArb(120), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 9 }), (series, period, d) => {
        const w = new SmaWindow(period);
        series.forEach((u, i) => {
          w.push(u);
          expect(Object.is(w.value(d), oracleSma(series.slice(0, i + 1), period, d))).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the exact sum through the 2^53 fallback and back', () => {
    fc.assert(
      fc.property(fc.array(unitsArb, { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (series, period) => {
        const w = new SmaWindow(period);
        series.forEach((u, i) => {
          w.push(u);
          const expected = series.slice(Math.max(0, i + 1 - period), i + 1).reduce((a, v) => a + BigInt(v), 0n);
          expect(w.sumBig).toBe(expected);
          expect(w.values()).toEqual(series.slice(Math.max(0, i + 1 - period), i + 1));
        });
      }),
      { numRuns: 500 },
    );
  });
});

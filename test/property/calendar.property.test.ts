import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/domain/enrich.js';
import { formatUnits } from '../../src/domain/price.js';
import { parseIsoTimestamp } from '../../src/domain/timestamp.js';

describe('calendar arithmetic (property)', () => {
  it('runs in a zone that is not UTC (vitest.config.ts sets TZ), so local-time mistakes show', () => {
    expect(new Date(0).getTimezoneOffset()).not.toBe(0);
  });

  it('partitionOf gives the UTC day Date gives, for any time from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ts) => {
        const d = new Date(ts);
        expect(partitionOf(ts)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
      }),
      { numRuns: 5000 },
    );
  });

  it('parseIsoTimestamp reads back what toISOString writes', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0, 1)), noInvalidDate: true }), (d) => {
        expect(parseIsoTimestamp(d.toISOString())).toBe(d.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it('parseIsoTimestamp reads a fraction of 0 to 9 digits as a decimal fraction of a second, cut to whole ms', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0, 1)), noInvalidDate: true }),
        fc.integer({ min: 0, max: 9 }),
        fc.stringMatching(/^\d{6}$/),
        (d, digits, extra) => {
          const iso = d.toISOString(); // …:SS.mmmZ
          const fraction = `${iso.slice(20, 23)}${extra}`.slice(0, digits);
          const text = `${iso.slice(0, 19)}${digits > 0 ? `.${fraction}` : ''}Z`;
          const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
          expect(parseIsoTimestamp(text)).toBe(d.getTime() - d.getUTCMilliseconds() + ms);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parseIsoTimestamp takes 29 February in exactly the years Date has it, 1970 to 9999', () => {
    for (let year = 1970; year <= 9999; year++) {
      const day = new Date(Date.UTC(2000, 1, 29));
      day.setUTCFullYear(year);
      const leap = day.getUTCMonth() === 1;
      const parsed = parseIsoTimestamp(`${year}-02-29T00:00:00Z`);
      if (leap) expect(parsed).toBe(day.getTime());
      else expect(parsed).toBeNaN();
    }
  });

  it('formatUnits never writes an exponent or a trailing point', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 9 }), (u, d) => {
        expect(formatUnits(u, d)).toMatch(/^\d+(\.\d*[1-9])?$/);
      }),
      { numRuns: 1000 },
    );
  });
});

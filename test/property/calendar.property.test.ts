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

  it('formatUnits never writes an exponent or a trailing point', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 9 }), (u, d) => {
        expect(formatUnits(u, d)).toMatch(/^\d+(\.\d*[1-9])?$/);
      }),
      { numRuns: 1000 },
    );
  });
});

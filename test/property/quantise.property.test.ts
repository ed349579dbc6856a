import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUnits, parseUnits, quantise } from '../../src/domain/price.js';
import { decimalTextArb } from '../arbitraries.js';
import { exactUnitsOfDecimal } from '../oracles.js';

describe('price quantisation (property)', () => {
  it('quantising the JS number of a decimal string gives the units of exact decimal parsing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }).chain((d) => fc.tuple(fc.constant(d), decimalTextArb(d))),
        ([d, text]) => {
          const exact = exactUnitsOfDecimal(text, d);
          const units = quantise(Number(text), d);
          if (exact > BigInt(Number.MAX_SAFE_INTEGER)) return Number.isNaN(units);
          return BigInt(units) === exact;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('formatUnits writes the exact decimal that parseUnits reads back, for every unit count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 9 }), (units, d) => {
        const text = formatUnits(units, d);
        expect(parseUnits(text, d)).toBe(units);
        expect(exactUnitsOfDecimal(text, d)).toBe(BigInt(units));
      }),
      { numRuns: 1000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUnits, parseUnits, quantise } from '../../src/domain/price.js';
import { decimalTextArb, overPreciseDecimalTextArb } from '../arbitraries.js';
import { exactUnitsOfDecimal, halfUpUnitsOfDecimal } from '../oracles.js';

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

  it('a number with more decimals than d is its shortest decimal form rounded once, half up, to d decimals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }).chain((d) => fc.tuple(fc.constant(d), overPreciseDecimalTextArb(d))),
        ([d, text]) => {
          const price = Number(text);
          // The contract rounds the shortest round-trip decimal of the double, not the text it came from.
          const expected = halfUpUnitsOfDecimal(String(price), d);
          const units = quantise(price, d);
          if (expected < 1n || expected > BigInt(Number.MAX_SAFE_INTEGER)) return Number.isNaN(units);
          return units === Number(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rounds halves up and the rest to nearest, also past 2^48 units where Math.round(price × 10^d) is off by one', () => {
    expect(quantise(2.5, 0)).toBe(3);
    expect(quantise(0.5, 0)).toBe(1);
    expect(quantise(2.7, 0)).toBe(3);
    expect(quantise(1.0000005, 6)).toBe(1_000_001);
    expect(quantise(8824165.250994, 9)).toBe(8_824_165_250_994_000);
    // 791810407.1947654 at 6 decimals: the 7th decimal is 4, so it rounds down; the double product rounds up.
    const past48 = 791810407.1947654;
    expect(past48 * 1e6).toBeGreaterThan(2 ** 48);
    expect(Math.round(past48 * 1e6)).not.toBe(791_810_407_194_765);
    expect(quantise(past48, 6)).toBe(791_810_407_194_765);
    expect(BigInt(quantise(past48, 6))).toBe(halfUpUnitsOfDecimal(String(past48), 6));
    // A half past 2^48: 300000000123456.5 units rounds up.
    expect(quantise(300000000.1234565, 6)).toBe(300_000_000_123_457);
  });

  it('takes units up to 2^53 − 1 and no further', () => {
    expect(quantise(Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(quantise(2 ** 53, 0)).toBeNaN();
    expect(quantise(900719925474.0991, 4)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('parseUnits refuses a text with more decimals than d that are not zeros, rather than scaling it', () => {
    expect(parseUnits('1.2345', 2)).toBeNaN();
    expect(parseUnits('1.2300', 2)).toBe(123);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.integer({ min: 1, max: 9 }),
        (d, units, digit) => {
          // The d decimals of `units`, then one more that is not zero: not a price at d decimals.
          const whole = Math.floor(units / 10 ** d);
          const decimals = String(units % 10 ** d).padStart(d, '0');
          expect(parseUnits(`${whole}.${d > 0 ? decimals : ''}${digit}`, d)).toBeNaN();
          expect(parseUnits(`${whole}${d > 0 ? `.${decimals}` : ''}`, d)).toBe(units);
        },
      ),
      { numRuns: 500 },
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

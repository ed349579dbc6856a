import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTick } from '../../src/domain/validate-tick.js';
import { REJECT_CODES } from '../oracles.js';

const NOW = Date.UTC(2024, 5, 1);

function checkTotal(input: unknown): void {
  const r = validateTick(input, { now: NOW });
  if (r.ok) {
    expect(r.tick.symbol).toMatch(/^[A-Z0-9.^=-]{1,16}$/);
    expect(Number.isSafeInteger(r.tick.units) && r.tick.units >= 1).toBe(true);
    expect(Number.isSafeInteger(r.tick.volume) && r.tick.volume >= 0).toBe(true);
  } else {
    expect(REJECT_CODES.has(r.code)).toBe(true);
    expect(r.message.length).toBeGreaterThan(10);
  }
}

const tickLike = fc.record(
  {
    symbol: fc.oneof(fc.string(), fc.constantFrom('AAPL', 'brk-b', '^GSPC', 'EURUSD=X'), fc.anything()),
    timestamp: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.anything(),
    ),
    price: fc.oneof(fc.double(), fc.integer(), fc.string(), fc.anything()),
    volume: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.anything()),
    source: fc.oneof(fc.string(), fc.anything()),
  },
  { requiredKeys: [] },
);

describe('validateTick (property)', () => {
  it('never throws and always answers with a tick or a coded, readable rejection, for any value', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
        (v) => checkTotal(v),
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws for any string, any JSON text of a tick-like object, or any bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => checkTotal(s)),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(tickLike, (o) => checkTotal(JSON.stringify(o) ?? 'undefined')),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(tickLike, (o) => checkTotal(o)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => checkTotal(b)),
      { numRuns: 1000 },
    );
  });

  it('rejects symbols with /, .., a misplaced =, spaces, quotes or control characters', () => {
    const hostile = fc.tuple(
      fc.stringMatching(/^[A-Z]{1,5}$/),
      fc.constantFrom('/', '..', ' ', "'", '"', '\n', '\u0000', '\t', '\\', '%', ';', '*', '=='),
      fc.stringMatching(/^[A-Z]{0,5}$/),
    );
    fc.assert(
      fc.property(hostile, ([a, bad, b]) => {
        const r = validateTick({ symbol: `${a}${bad}${b}`, timestamp: 0, price: 1, volume: 0 }, { now: NOW });
        expect(r.ok ? 'accepted' : r.code).toBe('BAD_SYMBOL');
      }),
      { numRuns: 1000 },
    );
    for (const symbol of [
      '=X',
      'A=',
      'A=B=C',
      '^',
      'A^B',
      '.A',
      'A.',
      'A-',
      '../A',
      'A/B',
      'ſ',
      'AAPL\u200b',
      'ＡＡＰＬ',
      'A'.repeat(17),
    ]) {
      const r = validateTick({ symbol, timestamp: 0, price: 1, volume: 0 }, { now: NOW });
      expect(r.ok ? `accepted ${symbol}` : r.code).toBe('BAD_SYMBOL');
    }
  });

  it('accepts the Yahoo symbol forms and upper-cases them', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\^?[a-zA-Z0-9]{1,4}([.-][a-zA-Z0-9]{1,3})?(=[a-zA-Z]{1,2})?$/), (symbol) => {
        const r = validateTick({ symbol, timestamp: 0, price: 1, volume: 0 }, { now: NOW });
        expect(r.ok && r.tick.symbol).toBe(symbol.toUpperCase());
      }),
      { numRuns: 500 },
    );
  });
});

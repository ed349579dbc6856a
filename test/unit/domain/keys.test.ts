import { describe, expect, it } from 'vitest';
import { lakeLine, rawKey, resultKey } from '../../../src/domain/lake-layout.js';
import { parseTickKeys, symbolKey, tickKey } from '../../../src/domain/store-layout.js';
import { checkSymbol } from '../../../src/domain/symbol.js';

// The symbol reaches lake paths and store keys: every function that builds one checks it,
// so a library caller gets a RangeError, not a key outside its place.
const HOSTILE = ['../etc', 'A/B', 'AAPL#TICK#1', 'aapl', '', 'A"B', 'ＡＡＰＬ', 'A'.repeat(17), "A'; DROP TABLE ticks; --"];
const P = { year: 2024, month: 1, day: 2 };

describe('storage keys from symbols', () => {
  it('checkSymbol passes valid upper-case symbols through and refuses everything else', () => {
    for (const s of ['AAPL', 'BRK-B', '^GSPC', 'EURUSD=X', '0700.HK']) expect(checkSymbol(s)).toBe(s);
    for (const s of HOSTILE) expect(() => checkSymbol(s)).toThrow(RangeError);
  });

  it('rawKey and symbolKey refuse a symbol that is not valid and upper case', () => {
    expect(rawKey('BRK-B', P, 'b1')).toBe('raw/symbol=BRK-B/year=2024/month=01/day=02/b1.ndjson.gz');
    expect(symbolKey('BRK-B')).toBe('SYMBOL#BRK-B');
    for (const s of HOSTILE) {
      expect(() => rawKey(s, P, 'b1')).toThrow(/^not a valid symbol: /);
      expect(() => symbolKey(s)).toThrow(/^not a valid symbol: /);
    }
  });

  it('parseTickKeys reads only keys a store writes: a stream record with another pk is not a tick', () => {
    expect(parseTickKeys('SYMBOL#AAPL', tickKey(1704205800000))).toEqual({ symbol: 'AAPL', timestamp: 1704205800000 });
    for (const s of HOSTILE) expect(parseTickKeys(`SYMBOL#${s}`, tickKey(1704205800000))).toBeUndefined();
  });

  it('resultKey takes only the names of the queries', () => {
    expect(resultKey('volatility', 'q-1')).toBe('results/volatility/q-1.csv');
    for (const q of ['../raw', 'volatility/../../x', '']) expect(() => resultKey(q, 'q-1')).toThrow(RangeError);
  });

  it("lakeLine writes a caller's strings as JSON strings", () => {
    const tick = {
      symbol: 'A","volume":1e300,"x":"',
      timestamp: 1,
      price: 1,
      units: 1_000_000,
      volume: 2,
      source: 's"',
      ingestedAt: 3,
      sequence: '4',
      partition: P,
    };
    expect(JSON.parse(lakeLine(tick, 6))).toEqual({
      symbol: tick.symbol,
      timestamp: 1,
      price: 1,
      volume: 2,
      source: 's"',
      ingested_at: 3,
      sequence: '4',
    });
  });
});

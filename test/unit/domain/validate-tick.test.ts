import { describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES, validateTick } from '../../../src/domain/validate-tick.js';

const NOW = Date.UTC(2024, 0, 3);
const ok = { symbol: 'aapl', timestamp: '2024-01-02T14:30:00Z', price: 187.43, volume: 100 };
const codeOf = (raw: unknown, priceDecimals?: number) => {
  const r = validateTick(raw, { now: NOW, priceDecimals });
  return r.ok ? 'OK' : r.code;
};

describe('validateTick', () => {
  it('accepts JSON text, bytes and objects, upper-cases the symbol and quantises the price', () => {
    const expected = { symbol: 'AAPL', timestamp: Date.UTC(2024, 0, 2, 14, 30), price: 187.43, units: 187_430_000, volume: 100 };
    expect(validateTick(JSON.stringify(ok), { now: NOW })).toEqual({ ok: true, tick: expected });
    expect(validateTick(new TextEncoder().encode(JSON.stringify(ok)), { now: NOW })).toEqual({ ok: true, tick: expected });
    expect(validateTick(ok, { now: NOW })).toEqual({ ok: true, tick: expected });
  });

  it('quantises to priceDecimals: Yahoo float32 closes survive 6 decimals unchanged', () => {
    const r = validateTick({ ...ok, price: 187.429993 }, { now: NOW });
    expect(r.ok && [r.tick.units, r.tick.price]).toEqual([187_429_993, 187.429993]);
    const r2 = validateTick({ ...ok, price: 187.429993 }, { now: NOW, priceDecimals: 2 });
    expect(r2.ok && [r2.tick.units, r2.tick.price]).toEqual([18_743, 187.43]);
  });

  it('accepts epoch ms as a number or digit string, and ISO with an offset', () => {
    for (const timestamp of [
      1704205800000,
      '1704205800000',
      '2024-01-02T09:30:00-05:00',
      '2024-01-02 14:30:00Z',
      '2024-01-02T14:30:00.000+00:00',
    ]) {
      const r = validateTick({ ...ok, timestamp }, { now: NOW });
      expect(r.ok && r.tick.timestamp).toBe(1704205800000);
    }
  });

  it('rejects, never throws for, a record whose fields throw when read (a getter, a Proxy, a revoked Proxy)', () => {
    const getter = Object.defineProperty({ timestamp: 1, price: 1, volume: 1 }, 'symbol', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const trap = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const [record, message] of [
      [getter, "record's fields cannot be read: boom"],
      [trap, "record's fields cannot be read: trap"],
      [revoked.proxy, /^record's fields cannot be read: /],
    ] as const) {
      const r = validateTick(record, { now: NOW });
      expect(r).toMatchObject({ ok: false, code: 'NOT_AN_OBJECT' });
      expect((r as { message: string }).message).toMatch(message);
    }
  });

  it('throws a RangeError for options no record could be right under: no now, a defaultSource no record may carry', () => {
    const record = { symbol: 'AAPL', timestamp: 1, price: 1, volume: 1 };
    expect(() => validateTick(record, undefined as never)).toThrow(/needs options.now/);
    expect(() => validateTick(record, { now: Number.NaN })).toThrow(/needs options.now/);
    expect(() => validateTick(record, { now: 'abc' as never })).toThrow(/got abc/);
    expect(() => validateTick(record, { now: NOW, defaultSource: 'has space' })).toThrow(/^defaultSource must be .* got "has space"$/);
    for (const priceDecimals of [42, -1, 1.5, Number.NaN, '6' as never]) {
      expect(() => validateTick(record, { now: NOW, priceDecimals })).toThrow(RangeError);
      expect(() => validateTick(JSON.stringify(record), { now: NOW, priceDecimals })).toThrow(/priceDecimals/);
    }
    expect(validateTick(record, { now: NOW, defaultSource: 'feed:1' })).toMatchObject({ ok: true, tick: { source: 'feed:1' } });
  });

  it('gives each kind of bad record its stable code', () => {
    expect(codeOf('{"symbol":')).toBe('INVALID_JSON');
    expect(codeOf(new Uint8Array([0xff, 0xfe]))).toBe('INVALID_JSON');
    expect(codeOf('[1,2]')).toBe('NOT_AN_OBJECT');
    expect(codeOf('42')).toBe('NOT_AN_OBJECT');
    expect(codeOf(null)).toBe('NOT_AN_OBJECT');
    expect(codeOf(JSON.stringify({ ...ok, pad: 'x'.repeat(MAX_RECORD_BYTES) }))).toBe('TOO_LARGE');
    expect(codeOf({ ...ok, symbol: 'A B' })).toBe('BAD_SYMBOL');
    expect(codeOf({ ...ok, price: 0 })).toBe('BAD_PRICE');
    expect(codeOf({ ...ok, price: -1 })).toBe('BAD_PRICE');
    expect(codeOf({ ...ok, price: '187.43' })).toBe('BAD_PRICE');
    expect(codeOf({ ...ok, price: Number.NaN })).toBe('BAD_PRICE');
    expect(codeOf({ ...ok, price: 0.0000004 })).toBe('BAD_PRICE');
    expect(codeOf({ ...ok, price: 1e10 })).toBe('BAD_PRICE');
    expect(codeOf({ ...ok, volume: 1.5 })).toBe('BAD_VOLUME');
    expect(codeOf({ ...ok, volume: -1 })).toBe('BAD_VOLUME');
    expect(codeOf({ ...ok, volume: undefined })).toBe('BAD_VOLUME');
    expect(codeOf({ ...ok, timestamp: '2024-02-30T00:00:00Z' })).toBe('BAD_TIMESTAMP');
    expect(codeOf({ ...ok, timestamp: 'yesterday' })).toBe('BAD_TIMESTAMP');
    expect(codeOf({ ...ok, timestamp: -1 })).toBe('BAD_TIMESTAMP');
    expect(codeOf({ ...ok, timestamp: NOW + 86_400_001 })).toBe('BAD_TIMESTAMP');
    expect(codeOf({ ...ok, timestamp: 1.5 })).toBe('BAD_TIMESTAMP');
    expect(codeOf({ ...ok, source: 'a b' })).toBe('BAD_SOURCE');
  });

  it('accepts a timestamp up to exactly now + 1 day, and refuses one a millisecond later', () => {
    const r = validateTick({ ...ok, timestamp: NOW + 86_400_000 }, { now: NOW });
    expect(r.ok && r.tick.timestamp).toBe(NOW + 86_400_000);
    expect(codeOf({ ...ok, timestamp: NOW + 86_400_000 + 1 })).toBe('BAD_TIMESTAMP');
  });

  it('measures JSON text in UTF-8 bytes, not characters: multi-byte text under the limit in length but over it in bytes is TOO_LARGE', () => {
    // '€' is 3 bytes in UTF-8: 25,000 of them are 75,000 bytes in a string of about 25,000 characters.
    const euros = JSON.stringify({ ...ok, pad: '€'.repeat(25_000) });
    expect(euros.length).toBeLessThan(MAX_RECORD_BYTES);
    expect(Buffer.byteLength(euros, 'utf8')).toBeGreaterThan(MAX_RECORD_BYTES);
    expect(codeOf(euros)).toBe('TOO_LARGE');
    // At the limit exactly: accepted; one byte more: refused.
    const text = (bytes: number) => {
      const head = JSON.stringify({ ...ok, pad: '' }).length; // ASCII: one byte a character
      const room = bytes - head;
      return JSON.stringify({ ...ok, pad: `${'€'.repeat(Math.floor(room / 3))}${'x'.repeat(room % 3)}` });
    };
    expect(Buffer.byteLength(text(MAX_RECORD_BYTES), 'utf8')).toBe(MAX_RECORD_BYTES);
    expect(codeOf(text(MAX_RECORD_BYTES))).toBe('OK');
    expect(Buffer.byteLength(text(MAX_RECORD_BYTES + 1), 'utf8')).toBe(MAX_RECORD_BYTES + 1);
    expect(codeOf(text(MAX_RECORD_BYTES + 1))).toBe('TOO_LARGE');
  });

  it('names the field and shows the bad value in the message, control characters escaped', () => {
    const r = validateTick({ ...ok, symbol: 'A\nB' }, { now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe('symbol must be 1–16 of A–Z 0–9 . - ^ = (e.g. AAPL, BRK-B, ^GSPC, EURUSD=X), got "A\\nB"');
  });
});

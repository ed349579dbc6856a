/** Arbitraries for the flow-level properties: interleaved multi-symbol raw records with noise. */
import fc from 'fast-check';

export const T0 = Date.UTC(2024, 0, 2, 14, 30);
/** A clock time after every generated tick, so none is "in the future". */
export const NOW = T0 + 365 * 86_400_000; // ticks span at most ~125 days

const SYMBOLS = ['AAPL', 'MSFT', 'BRK-B', '^GSPC', 'EURUSD=X'];

/** One symbol's clean ticks: a random walk in cents at increasing timestamps. */
const seriesArb = (symbol: string) =>
  fc
    .tuple(
      fc.integer({ min: 100, max: 50_000 }),
      fc.array(fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: 1, max: 90_000_000 }), fc.integer({ min: 0, max: 5000 })), {
        minLength: 0,
        maxLength: 120,
        size: 'max',
      }),
    )
    .map(([start, steps]) => {
      let cents = start;
      let ts = T0;
      return steps.map(([step, gap, volume]) => {
        cents = Math.max(1, cents + step);
        ts += gap; // gaps up to a day: ticks cross UTC days
        return { symbol, timestamp: ts, price: cents / 100, volume };
      });
    });

/** A malformed record of some kind. */
export const badRecordArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant('{"symbol":"AAPL","timestamp":'),
  fc.constant('[1,2]'),
  fc.record({
    symbol: fc.constantFrom('../x', "A'; DROP", 'ＡＡＰＬ', ''),
    timestamp: fc.constant(T0),
    price: fc.constant(1),
    volume: fc.constant(1),
  }),
  fc.record({ symbol: fc.constant('AAPL'), timestamp: fc.constant(T0), price: fc.constantFrom(-1, 0, 'x'), volume: fc.constant(1) }),
  fc.record({ symbol: fc.constant('AAPL'), timestamp: fc.constantFrom('soon', -5), price: fc.constant(1), volume: fc.constant(1) }),
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
);

/**
 * A market: 1–4 symbols' ticks interleaved at random (per-symbol order kept), with exact
 * repeats (at-least-once producers), late ticks and malformed records mixed in.
 */
export const marketArb: fc.Arbitrary<unknown[]> = fc
  .subarray(SYMBOLS, { minLength: 1, maxLength: 4 })
  .chain((symbols) => fc.tuple(...symbols.map(seriesArb)))
  .chain((series) =>
    fc.tuple(
      fc.constant(series),
      fc.array(fc.nat({ max: series.length - 1 }), { minLength: series.flat().length, maxLength: series.flat().length }),
      fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant('dup'), fc.constant('late'), badRecordArb)), { maxLength: 30, size: 'max' }),
    ),
  )
  .map(([series, picks, noise]) => {
    const cursors = series.map(() => 0);
    const out: unknown[] = [];
    for (const p of picks) {
      // Take the next tick of the picked symbol, or of the next symbol with ticks left.
      for (let k = 0; k < series.length; k++) {
        const s = (p + k) % series.length;
        const list = series[s] as { symbol: string; timestamp: number; price: number; volume: number }[];
        if ((cursors[s] as number) < list.length) {
          out.push(list[cursors[s] as number]);
          cursors[s] = (cursors[s] as number) + 1;
          break;
        }
      }
    }
    for (const [at, kind] of noise) {
      const i = out.length === 0 ? 0 : at % out.length;
      const anchor = out[i] as { symbol?: string; timestamp?: number } | undefined;
      if (kind === 'dup' && anchor && typeof anchor === 'object') out.splice(i + 1, 0, anchor);
      else if (kind === 'late' && anchor && typeof anchor === 'object' && typeof anchor.timestamp === 'number') {
        out.splice(i + 1, 0, { ...anchor, timestamp: anchor.timestamp - 1, price: 1.23 });
      } else if (kind !== 'dup' && kind !== 'late') out.splice(i, 0, kind);
    }
    return out;
  });

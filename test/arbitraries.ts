/** Shared fast-check arbitraries for the domain's properties (STYLE.md: one file). */
import fc from 'fast-check';

const TOP = Number.MAX_SAFE_INTEGER;

/** Price units: tiny ranges (many equal sums), realistic ones, and the top of the range. */
export const unitsArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 12 }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 500_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: TOP - 1000, max: TOP }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: TOP }) },
);

/** A price path as a random walk in units (crossings happen often), clamped to [1, 2^53 − 1]. */
export const walkArb = (maxLength = 300): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      unitsArb,
      fc.array(fc.integer({ min: -3, max: 3 }), { maxLength, size: 'max' }),
      fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1_000_000 })),
    )
    .map(([start, steps, scale]) => {
      const out = [start];
      let u = start;
      for (const step of steps) {
        u = Math.min(TOP, Math.max(1, u + step * scale));
        out.push(u);
      }
      return out;
    });

/**
 * Walks with tiny steps near 2^53 / k: the sums sit around 2^53 (the BigInt fallback) or the
 * products L·ΣS and S·ΣL pass 2^53 while the sums do not, where rounded products tie and
 * exact ones differ.
 */
export const topWalkArb = (maxLength = 300): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 200 }),
      fc.array(fc.integer({ min: -2, max: 2 }), { maxLength, size: 'max' }),
    )
    .map(([k, below, steps]) => {
      const start = Math.max(1, Math.floor(TOP / k) - below);
      const out = [start];
      let u = start;
      for (const step of steps) {
        u = Math.min(TOP, Math.max(1, u + step));
        out.push(u);
      }
      return out;
    });

/** Any mix of walks and independent values, so both smooth and jumpy series are tried. */
export const seriesArb = (maxLength = 300): fc.Arbitrary<number[]> =>
  fc.oneof(walkArb(maxLength), topWalkArb(maxLength), fc.array(unitsArb, { minLength: 0, maxLength, size: 'max' }));

/** SMA periods with 1 ≤ short < long. */
export const periodsArb: fc.Arbitrary<{ short: number; long: number }> = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 25 }))
  .map(([short, extra]) => ({ short, long: short + extra }));

/** Ticks with strictly increasing timestamps built from a series of units. */
export function ticksOf(units: readonly number[], start = 1_700_000_000_000, step = 1000): { timestamp: number; units: number }[] {
  return units.map((u, i) => ({ timestamp: start + i * step, units: u }));
}

/**
 * Injects duplicates (same timestamp, any price) and late ticks (an earlier timestamp) at
 * random positions after the first tick.
 */
export function withNoiseArb(ticks: { timestamp: number; units: number }[]): fc.Arbitrary<{ timestamp: number; units: number }[]> {
  if (ticks.length === 0) return fc.constant(ticks);
  return fc
    .array(fc.tuple(fc.nat({ max: ticks.length - 1 }), fc.nat({ max: ticks.length - 1 }), unitsArb, fc.boolean()), {
      maxLength: 40,
      size: 'max',
    })
    .map((injections) => {
      const out = [...ticks];
      // Insert from the back so earlier indices stay valid.
      for (const [at, from, units, late] of injections.sort((a, b) => b[0] - a[0])) {
        const anchor = ticks[Math.min(at, ticks.length - 1)] as { timestamp: number };
        const older = ticks[Math.min(from, at)] as { timestamp: number };
        const timestamp = late ? older.timestamp - 1 : anchor.timestamp;
        out.splice(at + 1, 0, { timestamp, units });
      }
      return out;
    });
}

/** Decimal text with at most `decimals` decimals and at most 15 significant digits. */
export const decimalTextArb = (decimals: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: decimals }), fc.bigInt({ min: 1n, max: 10n ** 15n - 1n }))
    .map(([digits, fracDigits, n]) => {
      const mantissa = (n % 10n ** BigInt(digits)).toString();
      const m = mantissa === '0' ? '1' : mantissa;
      if (fracDigits === 0) return m;
      const padded = m.padStart(fracDigits + 1, '0');
      return `${padded.slice(0, padded.length - fracDigits)}.${padded.slice(padded.length - fracDigits)}`;
    });

/**
 * Decimal text with 1–4 decimals more than `decimals`, so quantising must round: the digits
 * past `decimals` lean towards the half (5, 50, 49…, 51…) where half-up and other roundings
 * part, and the whole part reaches past 2^48 units, where quantise leaves its fast path.
 */
export const overPreciseDecimalTextArb = (decimals: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.oneof(fc.bigInt({ min: 0n, max: 999n }), fc.bigInt({ min: 0n, max: 10n ** 15n - 1n })),
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: decimals, maxLength: decimals }),
      fc.oneof(
        fc.constantFrom('5', '50', '500', '5000', '49', '499', '4999', '51', '501', '5001', '4', '6', '1', '9'),
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 }),
      ),
    )
    .map(([whole, kept, past]) => `${whole}.${kept}${past}`);

/** One tick as it arrives at the lake: the order of a `LakeMarket`'s list is arrival order. */
export interface LakeArrival {
  symbol: string;
  timestamp: number;
  units: number;
  volume: number;
}

/** What a lake holds: arrivals cut into batches, some batches written twice, and how sequence numbers look. */
export interface LakeMarket {
  arrivals: LakeArrival[];
  /** Batches as [from, to) ranges of `arrivals`; ranges may repeat (a shard read again from an older position). */
  batches: [number, number][];
  /** How the stream numbers arrivals: its sequence numbers compare as decimals, not as text. */
  sequence: (index: number) => string;
}

const LAKE_SYMBOLS = ['AAPL', 'BRK-B', '^GSPC', 'EURUSD=X'];
const DAY_MS = 86_400_000;

/**
 * A market as a data lake sees it: 1–3 symbols (with `-`, `^` and `=` in their names), each a
 * series from `seriesArb` (near-flat walks, the top of the price range) with duplicates and
 * late ticks injected, at gaps from a second to hours (so ticks cross UTC days), interleaved;
 * cut into batches, some written again; sequence numbers of varying digit counts.
 */
export const lakeMarketArb = (maxLength = 60): fc.Arbitrary<LakeMarket> =>
  fc
    .subarray(LAKE_SYMBOLS, { minLength: 1, maxLength: 3 })
    .chain((symbols) =>
      fc.tuple(
        ...symbols.map((symbol) =>
          fc
            .tuple(
              seriesArb(maxLength),
              fc.array(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: DAY_MS / 4 })), {
                minLength: maxLength + 1,
                maxLength: maxLength + 1,
              }),
            )
            .chain(([series, gaps]) => {
              let ts = Date.UTC(2024, 0, 2, 22);
              const ticks = series.map((units, i) => {
                ts += gaps[i] ?? 1;
                return { timestamp: ts, units };
              });
              return withNoiseArb(ticks);
            })
            .map((ticks) => ticks.map((t, i) => ({ symbol, timestamp: t.timestamp, units: t.units, volume: (i * 37) % 1000 }))),
        ),
      ),
    )
    .chain((series) => {
      const total = series.reduce((n, s) => n + s.length, 0);
      return fc.record({
        series: fc.constant(series),
        picks: fc.array(fc.nat({ max: series.length - 1 }), { minLength: total, maxLength: total }),
        cuts: fc.array(fc.nat({ max: Math.max(0, total) }), { maxLength: 6 }),
        replays: fc.array(fc.tuple(fc.nat({ max: Math.max(0, total) }), fc.nat({ max: 20 })), { maxLength: 2 }),
        style: fc.constantFrom('plain', 'padded', 'kinesis'),
        base: fc.constantFrom(0, 7, 95, 996),
      });
    })
    .map(({ series, picks, cuts, replays, style, base }) => {
      const cursors = series.map(() => 0);
      const arrivals: LakeArrival[] = [];
      for (const p of picks) {
        for (let k = 0; k < series.length; k++) {
          const s = (p + k) % series.length;
          const list = series[s] as LakeArrival[];
          if ((cursors[s] as number) < list.length) {
            arrivals.push(list[cursors[s] as number] as LakeArrival);
            cursors[s] = (cursors[s] as number) + 1;
            break;
          }
        }
      }
      const bounds = [...new Set([0, ...cuts.filter((c) => c < arrivals.length), arrivals.length])].sort((a, b) => a - b);
      const batches: [number, number][] = [];
      for (let i = 0; i + 1 < bounds.length; i++) batches.push([bounds[i] as number, bounds[i + 1] as number]);
      for (const [from, length] of replays) if (from < arrivals.length) batches.push([from, Math.min(arrivals.length, from + length + 1)]);
      const sequence = (i: number) =>
        style === 'plain'
          ? String(base + i)
          : style === 'padded'
            ? String(base + i).padStart(20, '0')
            : `49590338271490256608559692538361571095921575989136${String(base + i).padStart(6, '0')}`;
      return { arrivals, batches, sequence };
    });
/** A drawn series as `SeriesDownsampler` receives it: prices with ties, volumes, some points pinned. */
export const chartPointsArb = (maxLength = 400): fc.Arbitrary<{ price: number; volume: number; pin: boolean }[]> =>
  fc.array(
    fc.record({
      price: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.01, max: 1000, noNaN: true })),
      volume: fc.integer({ min: 0, max: 10_000 }),
      pin: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
    { maxLength },
  );

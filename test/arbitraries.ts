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

/**
 * Naive oracles the property tests hold the domain against: slow, literal, BigInt-exact,
 * and written without reference to the code under test.
 */

import type { RejectCode } from '../src/ports/model.js';

/**
 * Every code a rejection may carry, written out here (not read from the code under test),
 * so a new code must be added on purpose.
 */
export const REJECT_CODES: ReadonlySet<string> = new Set<RejectCode>([
  'INVALID_JSON',
  'NOT_AN_OBJECT',
  'TOO_LARGE',
  'BAD_SYMBOL',
  'BAD_PRICE',
  'BAD_VOLUME',
  'BAD_TIMESTAMP',
  'BAD_SOURCE',
  'BAD_ROW',
]);

const view = new DataView(new ArrayBuffer(8));

function bitsOf(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function fromBits(b: bigint): number {
  view.setBigUint64(0, b);
  return view.getFloat64(0);
}

/** The positive double after / before x (x > 0, finite). */
function nextUp(x: number): number {
  return fromBits(bitsOf(x) + 1n);
}
function nextDown(x: number): number {
  return fromBits(bitsOf(x) - 1n);
}

/** x = mantissa · 2^exponent exactly, for a positive finite double. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const bits = bitsOf(x);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/**
 * The double nearest to num/den (positive), ties to the even mantissa — by comparing the
 * exact distance of neighbouring candidates, not by any clever rounding.
 */
export function nearestDouble(num: bigint, den: bigint): number {
  const guess = Number(num) / Number(den);
  const candidates = [guess];
  for (let i = 0; i < 4; i++) candidates.push(nextUp(candidates[candidates.length - 1] as number));
  let low = guess;
  for (let i = 0; i < 4; i++) {
    low = nextDown(low);
    candidates.push(low);
  }
  // distance(x) = |m·2^e − num/den|; compare |m·den·2^(e+K) − num·2^K| with K making every power whole.
  const parts = candidates.map((x) => ({ x, ...decompose(x) }));
  const minExp = Math.min(...parts.map((p) => p.exponent));
  const K = minExp < 0 ? -minExp : 0;
  const target = num << BigInt(K);
  let best: { x: number; dist: bigint; mantissa: bigint } | undefined;
  for (const p of parts) {
    const lhs = (p.mantissa * den) << BigInt(p.exponent + K);
    const dist = lhs > target ? lhs - target : target - lhs;
    if (best === undefined || dist < best.dist || (dist === best.dist && p.mantissa % 2n === 0n && best.mantissa % 2n !== 0n)) {
      best = { x: p.x, dist, mantissa: p.mantissa };
    }
  }
  return (best as { x: number }).x;
}

/** Exact units of a decimal string (digits, optional point) at d decimals, by BigInt. */
export function exactUnitsOfDecimal(text: string, decimals: number): bigint {
  const [whole = '0', frac = ''] = text.split('.');
  return BigInt(whole + frac.padEnd(decimals, '0'));
}

/**
 * Units of a decimal text (plain, or in exponent form as `String(number)` may write it, e.g.
 * `1e-7`, `1.5e+21`) at d decimals, rounded half up, by BigInt: the exact value is n / 10^s,
 * and half up is floor(value × 10^d + 1/2) = floor((2·n·10^d + 10^s) / (2·10^s)).
 */
export function halfUpUnitsOfDecimal(text: string, decimals: number): bigint {
  const [mantissa = '', exponent = '0'] = text.toLowerCase().split('e');
  const [whole = '0', frac = ''] = mantissa.split('.');
  const n = BigInt(whole + frac);
  // value = n × 10^(exponent − frac.length) = n / 10^s
  const s = frac.length - Number(exponent);
  const scaled = n * 10n ** BigInt(decimals);
  if (s <= 0) return scaled * 10n ** BigInt(-s);
  const den = 10n ** BigInt(s);
  return (2n * scaled + den) / (2n * den);
}

/** One signal the brute-force oracle emits. */
export interface OracleSignal {
  index: number;
  timestamp: number;
  signal: 'GOLDEN_CROSS' | 'DEATH_CROSS';
  smaShort: number;
  smaLong: number;
}

/**
 * Applies the rule of DESIGN.md §3 literally: keep every applied tick, recompute both sums
 * from scratch with BigInt at every tick, take the sign, compare with the last non-zero one.
 */
export function bruteForceSignals(
  ticks: readonly { timestamp: number; units: number }[],
  short: number,
  long: number,
  decimals: number,
): OracleSignal[] {
  const applied: bigint[] = [];
  let lastTs: number | undefined;
  let last = 0;
  const out: OracleSignal[] = [];
  ticks.forEach((t, index) => {
    if (lastTs !== undefined && t.timestamp <= lastTs) return;
    lastTs = t.timestamp;
    applied.push(BigInt(t.units));
    if (applied.length < long) return;
    const sumS = applied.slice(-short).reduce((a, b) => a + b, 0n);
    const sumL = applied.slice(-long).reduce((a, b) => a + b, 0n);
    const diff = BigInt(long) * sumS - BigInt(short) * sumL;
    const s = diff > 0n ? 1 : diff < 0n ? -1 : 0;
    if (s === 0) return;
    if (last !== 0 && s !== last) {
      const scale = 10n ** BigInt(decimals);
      out.push({
        index,
        timestamp: t.timestamp,
        signal: s > 0 ? 'GOLDEN_CROSS' : 'DEATH_CROSS',
        smaShort: nearestDouble(sumS, BigInt(short) * scale),
        smaLong: nearestDouble(sumL, BigInt(long) * scale),
      });
    }
    last = s;
  });
  return out;
}

/** The SMA of the last n units by BigInt sum, divided once (nearest double). */
export function oracleSma(units: readonly number[], n: number, decimals: number): number | undefined {
  if (units.length < n) return undefined;
  const sum = units.slice(-n).reduce((a, u) => a + BigInt(u), 0n);
  return nearestDouble(sum, BigInt(n) * 10n ** BigInt(decimals));
}

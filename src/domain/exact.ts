/**
 * `num / den` rounded once to the nearest double (ties to even), for non-negative BigInts
 * and a positive denominator: the exact path of the SMA when a sum passes 2^53.
 *
 * @example
 * ratioToDouble(10n ** 17n, 3n); // 33333333333333332 (the double nearest 10^17 / 3)
 */
export function ratioToDouble(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  // Scale so the integer quotient has at least 55 significant bits: the 53 kept, the
  // rounding bit, and bit 0 as a sticky bit for a non-zero remainder.
  const shift = Math.max(0, 55 - (bitLength(num) - bitLength(den)));
  const scaled = num << BigInt(shift);
  let q = scaled / den;
  if (scaled % den !== 0n) q |= 1n;
  // Number(bigint) rounds to nearest, ties to even; dividing by 2^shift is exact here.
  return Number(q) / 2 ** shift;
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/**
 * The sign of `a·x − b·y` computed exactly over the integers.
 *
 * @example
 * exactSign(20, 9007199254740991, 5, 36028797018963964); // 0
 */
export function exactSign(a: number, x: number | bigint, b: number, y: number | bigint): -1 | 0 | 1 {
  const d = BigInt(a) * BigInt(x) - BigInt(b) * BigInt(y);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

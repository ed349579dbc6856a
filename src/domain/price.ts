/** Largest price in units: units must stay exact integers in a double. */
export const MAX_UNITS = Number.MAX_SAFE_INTEGER;

/** Default number of decimals a price is quantised to (DESIGN.md §3). */
export const DEFAULT_PRICE_DECIMALS = 6;

// Exact powers of ten as doubles (10^9 < 2^53), so `price * POW10[d]` has one rounding only.
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9] as const;

/**
 * 10^d for a valid `priceDecimals` d (0–9).
 *
 * @example
 * pow10(6); // 1000000
 */
export function pow10(decimals: number): number {
  const p = POW10[decimals];
  if (p === undefined) throw new RangeError(`priceDecimals must be a whole number from 0 to 9, got ${decimals}`);
  return p;
}

/**
 * Checks a `priceDecimals` option and returns it.
 *
 * @example
 * checkPriceDecimals(6); // 6
 */
export function checkPriceDecimals(decimals: number): number {
  // A string such as '6' would index the table of powers too.
  if (typeof decimals !== 'number')
    throw new RangeError(`priceDecimals must be a whole number from 0 to 9, got ${JSON.stringify(decimals)}`);
  pow10(decimals);
  return decimals;
}

// Below 2^48 units the product price × 10^d is within 1/8 of the exact decimal it stands for.
const FAST_LIMIT = 2 ** 48;

/**
 * Quantises a price to integer units of 10^−d (DESIGN.md §3): the decimal the number is
 * written as (its shortest round-trip form, e.g. `187.429993`) rounded once, half up, to d
 * decimals. That is `Math.round(price × 10^d)` wherever the product is exact, and stays
 * exact near 2^53 units where the product is not. Returns NaN unless the result is a whole
 * number of units in [1, 2^53 − 1].
 *
 * @example
 * quantise(187.429993, 6);      // 187429993
 * quantise(8824165.250994, 9);  // 8824165250994000 (Math.round(x * 1e9) is off by one here)
 * quantise(0.0000001, 6);       // NaN (below one unit)
 */
export function quantise(price: number, decimals: number): number {
  const scaled = price * pow10(decimals);
  const units = Math.round(scaled);
  if (units < FAST_LIMIT && Math.abs(scaled - units) < 0.25) return units >= 1 ? units : Number.NaN;
  return quantiseExact(price, decimals);
}

const SHORTEST = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

function quantiseExact(price: number, decimals: number): number {
  if (!(price > 0) || !Number.isFinite(price)) return Number.NaN;
  const m = SHORTEST.exec(String(price));
  if (!m) return Number.NaN;
  const digits = `${m[1]}${m[2] ?? ''}`;
  // value = digits × 10^(exp − fractionDigits); we want it × 10^decimals, rounded half up.
  const shift = Number(m[3] ?? '0') - (m[2] ?? '').length + decimals;
  let units: bigint;
  if (shift >= 0) {
    if (shift > 40) return Number.NaN;
    units = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    if (-shift > digits.length + 1) return Number.NaN;
    const divisor = 10n ** BigInt(-shift);
    const n = BigInt(digits);
    units = n / divisor + ((n % divisor) * 2n >= divisor ? 1n : 0n);
  }
  return units >= 1n && units <= BigInt(MAX_UNITS) ? Number(units) : Number.NaN;
}

/**
 * The price a number of units stands for, as the nearest double.
 *
 * @example
 * unitsToPrice(187430000, 6); // 187.43
 */
export function unitsToPrice(units: number, decimals: number): number {
  return units / pow10(decimals);
}

/**
 * The exact decimal text of `units × 10^−d`, e.g. for the lake, DynamoDB numbers and CSV.
 * Exact even where the double `price` would need 16–17 digits.
 *
 * @example
 * formatUnits(187430000, 6); // "187.43"
 * formatUnits(5, 2);         // "0.05"
 */
export function formatUnits(units: number, decimals: number): string {
  const digits = String(units);
  if (decimals === 0) return digits;
  // Split at the decimal point and drop trailing zeros of the fraction, without a regex:
  // this runs once per tick for the lake and the store.
  let end = digits.length;
  const point = digits.length - decimals;
  while (end > point && end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  if (point > 0) return end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  return end <= 0 ? '0' : `0.${'0'.repeat(-point)}${digits.slice(0, end)}`;
}

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a plain decimal text (as `formatUnits` writes it, or a DynamoDB number) into exact
 * units of 10^−d. Returns NaN for anything else, or for more decimals than d that are not zero.
 *
 * @example
 * parseUnits('187.43', 6); // 187430000
 */
export function parseUnits(text: string, decimals: number): number {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return Number.NaN;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > decimals) return Number.NaN;
  const digits = `${m[1]}${frac.padEnd(decimals, '0')}`.replace(/^0+(?=\d)/, '');
  const units = Number(digits);
  return Number.isSafeInteger(units) ? units : Number.NaN;
}

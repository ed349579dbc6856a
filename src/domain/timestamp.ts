/** One day in milliseconds: how far in the future a timestamp may be. */
export const ONE_DAY_MS = 86_400_000;

// YYYY-MM-DD, optionally followed by T or a space, HH:MM[:SS[.fraction]] and Z or ±HH[:]MM.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses an ISO-8601 date or date-time into epoch ms (UTC when no offset is given), or NaN.
 * Strict: impossible dates (`2024-02-30`) and non-ISO forms are refused rather than guessed.
 *
 * @example
 * parseIsoTimestamp('2024-01-02T14:30:00Z');     // 1704205800000
 * parseIsoTimestamp('2024-01-02 09:30:00-05:00'); // 1704205800000
 */
export function parseIsoTimestamp(text: string): number {
  const m = ISO.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (day > daysInMonth(year, month)) return Number.NaN;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let offset = 0;
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return Number.NaN;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not, so build it in two steps.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return date.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const EPOCH_DIGITS = /^\d{1,16}$/;

/**
 * Reads a timestamp given as epoch ms (number or digit string) or ISO-8601 text, or NaN.
 * Numbers must be whole milliseconds.
 *
 * @example
 * readTimestamp(1704205800000);          // 1704205800000
 * readTimestamp('1704205800000');        // 1704205800000
 * readTimestamp('2024-01-02T14:30:00Z'); // 1704205800000
 */
export function readTimestamp(value: unknown): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : Number.NaN;
  if (typeof value !== 'string') return Number.NaN;
  if (EPOCH_DIGITS.test(value)) return Number(value);
  return parseIsoTimestamp(value);
}

/**
 * Formats epoch ms as ISO-8601 UTC.
 *
 * @example
 * isoOf(0); // '1970-01-01T00:00:00.000Z'
 */
export function isoOf(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

/**
 * The UTC day of a timestamp as `YYYY-MM-DD`.
 *
 * @example
 * dayOf(1704205800000); // '2024-01-02'
 */
export function dayOf(timestamp: number): string {
  return isoOf(timestamp).slice(0, 10);
}

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseSymbolList } from '../domain/symbol.js';

/**
 * A mistake in how a command was called: printed as one line, exit code 2.
 *
 * @example
 * throw new UsageError('tickflow replay: --ticks must be a whole number ≥ 1, got "many"');
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The parsed flags of a command. */
export type Flags = Record<string, string | boolean | undefined>;

/**
 * Parses a command's flags strictly: an unknown flag or a missing value is a `UsageError`
 * naming it, never a stack trace.
 *
 * @example
 * parseFlags('replay', ['--ticks', '100'], { ticks: { type: 'string' } }); // { ticks: '100' }
 */
export function parseFlags(
  command: string,
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { flags: values as Flags, positionals };
  } catch (error) {
    const message = (error as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`tickflow ${command}: ${message} (see tickflow ${command} --help)`);
  }
}

/**
 * Reads a whole-number flag within bounds.
 *
 * @example
 * intFlag('replay', 'ticks', '100', { min: 1 }); // 100
 */
export function intFlag(
  command: string,
  name: string,
  value: string | boolean | undefined,
  bounds: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).replace(/_/g, '');
  const n = /^-?\d+$/.test(text) ? Number(text) : /^\d+(\.\d+)?[kKmM]$/.test(text) ? parseScaled(text) : Number.NaN;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `tickflow ${command}: --${name} must be a whole number${bounds.min !== undefined ? ` ≥ ${min}` : ''}${bounds.max !== undefined ? ` and ≤ ${max}` : ''}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function parseScaled(text: string): number {
  const unit = text.slice(-1).toLowerCase();
  return Math.round(Number(text.slice(0, -1)) * (unit === 'k' ? 1e3 : 1e6));
}

/**
 * Reads a fraction flag in [0, 1).
 *
 * @example
 * rateFlag('replay', 'bad-rate', '0.01'); // 0.01
 */
export function rateFlag(command: string, name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new UsageError(`tickflow ${command}: --${name} must be a fraction in [0, 1), got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Reads a `--symbols A,B` flag with the symbol rule of the domain.
 *
 * @example
 * symbolsFlag('replay', 'aapl,msft'); // ['AAPL', 'MSFT']
 */
export function symbolsFlag(command: string, value: string | boolean | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const r = parseSymbolList(String(value));
  if (!r.ok) throw new UsageError(`tickflow ${command}: --symbols: ${r.message}`);
  return r.symbols;
}

/**
 * Reads a duration like `30s`, `5m`, `1h` or plain milliseconds.
 *
 * @example
 * durationFlag('produce', 'interval', '30s'); // 30000
 */
export function durationFlag(command: string, name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(value));
  if (!m) throw new UsageError(`tickflow ${command}: --${name} must be a duration like 500ms, 30s, 5m or 1h, got ${JSON.stringify(value)}`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * scale);
}

/**
 * Reads a `YYYY-MM-DD` date flag.
 *
 * @example
 * dateFlag('query', 'from', '2024-01-02'); // '2024-01-02'
 */
export function dateFlag(command: string, name: string, value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = d ? new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]))) : undefined;
  if (!date || date.toISOString().slice(0, 10) !== text)
    throw new UsageError(`tickflow ${command}: --${name} must be a date YYYY-MM-DD, got ${JSON.stringify(text)}`);
  return text;
}

/**
 * Formats a count with thousands separators.
 *
 * @example
 * count(12345); // '12,345'
 */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

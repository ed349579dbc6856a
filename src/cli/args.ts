import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { claimLakeDecimals, folderLakeProblem, lakeDecimals, prepareFolderLake } from '../adapters/local/folder-lake.js';
import { DEFAULT_PRICE_DECIMALS } from '../domain/price.js';
import { MAX_PERIOD } from '../domain/sma-window.js';
import { parseSymbolList } from '../domain/symbol.js';
import { DEFAULT_LONG, DEFAULT_SHORT } from '../domain/trend-tracker.js';

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
 * Parses a command's flags strictly: an unknown flag, a missing value or an argument the
 * command does not take is a `UsageError` naming it, never a stack trace. A negative number
 * after a flag that takes a value is that flag's value (`--ticks -1`), so the flag's own
 * check says what is wrong with it.
 *
 * @example
 * parseFlags('replay', ['--ticks', '100'], { ticks: { type: 'string' } }); // { ticks: '100' }
 */
export function parseFlags(
  command: string,
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
  accepts: { positionals?: boolean } = {},
): { flags: Flags; positionals: string[] } {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  let parsed: { values: Flags; positionals: string[]; tokens: { kind: string; name?: string }[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true }) as typeof parsed;
  } catch (error) {
    const message = (error as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/^Option '(--[\w-]+)' argument is ambiguous\..*$/s, '$1 takes a value; for one that starts with a dash, write $1=-…')
      .replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`tickflow ${command}: ${message} (see tickflow ${command} --help)`);
  }
  // The last of two would win silently (`--file a.csv --file b.csv` reads only b.csv).
  const named = parsed.tokens.flatMap((t) => (t.kind === 'option' && t.name !== undefined ? [t.name] : []));
  const twice = named.find((name, i) => named.indexOf(name) !== i);
  if (twice !== undefined)
    throw new UsageError(`tickflow ${command}: --${twice} is given twice; give it once (see tickflow ${command} --help)`);
  const [stray] = parsed.positionals;
  if (!accepts.positionals && stray !== undefined) {
    throw new UsageError(`tickflow ${command}: unexpected argument ${JSON.stringify(stray)} (see tickflow ${command} --help)`);
  }
  return { flags: parsed.values, positionals: parsed.positionals };
}

/**
 * Reads the `--short N --long N` SMA periods (default 5 and 20): whole numbers with
 * 1 ≤ short < long ≤ the longest period a tracker takes.
 *
 * @example
 * periodFlags('replay', { short: '3', long: '10' }); // { short: 3, long: 10 }
 */
export function periodFlags(command: string, flags: Flags): { short: number; long: number } {
  const short = intFlag(command, 'short', flags.short, { min: 1, max: MAX_PERIOD - 1 }) ?? DEFAULT_SHORT;
  const long = intFlag(command, 'long', flags.long, { min: 2, max: MAX_PERIOD }) ?? DEFAULT_LONG;
  if (short >= long) throw new UsageError(`tickflow ${command}: --short (${short}) must be less than --long (${long})`);
  return { short, long };
}

/**
 * Reads `--decimals D`: the price decimals, 0–9 (default 6), as every command that reads or
 * writes a lake takes them.
 *
 * @example
 * decimalsFlag('query', { decimals: '8' }); // 8
 */
export function decimalsFlag(command: string, flags: Flags): number {
  return intFlag(command, 'decimals', flags.decimals, { min: 0, max: 9 }) ?? DEFAULT_PRICE_DECIMALS;
}

/**
 * Reads a `--lake DIR` flag (or the default): a folder, or a path with nothing there yet;
 * a file is a `UsageError`, not a failure deep in the flow. With `write`, the folder is
 * made and a probe written in it (`prepareFolderLake`), so a lake that cannot be written is
 * a `UsageError` too.
 *
 * @example
 * lakeFlag('replay', flags.lake, '.tickflow/lake', { write: true }); // '.tickflow/lake'
 */
export function lakeFlag(
  command: string,
  value: string | boolean | undefined,
  fallback: string,
  options: { write?: boolean; decimals?: number } = {},
): string {
  const lake = value === undefined ? fallback : String(value);
  if (lake.trim() === '') throw new UsageError(`tickflow ${command}: --lake needs a folder path`);
  const problem = folderLakeProblem(lake);
  if (problem !== undefined) throw new UsageError(`tickflow ${command}: --lake must be a folder, but ${problem}`);
  if (!options.write) return lake;
  const unwritable = prepareFolderLake(lake);
  if (unwritable !== undefined) throw new UsageError(`tickflow ${command}: --lake must be a folder it can write, but ${unwritable}`);
  const { decimals } = options;
  const held = decimals === undefined ? undefined : lakeSetting(command, () => claimLakeDecimals(lake, decimals));
  if (held !== undefined) {
    throw new UsageError(
      `tickflow ${command}: the lake at ${lake} holds prices written with --decimals ${held}; give --decimals ${held}, or another --lake`,
    );
  }
  return lake;
}

/**
 * The price decimals a command reading a lake uses: `--decimals`, else those the lake
 * recorded when it was written (`LAKE_SETTINGS_FILE`), else 6. A `--decimals` other than the
 * lake's is a `UsageError`: prices read at other decimals are rounded or refused.
 *
 * @example
 * readDecimalsFlag('query', {}, '.tickflow/lake'); // 8, for a lake a replay wrote with --decimals 8
 */
export function readDecimalsFlag(command: string, flags: Flags, lake: string): number {
  const given = intFlag(command, 'decimals', flags.decimals, { min: 0, max: 9 });
  const held = lakeSetting(command, () => lakeDecimals(lake));
  if (given !== undefined && held !== undefined && given !== held) {
    throw new UsageError(
      `tickflow ${command}: --decimals ${given}, but the lake at ${lake} holds prices written with ${held}; leave --decimals out`,
    );
  }
  return given ?? held ?? DEFAULT_PRICE_DECIMALS;
}

/** Reads (or records) a lake's settings file; one that does not say the decimals is a `UsageError`. */
function lakeSetting<T>(command: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(`tickflow ${command}: ${(error as Error).message}`);
  }
}

/**
 * Reads a flag naming the HTML report to write (`--report`, `--out`), checked before any
 * work: not a folder, in a folder that exists, and named `.html` or `.htm` — the file is
 * replaced, so a slip such as `--report package.json` must not overwrite something else.
 *
 * @example
 * await outputFileFlag('report', 'out', 'report.html'); // 'report.html'
 */
export async function outputFileFlag(command: string, name: string, value: string | boolean | undefined): Promise<string> {
  const path = String(value);
  if (path.trim() === '') throw new UsageError(`tickflow ${command}: --${name} needs a file path`);
  if (path.endsWith('/') || (await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`tickflow ${command}: --${name} ${path} is a folder; name a file in it, e.g. ${join(path, 'report.html')}`);
  }
  if (!/\.html?$/i.test(path)) {
    throw new UsageError(
      `tickflow ${command}: --${name} ${path}: the report is an HTML file and replaces what is there, so its name must end in .html or .htm, e.g. report.html`,
    );
  }
  const dir = dirname(path);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`tickflow ${command}: --${name} ${path}: there is no folder ${dir} to write it in`);
  }
  return path;
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
  const n = String(value).trim() === '' ? Number.NaN : Number(value);
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
  if (!m) throw new UsageError(`tickflow ${command}: --${name} must be a duration like 30s, 5m or 1h, got ${JSON.stringify(value)}`);
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

/**
 * A count and its noun, plural unless it is one.
 *
 * @example
 * plural(1, 'symbol'); // '1 symbol'
 * plural(1024, 'alert'); // '1,024 alerts'
 */
export function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

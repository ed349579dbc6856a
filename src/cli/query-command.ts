import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { DuckDbAnalyticsEngine } from '../adapters/local/duckdb-analytics-engine.js';
import { DEFAULT_LAKE_DIR } from '../adapters/local/folder-lake.js';
import { localContainer } from '../container/local.js';
import { isQueryName, MAX_MAX_POINTS, MIN_MAX_POINTS } from '../domain/query-params.js';
import {
  ANALYTICS_ENGINE,
  QUERY_NAMES,
  type QueryName,
  type QueryParams,
  type QueryResult,
  type RunOptions,
} from '../ports/analytics-engine.port.js';
import { EmptyLakeError, InvalidQueryError, QueryError } from '../ports/errors.js';
import { count, dateFlag, intFlag, lakeFlag, parseFlags, periodFlags, plural, readDecimalsFlag, symbolsFlag, UsageError } from './args.js';

/** The text of `tickflow query --help`. */
export const QUERY_HELP = `Usage: tickflow query <name> [options]

Runs a named SQL query over the local data lake with DuckDB (the same SQL Athena runs on
AWS) and prints the result and the path of the stored CSV (<lake>/results/<name>/<id>.csv).
Every query counts each tick once: duplicates and late ticks in the lake are skipped.

Queries:
  daily-ohlc             open, high, low, close, volume per symbol and UTC day
  volume-trend           daily volume and its moving averages over --short / --long days
  volatility             std-dev of log returns: tick to tick, daily, and annualised
  crossovers             SMA-short/long golden and death crosses, recomputed in SQL
  series                 applied ticks with both SMAs (for charts; see --max-points)

Options:
  --symbols A,B          symbols (default: every symbol in the lake)
  --from DATE --to DATE  UTC days, YYYY-MM-DD, inclusive (default: all)
  --short N --long N     SMA periods (default 5 and 20): give the replay's
                         (volume-trend, crossovers and series; the others refuse them)
  --decimals D           price decimals of the lake, 0-9 (default: those the lake was
                         written with, else 6)
  --max-points N         series: about N points per symbol (min/max per time bucket);
                         a row's ticks and volume then count the ticks dropped before it
  --lake DIR             data lake folder (default ${DEFAULT_LAKE_DIR})
  --no-cache             read every lake object each time (no <lake>/.cache database)
  --json                 one JSON row per line on stdout; the CSV path goes to stderr
  --csv                  the CSV on stdout; its path goes to stderr
  -h, --help             this help

Examples:
  tickflow query daily-ohlc --symbols AAPL,MSFT
  tickflow query crossovers --from 2024-01-02 --to 2024-01-05 --json
  tickflow query series --symbols AAPL --max-points 500 --csv > aapl.csv
`;

/** The flags only some queries use, with those queries. */
const QUERY_ONLY_FLAGS: Readonly<Record<string, readonly QueryName[]>> = {
  short: ['volume-trend', 'crossovers', 'series'],
  long: ['volume-trend', 'crossovers', 'series'],
  'max-points': ['series'],
};

/**
 * Whether a query has a use for a flag (`short`, `max-points`; flags every query takes are `true`).
 *
 * @example
 * queryTakes('daily-ohlc', 'short'); // false
 */
export function queryTakes(name: QueryName, flag: string): boolean {
  return QUERY_ONLY_FLAGS[flag]?.includes(name) ?? true;
}

/** Most rows the table view prints; the CSV (and --json, --csv) have them all. */
const TABLE_ROWS = 50;

/**
 * `tickflow query`: returns the exit code.
 *
 * @example
 * process.exitCode = await queryCommand(['volatility', '--symbols', 'AAPL']);
 */
export async function queryCommand(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(
    'query',
    argv,
    {
      symbols: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      short: { type: 'string' },
      long: { type: 'string' },
      decimals: { type: 'string' },
      'max-points': { type: 'string' },
      lake: { type: 'string' },
      'no-cache': { type: 'boolean' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    { positionals: true },
  );
  if (flags.help) {
    process.stdout.write(QUERY_HELP);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError(`tickflow query: name a query: ${QUERY_NAMES.join(', ')} (see tickflow query --help)`);
  if (!isQueryName(name)) throw new UsageError(`tickflow query: unknown query ${JSON.stringify(name)}; queries: ${QUERY_NAMES.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`tickflow query: unexpected argument ${JSON.stringify(extra[0])} (see tickflow query --help)`);
  if (flags.json && flags.csv) throw new UsageError('tickflow query: give either --json or --csv, not both');
  // A flag the query has no use for is refused, not ignored (as replay refuses a source's).
  const unused = Object.keys(flags).find((flag) => !queryTakes(name, flag));
  if (unused !== undefined) throw new UsageError(`tickflow query: --${unused} does not apply to ${name} (see tickflow query --help)`);
  // Checked here as flags, so a refusal names the flag (the engine would name the parameter).
  const from = dateFlag('query', 'from', flags.from);
  const to = dateFlag('query', 'to', flags.to);
  if (from !== undefined && to !== undefined && from > to) throw new UsageError(`tickflow query: --from ${from} is after --to ${to}`);
  const params: QueryParams = {
    symbols: symbolsFlag('query', flags.symbols),
    from,
    to,
    ...(queryTakes(name, 'short') ? periodFlags('query', flags) : {}),
    maxPoints: intFlag('query', 'max-points', flags['max-points'], { min: MIN_MAX_POINTS, max: MAX_MAX_POINTS }),
  };
  const lake = lakeFlag('query', flags.lake, DEFAULT_LAKE_DIR);
  const priceDecimals = readDecimalsFlag('query', flags, lake);

  const container = localContainer({ lake, priceDecimals, analyticsCache: flags['no-cache'] ? false : undefined });
  const engine = container.get<DuckDbAnalyticsEngine>(ANALYTICS_ENGINE);
  // Nothing is held but what is shown: --json prints the rows as they are read, --csv copies
  // the CSV, and the table keeps its first rows. A result can be a row per tick.
  // Ctrl-C (or a kill) stops the query and removes its unfinished CSV; a pipe's reader that is
  // gone (`| head`) ends the process at once (bin.ts), and the CSV with it.
  const stop = new AbortController();
  const onSigint = () => stop.abort('SIGINT');
  const onSigterm = () => stop.abort('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const { signal } = stop;
  const options: RunOptions = flags.json
    ? { maxRows: 0, signal, onRows: (rows) => write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''), signal) }
    : { maxRows: flags.csv ? 0 : TABLE_ROWS, signal };
  let result: QueryResult;
  try {
    result = await engine.run(name, params, options);
  } catch (error) {
    if (signal.aborted) {
      process.stderr.write('tickflow query: interrupted; no result was kept\n');
      return signal.reason === 'SIGTERM' ? 143 : 130;
    }
    if (error instanceof InvalidQueryError) throw new UsageError(`tickflow query: ${error.message}`);
    if (error instanceof QueryError) {
      // No lake, or one with no ticks: say how to make one. A damaged object: the message names it.
      const hint = error instanceof EmptyLakeError ? '; run tickflow replay first, or give --lake DIR' : '';
      process.stderr.write(`tickflow query: ${error.message}${hint}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await engine.close();
  }

  if (flags.json) {
    process.stderr.write(`${result.location}\n`);
  } else if (flags.csv) {
    for await (const chunk of createReadStream(result.location)) await write(chunk as Buffer);
    process.stderr.write(`${result.location}\n`);
  } else {
    process.stdout.write(renderTable(result));
  }
  return 0;
}

/** The human view: aligned columns, at most `TABLE_ROWS` rows, then the CSV's path. */
function renderTable(result: QueryResult): string {
  const header = result.columns.map((c) => c.name);
  const shown = result.rows.map((row) => header.map((h) => display(row[h] ?? null)));
  const widths = header.map((h, i) => Math.max(h.length, ...shown.map((r) => (r[i] as string).length)));
  const numeric = result.columns.map((c) => /^(tinyint|smallint|integer|bigint|hugeint|double|real|float|decimal)/.test(c.type));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  let out = `tickflow query ${result.name} — ${plural(result.rowCount, 'row')}\n\n`;
  out += `${line(header)}\n`;
  for (const r of shown) out += `${line(r)}\n`;
  if (result.rowCount > shown.length)
    out += `  … and ${count(result.rowCount - shown.length)} more rows (all in the CSV; --json or --csv print them)\n`;
  return `${out}\nresult: ${result.location}\n`;
}

function display(value: string | number | null): string {
  if (value === null) return '-';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  // Six significant digits after the point are enough to read; the CSV keeps every digit.
  return Math.abs(value) >= 1 ? value.toFixed(6).replace(/\.?0+$/, '') : value.toPrecision(6).replace(/\.?0+$/, '');
}

/** Writes to stdout, waiting while its buffer is full (a slow reader must not make us hold the result), or until `signal`. */
async function write(data: string | Buffer, signal?: AbortSignal): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain', { signal });
}

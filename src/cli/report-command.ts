import { stat } from 'node:fs/promises';
import { SystemClock } from '../adapters/local/clocks.js';
import { DEFAULT_LAKE_DIR } from '../adapters/local/folder-lake.js';
import { writeHtmlReport } from '../adapters/local/html-report.js';
import { localContainer } from '../container/local.js';
import { buildReportFromEngine } from '../domain/usecases/build-report.js';
import { ANALYTICS_ENGINE, type AnalyticsEngine } from '../ports/analytics-engine.port.js';
import { dateFlag, lakeFlag, outputFileFlag, parseFlags, periodFlags, plural, readDecimalsFlag, symbolsFlag, UsageError } from './args.js';

/**
 * The help of `tickflow report`.
 *
 * @example
 * process.stdout.write(REPORT_HELP);
 */
export const REPORT_HELP = `Usage: tickflow report --out FILE.html [options]

Reads the data lake with the analytics engine (DuckDB over the lake's files) and writes a
chart report: one HTML file that opens offline — per symbol the price, SMA-short and
SMA-long, a marker at every Golden Cross / Death Cross, volume bars, and a table of the
alerts. (tickflow replay --report FILE.html makes the same report straight from a replay.)

Options:
  --out FILE.html        where to write the report (required; replaced if it exists,
                         so the name must end in .html or .htm)
  --lake DIR             the data lake folder (default ${DEFAULT_LAKE_DIR})
  --symbols A,B          only these symbols (default: all in the lake)
  --from DATE --to DATE  first and last UTC day, YYYY-MM-DD (default: all)
  --short N              SMA-short period (default 5)
  --long N               SMA-long period (default 20)
  --decimals D           price decimals of the lake, 0-9 (default: those the lake was
                         written with, else 6)
  -h, --help             this help

Example:
  tickflow replay --ticks 100k && tickflow report --out report.html
`;

/**
 * `tickflow report`: returns the exit code. `engine` replaces the container's (tests).
 *
 * @example
 * process.exitCode = await reportCommand(['--lake', '.tickflow/lake', '--out', 'report.html']);
 */
export async function reportCommand(argv: readonly string[], deps: { engine?: AnalyticsEngine } = {}): Promise<number> {
  const { flags } = parseFlags('report', argv, {
    out: { type: 'string' },
    lake: { type: 'string' },
    symbols: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    short: { type: 'string' },
    long: { type: 'string' },
    decimals: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  if (flags.out === undefined) throw new UsageError('tickflow report: --out FILE.html is required (see tickflow report --help)');
  const path = await outputFileFlag('report', 'out', flags.out);
  const { short, long } = periodFlags('report', flags);
  const symbols = symbolsFlag('report', flags.symbols);
  const from = dateFlag('report', 'from', flags.from);
  const to = dateFlag('report', 'to', flags.to);
  const lake = lakeFlag('report', flags.lake, DEFAULT_LAKE_DIR);
  const priceDecimals = readDecimalsFlag('report', flags, lake);

  let engine = deps.engine;
  if (engine === undefined) {
    if (!(await stat(lake).catch(() => undefined))?.isDirectory()) {
      process.stderr.write(`tickflow report: no data lake at ${lake} (tickflow replay writes one; or give --lake DIR)\n`);
      return 1;
    }
    engine = localContainer({ lake, priceDecimals }).get<AnalyticsEngine>(ANALYTICS_ENGINE);
  }

  const describe = [`lake ${lake}`, symbols?.join(', '), from || to ? `${from ?? '…'} to ${to ?? '…'}` : undefined]
    .filter((x) => x !== undefined)
    .join(', ');
  const report = await buildReportFromEngine(engine, {
    symbols,
    from,
    to,
    short,
    long,
    generatedAt: new SystemClock().now(),
    title: 'tickflow report',
    describe,
  });
  let bytes: number;
  try {
    ({ bytes } = await writeHtmlReport(path, report));
  } catch (error) {
    process.stderr.write(`tickflow report: cannot write ${path}: ${(error as Error).message}\n`);
    return 1;
  }
  const points = report.series.reduce((n, s) => n + s.t.length, 0);
  process.stdout.write(
    `Report: ${path} (${(bytes / 1e6).toFixed(1)} MB): ${plural(report.series.length, 'symbol')}, ${plural(points, 'point')} drawn, ${plural(report.alerts.length, 'alert')} — open it in a browser; it needs no network.\n`,
  );
  return 0;
}

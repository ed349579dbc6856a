import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alertJson, alertText } from '../adapters/local/alert-publishers.js';
import { ChartRecorder } from '../adapters/local/chart-recorder.js';
import { SystemClock } from '../adapters/local/clocks.js';
import { DEFAULT_LAKE_DIR } from '../adapters/local/folder-lake.js';
import { writeHtmlReport } from '../adapters/local/html-report.js';
import { JsonLogger } from '../adapters/local/loggers.js';
import { type ReplayResult, replay } from '../container/replay.js';
import { FlowStats } from '../domain/flow-stats.js';
import type { LatestView } from '../domain/latest-aggregate.js';
import { QUERY_NAMES, type QueryName } from '../ports/analytics-engine.port.js';
import { SourceError } from '../ports/errors.js';
import { count, decimalsFlag, lakeFlag, outputFileFlag, parseFlags, periodFlags } from './args.js';
import { Progress } from './progress.js';
import { queryTakes } from './query-command.js';
import { SOURCE_FLAGS, SOURCE_HELP, sourceFromFlags } from './sources.js';

/** The text of `tickflow replay --help`. */
export const REPLAY_HELP = `Usage: tickflow replay [options]

Runs ticks through the whole flow on the embedded local stack — producer, in-memory
stream, ingest (validate, enrich, route), data lake folder, store, change feed, trend
detection (SMA-short/SMA-long crossovers) — with no cloud and no network, and prints a
summary and the alerts. With no options: a seeded simulated market, done in seconds.

${SOURCE_HELP}

Flow:
  --short N              SMA-short period (default 5)
  --long N               SMA-long period (default 20)
  --decimals D           price decimals, 0-9 (default 6)
  --lake DIR             data lake folder (default ${DEFAULT_LAKE_DIR})
  --no-lake              keep no lake (only alerts and counts)
  --lambda-events        deliver through the Lambda handlers, on Kinesis and DynamoDB
                         Streams events built as AWS builds them (slower; the same results)

Output:
  --json                 one JSON alert per line on stdout; the summary goes to stderr
  --report FILE.html     also write a chart report: one HTML file that opens offline
                         (replaced if it exists, so the name must end in .html or .htm)
  --quiet                no progress bar
  -h, --help             this help

Examples:
  tickflow replay
  tickflow replay --symbols AAPL,MSFT --ticks 1M --seed 7 --no-lake
  tickflow replay --file ticks.csv --json > alerts.ndjson
  tickflow replay --report report.html
`;

/**
 * `tickflow replay`: returns the exit code.
 *
 * @example
 * process.exitCode = await replayCommand(['--ticks', '1000', '--no-lake']);
 */
export async function replayCommand(argv: readonly string[]): Promise<number> {
  const { flags } = parseFlags('replay', argv, {
    ...SOURCE_FLAGS,
    short: { type: 'string' },
    long: { type: 'string' },
    decimals: { type: 'string' },
    lake: { type: 'string' },
    'no-lake': { type: 'boolean' },
    'lambda-events': { type: 'boolean' },
    json: { type: 'boolean' },
    report: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  const { short, long } = periodFlags('replay', flags);
  const priceDecimals = decimalsFlag('replay', flags);
  if (flags['no-lake'] && flags.lake !== undefined) return usage('tickflow replay: give either --lake DIR or --no-lake, not both');
  // Every flag is checked before anything is made: the lake folder only once they all pass.
  if (!flags['no-lake']) lakeFlag('replay', flags.lake, DEFAULT_LAKE_DIR);
  // Checked before the run, so a typo in the path does not cost the replay.
  const reportPath = flags.report === undefined ? undefined : await outputFileFlag('replay', 'report', flags.report);
  const clock = new SystemClock();
  const { source, total, describe } = await sourceFromFlags('replay', flags, clock, priceDecimals);
  const lake = flags['no-lake'] ? false : lakeFlag('replay', flags.lake, DEFAULT_LAKE_DIR, { write: true, decimals: priceDecimals });
  const lakeHeldTicks = lake !== false && heldTicks(lake);

  const progress = new Progress(process.stderr, { total, quiet: Boolean(flags.quiet) });
  const recorder = reportPath === undefined ? undefined : new ChartRecorder({ short, long, priceDecimals });
  // Ctrl-C stops reading; what was read goes through the flow (the lake gets whole objects,
  // no temporary files) and the summary says how far it got. A second Ctrl-C stops at once.
  const stop = new AbortController();
  const interrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    progress.done();
    process.stderr.write('tickflow replay: interrupted; finishing the ticks already read (Ctrl-C again to stop at once)\n');
  };
  process.on('SIGINT', interrupt);
  // Counts of its own: a source that fails mid-way (a damaged .gz) throws, after what it read went through.
  const counted = new FlowStats();
  let result: ReplayResult;
  try {
    result = await replay(source, {
      observers: recorder === undefined ? [counted] : [counted, recorder],
      short,
      long,
      priceDecimals,
      lake,
      transport: flags['lambda-events'] ? 'lambda' : 'direct',
      clock,
      // Warnings too, each once: the cause of a failure that repeats on every batch (a lake folder it cannot write).
      logger: new JsonLogger({ level: 'warn', once: true }),
      onProgress: (read) => progress.update(read),
      signal: stop.signal,
    });
  } catch (error) {
    progress.done();
    if (!(error instanceof SourceError) || counted.counts.ticksIn === 0) throw error;
    const c = counted.counts;
    process.stderr.write(
      `tickflow replay: ${error.message}\n  Before it: ${count(c.ticksIn)} ticks in, ${count(c.accepted)} accepted, ${count(c.rejectedTotal)} rejected, ${count(c.alerts.GOLDEN_CROSS + c.alerts.DEATH_CROSS)} alerts, all through the flow${lake === false ? '' : ` and in the lake at ${lake}`}.\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
  }
  progress.done();

  let summary = summarise(result, { describe, lake, lakeHeldTicks, short, long, priceDecimals });
  if (stop.signal.aborted)
    summary += `\n  INTERRUPTED: stopped reading after ${count(result.stats.ticksIn)} ticks; the figures above are of those.\n`;
  let failed = result.stats.undelivered > 0;
  if (recorder !== undefined && reportPath !== undefined) {
    const report = recorder.toReport({ title: 'tickflow replay', describe, generatedAt: clock.now(), counts: result.stats });
    try {
      const { bytes } = await writeHtmlReport(reportPath, report);
      summary += `\n  Report: ${reportPath} (${(bytes / 1e6).toFixed(1)} MB) — open it in a browser; it needs no network.\n`;
    } catch (error) {
      // The replay itself is done (and its lake written): say so, and what went wrong with the file.
      summary += `\n  REPORT NOT WRITTEN: ${reportPath}: ${(error as Error).message}\n`;
      failed = true;
    }
  }
  if (flags.json) {
    process.stdout.write(result.alerts.map((a) => `${alertJson(a)}\n`).join(''));
    process.stderr.write(summary);
  } else {
    process.stdout.write(summary);
    const shown = result.alerts.slice(-10);
    if (shown.length > 0) {
      process.stdout.write(`\nLast ${shown.length} alerts (of ${count(result.alerts.length)}; --json prints them all):\n`);
      for (const a of shown) process.stdout.write(`  ${alertText(a)}\n`);
    }
    if (lake !== false) {
      // The queries must read the lake as it was written: same decimals, same SMA periods (where they take them).
      const flags = (q: QueryName) =>
        [
          `--lake ${shellWord(lake)}`,
          ...(priceDecimals !== 6 ? [`--decimals ${priceDecimals}`] : []),
          ...((short !== 5 || long !== 20) && queryTakes(q, 'short') ? [`--short ${short} --long ${long}`] : []),
        ].join(' ');
      process.stdout.write(
        `\nNext: query the lake with SQL, e.g.\n${QUERY_NAMES.map((q) => `  tickflow query ${q} ${flags(q)}`).join('\n')}\n`,
      );
    }
  }
  return stop.signal.aborted ? 130 : failed ? 1 : 0;
}

/** Whether a lake folder holds ticks already (a `raw/symbol=…` folder). */
function heldTicks(lake: string): boolean {
  try {
    return readdirSync(join(lake, 'raw'), { withFileTypes: true }).some((e) => e.isDirectory() && e.name.startsWith('symbol='));
  } catch {
    return false;
  }
}

/** A path as one shell word: bare when safe, else single-quoted. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function usage(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

/** 1973-03-03 in epoch ms (10^11): an epoch-seconds timestamp of any date from 1973 to 5138 reads as earlier. */
const SECONDS_LOOKALIKE_BEFORE = 1e11;

/**
 * The human summary: counts, then one row per symbol.
 *
 * @example
 * process.stdout.write(summarise(result, { describe: 'csv file ticks.csv', lake: false, short: 5, long: 20 }));
 */
export function summarise(
  result: ReplayResult,
  context: {
    describe: string;
    lake: string | false;
    /** Whether the lake held ticks of an earlier run before this one. */
    lakeHeldTicks?: boolean;
    short: number;
    long: number;
    priceDecimals?: number;
  },
): string {
  const s = result.stats;
  const byCode = Object.entries(s.rejected)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${count(n)}`)
    .join(', ');
  const rows: [string, string, string][] = [
    ['ticks in', count(s.ticksIn), ''],
    ['accepted', count(s.accepted), `applied ${count(s.applied)}, duplicates ${count(s.duplicates)}, late ${count(s.late)}`],
    [
      'rejected',
      count(s.rejectedTotal),
      byCode === '' ? '' : `${byCode} (quarantined${context.lake === false ? ', not kept: --no-lake' : ' in rejected/'})`,
    ],
    [
      'alerts',
      count(s.alerts.GOLDEN_CROSS + s.alerts.DEATH_CROSS),
      `GOLDEN_CROSS ${count(s.alerts.GOLDEN_CROSS)}, DEATH_CROSS ${count(s.alerts.DEATH_CROSS)}`,
    ],
    ['elapsed', `${(s.elapsedMs / 1000).toFixed(2)} s`, `${count(s.ticksPerSecond)} ticks/s`],
    ['lake', context.lake === false ? 'off' : 'on', context.lake === false ? '' : `${context.lake} (raw/ and rejected/, gzip NDJSON)`],
  ];
  if (s.undelivered > 0)
    rows.push([
      'UNDELIVERED',
      count(s.undelivered),
      // A batch fails on its first failed step: the steps before it (the store, the alerts, other symbols' lake objects) were done.
      'records the flow could not process after retries (not counted above; some may be in the store, the alerts and the lake: their batches failed on a later step)',
    ]);
  let out = `tickflow replay — ${context.describe}, SMA ${context.short}/${context.long}\n\n`;
  for (const [label, value, note] of rows) out += `  ${label.padEnd(12)}${value.padStart(12)}  ${note}\n`.replace(/ +\n$/, '\n');
  // Valid (the rule takes 1970 on), but most likely epoch seconds read as milliseconds.
  const seconds = result.latest.filter((l) => l.lastTimestamp < SECONDS_LOOKALIKE_BEFORE);
  if (seconds.length > 0) {
    const day = new Date((seconds[0] as LatestView).lastTimestamp).toISOString().slice(0, 10);
    out += `\n  Note: the last ticks of ${seconds.map((l) => l.symbol).join(', ')} are dated ${day}. Epoch timestamps are read as\n  milliseconds; if these were seconds, multiply them by 1000.\n`;
  }
  if (context.lakeHeldTicks) {
    out += `\n  Note: ${context.lake} already held ticks of an earlier run. A query counts a tick only if it is newer than\n  every earlier arrival of its symbol in the lake, so a tick of this run older than what an earlier run\n  wrote is late there (this run's figures above count this run alone). Give a new --lake to keep runs apart.\n`;
  }
  const samples = s.rejectionSamples.slice(0, 5);
  if (samples.length > 0) {
    const more = s.rejectedTotal - samples.length;
    out += `\n  Rejected records${more > 0 ? ` (first ${samples.length} of ${count(s.rejectedTotal)})` : ''}:\n`;
    for (const line of samples) out += `    ${line}\n`;
  }
  if (result.latest.length > 0) {
    const alertsOf = new Map<string, number>();
    for (const a of result.alerts) alertsOf.set(a.symbol, (alertsOf.get(a.symbol) ?? 0) + 1);
    const fmt = (n: number | undefined, decimals = 4) => {
      const text = n === undefined ? '-' : n.toFixed(decimals);
      return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
    };
    // Prices as exact as the lake keeps them; the averages to 4 decimals.
    const price = (n: number) => fmt(n, context.priceDecimals ?? 6);
    // Wide enough for the longest symbol shown (up to 16 characters) and a gap.
    const width = Math.max(10, ...result.latest.slice(0, 50).map((l) => l.symbol.length + 2));
    out += `\n  ${'symbol'.padEnd(width)}${'last'.padStart(12)}${'day high'.padStart(12)}${'day low'.padStart(12)}${'VWAP'.padStart(12)}${`SMA-${context.short}`.padStart(12)}${`SMA-${context.long}`.padStart(12)}${'alerts'.padStart(8)}\n`;
    for (const l of result.latest.slice(0, 50)) {
      out += `  ${l.symbol.padEnd(width)}${price(l.lastPrice).padStart(12)}${price(l.dayHigh).padStart(12)}${price(l.dayLow).padStart(12)}${fmt(l.vwap).padStart(12)}${fmt(l.smaShort).padStart(12)}${fmt(l.smaLong).padStart(12)}${String(alertsOf.get(l.symbol) ?? 0).padStart(8)}\n`;
    }
    if (result.latest.length > 50) out += `  … and ${result.latest.length - 50} more symbols\n`;
  }
  return out;
}

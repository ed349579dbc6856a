import type { AnalyticsEngine, QueryName, QueryParams, QueryResult } from '../../ports/analytics-engine.port.js';
import { QueryError } from '../../ports/errors.js';
import type { Alert, Signal } from '../../ports/model.js';
import { compareAlerts, makeAlert } from '../alert.js';
import { alertPoint, type ChartPoint, type ChartReport, DEFAULT_MAX_BUCKETS, SeriesDownsampler } from '../chart-series.js';
import { readTimestamp } from '../timestamp.js';
import { DEFAULT_LONG, DEFAULT_SHORT } from '../trend-tracker.js';

/**
 * What to put in a report read from the lake.
 *
 * @example
 * const params: EngineReportParams = { symbols: ['AAPL'], from: '2024-01-02', generatedAt: Date.now() };
 */
export interface EngineReportParams extends QueryParams {
  /** Epoch ms the report is made (shown on it). */
  readonly generatedAt: number;
  readonly title?: string;
  readonly describe?: string;
  /** Buckets per symbol (default 1,024); the engine is asked for at most 4 points per bucket. */
  readonly maxBuckets?: number;
}

/** A result row, as engines return them. */
type Row = Readonly<Record<string, string | number | null>>;

/** The query the report reads the series with: applied ticks with their SMAs. */
const SERIES_QUERY: QueryName = 'series';

/**
 * Reads a chart report from the lake through the analytics engine: the `series` query
 * (applied ticks, `sma_short`/`sma_long` NULL until defined, at most `maxPoints` rows per
 * symbol when the engine downsamples, each row's `ticks` and `volume` then counting the
 * ticks it stands for) and the `crossovers` query (the alerts). Whatever the
 * engine returns is downsampled again here if it is longer, and every alert's point is put
 * back into its series, so each marker stands on the line.
 *
 * @example
 * const report = await buildReportFromEngine(engine, { symbols: ['AAPL'], from: '2024-01-02', to: '2024-01-31', generatedAt: Date.now() });
 */
export async function buildReportFromEngine(engine: AnalyticsEngine, params: EngineReportParams): Promise<ChartReport> {
  const { generatedAt, title, describe, maxBuckets = DEFAULT_MAX_BUCKETS, ...query } = params;
  const short = query.short ?? DEFAULT_SHORT;
  const long = query.long ?? DEFAULT_LONG;
  // `maxPoints` lets the engine downsample the series per symbol (engines may ignore it).
  const seriesParams = { ...query, short, long, maxPoints: 4 * maxBuckets };
  const [series, crossovers] = await Promise.all([
    engine.run(SERIES_QUERY, seriesParams),
    engine.run('crossovers', { ...query, short, long }),
  ]);
  const alerts = crossovers.rows.map(alertFromRow).sort(compareAlerts);
  return {
    title: title ?? 'tickflow report',
    describe,
    generatedAt,
    short,
    long,
    series: seriesFromRows(series, alerts, maxBuckets),
    alerts,
  };
}

/**
 * One `crossovers` row as an alert. The one place that knows the query's column names
 * (`symbol, timestamp, signal, price, sma_short, sma_long`; camelCase is read too).
 *
 * @example
 * alertFromRow({ symbol: 'AAPL', timestamp: 1704205800000, signal: 'GOLDEN_CROSS', trend: 'UPTREND', price: 187.43, sma_short: 187.2, sma_long: 187.1 });
 */
export function alertFromRow(row: Row): Alert {
  const signal = String(row.signal);
  if (signal !== 'GOLDEN_CROSS' && signal !== 'DEATH_CROSS') throw new Error(`crossovers: unknown signal ${JSON.stringify(row.signal)}`);
  return makeAlert({
    symbol: String(row.symbol),
    signal: signal as Signal,
    timestamp: timestampOf(row, 'crossovers'),
    price: numberOf(row, 'price', 'price'),
    smaShort: numberOf(row, 'sma_short', 'smaShort'),
    smaLong: numberOf(row, 'sma_long', 'smaLong'),
  });
}

function seriesFromRows(result: QueryResult, alerts: readonly Alert[], maxBuckets: number): ChartReport['series'] {
  const bySymbol = new Map<string, { point: ChartPoint; volume: number; ticks: number }[]>();
  for (const row of result.rows) {
    const symbol = String(row.symbol);
    const list = bySymbol.get(symbol) ?? [];
    list.push({
      point: {
        t: timestampOf(row, 'series'),
        price: numberOf(row, 'price', 'price'),
        smaShort: nullableNumber(row.sma_short ?? row.smaShort),
        smaLong: nullableNumber(row.sma_long ?? row.smaLong),
      },
      volume: nullableNumber(row.volume) ?? 0,
      // A downsampled row stands for the ticks dropped before it too (engines that return
      // every tick may leave the column out).
      ticks: nullableNumber(row.ticks) ?? 1,
    });
    bySymbol.set(symbol, list);
  }
  const alertPoints = new Map<string, ChartPoint[]>();
  for (const a of alerts) {
    const list = alertPoints.get(a.symbol) ?? [];
    list.push(alertPoint(a));
    alertPoints.set(a.symbol, list);
  }
  for (const symbol of alertPoints.keys()) if (!bySymbol.has(symbol)) bySymbol.set(symbol, []);
  return [...bySymbol.keys()].sort().map((symbol) => {
    const rows = (bySymbol.get(symbol) ?? []).sort((a, b) => a.point.t - b.point.t);
    const samples = new SeriesDownsampler(maxBuckets);
    let last = Number.NEGATIVE_INFINITY;
    for (const { point, volume, ticks } of rows) {
      if (point.t <= last) continue; // the chart needs strictly increasing times
      last = point.t;
      samples.push(point, volume, false, ticks);
    }
    return samples.toSeries(symbol, alertPoints.get(symbol));
  });
}

function timestampOf(row: Row, query: string): number {
  const t = readTimestamp(row.timestamp);
  if (Number.isNaN(t)) throw new QueryError(`${query}: a row of the lake has a bad timestamp ${JSON.stringify(row.timestamp)}`);
  return t;
}

function numberOf(row: Row, name: string, alias: string): number {
  const n = nullableNumber(row[name] ?? row[alias]);
  // A lake object that parses but holds no number there (written by something else): the query's failure, named.
  if (n === null) throw new QueryError(`a row of the lake has no number in ${name}: ${JSON.stringify(row)}`);
  return n;
}

function nullableNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

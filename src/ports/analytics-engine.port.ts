/** The named analytics queries (DESIGN.md §6), plus `series` for the chart report. */
export const QUERY_NAMES = ['daily-ohlc', 'volume-trend', 'volatility', 'crossovers', 'series'] as const;
/** One of `QUERY_NAMES`. */
export type QueryName = (typeof QUERY_NAMES)[number];

/**
 * The columns each query returns, in order. Every query works on the *applied* ticks of a
 * symbol: in arrival (sequence) order, those whose timestamp is later than every earlier
 * arrival's, so lake duplicates and late ticks never count twice (DESIGN.md §3). `d` below is
 * the lake's price decimals (default 6); `day` is the UTC day of the lake partition.
 *
 * - `daily-ohlc`: `symbol varchar, day date, open, high, low, close decimal(18,d), volume bigint, ticks bigint`
 *   — one row per symbol and day; open/close are the first/last applied tick by time.
 * - `volume-trend`: `symbol varchar, day date, ticks bigint, volume bigint, volume_ma_short double, volume_ma_long double`
 *   — daily volume and its mean over the last `short` / `long` days with data (fewer at the start).
 * - `volatility`: `symbol varchar, ticks bigint, tick_volatility double, days bigint, daily_volatility double, annualised_volatility double`
 *   — sample std-dev of tick-to-tick log returns, of daily close-to-close log returns
 *   (NULL with fewer than 3 days), and the daily one × √252.
 * - `crossovers`: `id varchar, symbol varchar, signal varchar, trend varchar, timestamp bigint, price decimal(18,d), sma_short double, sma_long double`
 *   — the SMA-short/long crossings, equal to the streaming tracker's alerts on the same ticks
 *   (same ids, timestamps, prices and SMA bits), ordered like `compareAlerts`.
 * - `series`: `symbol varchar, timestamp bigint (epoch ms), price decimal(18,d), volume bigint, ticks bigint, sma_short double, sma_long double, signal varchar`
 *   — the applied ticks in time order with both SMAs (the exact decimal mean rounded once to
 *   a double; NULL until `short` / `long` ticks are applied) and the crossover signal on the
 *   tick where one fires (else NULL). With `maxPoints`, each symbol keeps the lowest and
 *   highest price of each of ⌊(maxPoints − 2) / 2⌋ equal time buckets, its first and last
 *   tick, and every crossover tick: at most `maxPoints` points plus the crossovers. Each row
 *   stands for itself and the ticks dropped since the row before it: `ticks` counts them and
 *   `volume` is their total, so both add up to the symbol's applied ticks and volume
 *   (without `maxPoints`, 1 and the tick's own volume).
 *
 * @example
 * QUERY_COLUMNS.volatility; // ['symbol', 'ticks', 'tick_volatility', 'days', 'daily_volatility', 'annualised_volatility']
 */
export const QUERY_COLUMNS: Readonly<Record<QueryName, readonly string[]>> = {
  'daily-ohlc': ['symbol', 'day', 'open', 'high', 'low', 'close', 'volume', 'ticks'],
  'volume-trend': ['symbol', 'day', 'ticks', 'volume', 'volume_ma_short', 'volume_ma_long'],
  volatility: ['symbol', 'ticks', 'tick_volatility', 'days', 'daily_volatility', 'annualised_volatility'],
  crossovers: ['id', 'symbol', 'signal', 'trend', 'timestamp', 'price', 'sma_short', 'sma_long'],
  series: ['symbol', 'timestamp', 'price', 'volume', 'ticks', 'sma_short', 'sma_long', 'signal'],
};

/**
 * Parameters of a query, checked by the engine before any SQL runs (symbols match the
 * symbol rule, dates are `YYYY-MM-DD`). Engines bind them, never concatenate them.
 *
 * @example
 * const p: QueryParams = { symbols: ['AAPL'], from: '2024-01-01', to: '2024-01-31' };
 */
export interface QueryParams {
  /** Symbols to include (default: every symbol in the lake). */
  readonly symbols?: readonly string[];
  /** First UTC day, inclusive. The SMA windows of `crossovers` and `series` start here. */
  readonly from?: string;
  /** Last UTC day, inclusive. */
  readonly to?: string;
  /** SMA periods for `crossovers` and `series`, moving-average days for `volume-trend` (default 5/20). */
  readonly short?: number;
  readonly long?: number;
  /** `series` only: downsample each symbol to about this many points (at least 4). */
  readonly maxPoints?: number;
}

/** A column of a result: its name and SQL type as the engine reports it, lower case (`decimal(18,6)`). */
export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * A finished query: typed rows and where the engine stored the result CSV. Numeric SQL types
 * (bigint, double, decimal) come as numbers — a decimal as its nearest double; the CSV keeps
 * the exact text — and dates as `YYYY-MM-DD` strings.
 *
 * @example
 * console.log(result.rows.length, result.location);
 */
export interface QueryResult {
  readonly name: QueryName;
  readonly queryId: string;
  readonly columns: readonly ResultColumn[];
  /** Every row, or the first `RunOptions.maxRows` of them. */
  readonly rows: readonly ResultRow[];
  /** Rows in the result (and in its CSV), whether or not `rows` holds them all. */
  readonly rowCount: number;
  /** `s3://…/results/<query>/<id>.csv` or a local path. */
  readonly location: string;
}

/**
 * One typed row of a result, by column name.
 *
 * @example
 * const row: ResultRow = { symbol: 'AAPL', ticks: 2, tick_volatility: 0.0012 };
 */
export type ResultRow = Readonly<Record<string, string | number | null>>;

/**
 * How much of a result `run` hands back beside its CSV. A result can be far larger than
 * memory (`series` without `maxPoints` is a row per applied tick): keep few rows, or take
 * them batch by batch.
 *
 * @example
 * // the first 20 rows, the count, and the CSV's location; nothing else held in memory
 * const head = await engine.run('series', { symbols: ['AAPL'] }, { maxRows: 20 });
 * // every row, one batch at a time
 * await engine.run('series', {}, { maxRows: 0, onRows: (rows) => rows.forEach((r) => console.log(r)) });
 */
export interface RunOptions {
  /** Keep at most this many rows in `QueryResult.rows` (default: all). The CSV and `rowCount` count every row. */
  readonly maxRows?: number;
  /** Called with every row, a batch at a time and in order, as the engine reads them; awaited before the next batch. */
  readonly onRows?: (rows: readonly ResultRow[]) => void | Promise<void>;
  /** Stops the query (Ctrl-C): `run` then rejects with the signal's reason and keeps no partial result. */
  readonly signal?: AbortSignal;
}

/**
 * Runs the named SQL queries over the lake (Athena, or DuckDB over the folder lake).
 * Bad parameters throw `InvalidQueryError` before any SQL runs; a query that cannot run or
 * fails throws `QueryError` with the engine's reason.
 *
 * @example
 * const r = await engine.run('volatility', { symbols: ['AAPL'] });
 */
export interface AnalyticsEngine {
  run(name: QueryName, params: QueryParams, options?: RunOptions): Promise<QueryResult>;
}
/** DI token of the `AnalyticsEngine`. */
export const ANALYTICS_ENGINE = Symbol.for('tickflow.AnalyticsEngine');

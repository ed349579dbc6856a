/** The named analytics queries (DESIGN.md §6). */
export const QUERY_NAMES = ['daily-ohlc', 'volume-trend', 'volatility', 'crossovers'] as const;
/** One of `QUERY_NAMES`. */
export type QueryName = (typeof QUERY_NAMES)[number];

/**
 * Parameters of a query, already validated at the edge: symbols match the symbol rule,
 * dates are `YYYY-MM-DD`. Engines bind them, never concatenate them.
 *
 * @example
 * const p: QueryParams = { symbols: ['AAPL'], from: '2024-01-01', to: '2024-01-31' };
 */
export interface QueryParams {
  readonly symbols?: readonly string[];
  /** First UTC day, inclusive. */
  readonly from?: string;
  /** Last UTC day, inclusive. */
  readonly to?: string;
  /** SMA periods for `crossovers` (default 5/20). */
  readonly short?: number;
  readonly long?: number;
}

/** A column of a result: its name and SQL type as the engine reports it. */
export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * A finished query: typed rows and where the engine stored the result CSV.
 *
 * @example
 * console.log(result.rows.length, result.location);
 */
export interface QueryResult {
  readonly name: QueryName;
  readonly queryId: string;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Readonly<Record<string, string | number | null>>[];
  /** `s3://…/results/<query>/<id>.csv` or a local path. */
  readonly location: string;
}

/**
 * Runs the named SQL queries over the lake (Athena, or DuckDB over the folder lake).
 *
 * @example
 * const r = await engine.run('volatility', { symbols: ['AAPL'] });
 */
export interface AnalyticsEngine {
  run(name: QueryName, params: QueryParams): Promise<QueryResult>;
}
/** DI token of the `AnalyticsEngine`. */
export const ANALYTICS_ENGINE = Symbol.for('tickflow.AnalyticsEngine');

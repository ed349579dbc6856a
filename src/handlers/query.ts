import { parseQueryRequest } from '../domain/query-params.js';
import type { AnalyticsEngine, QueryName, QueryResult, ResultColumn } from '../ports/analytics-engine.port.js';
import { InvalidQueryError, QueryError } from '../ports/errors.js';

/**
 * What the query function keeps of its time for stopping a query it gives up on (10 s at
 * most) and answering: given the Lambda context, the query is stopped this long before the end.
 */
export const QUERY_STOP_MARGIN_MS = 15_000;

/** What the query Lambda returns: where the full result is, and its first rows. */
export interface QuerySummary {
  readonly name: QueryName;
  readonly queryId: string;
  /** The result CSV (`s3://…/results/<query>/<id>.csv`). */
  readonly location: string;
  readonly columns: readonly ResultColumn[];
  readonly rowCount: number;
  /** At most `maxRows` rows (a Lambda response is limited to 6 MB); the CSV has them all. */
  readonly rows: readonly Readonly<Record<string, string | number | null>>[];
  readonly truncated: boolean;
}

/**
 * The query Lambda's logic (direct invoke): `{ name, symbols?, from?, to?, short?, long?,
 * maxPoints? }` in, a `QuerySummary` out. The input is checked before any query runs; a bad
 * one fails the invocation with an `InvalidQueryError` naming the field. A request without
 * `short` or `long` takes it from `options.periods`: the deployment's, so `crossovers`
 * checks the periods the trend function alerts on. Given the Lambda context, a query still
 * running `QUERY_STOP_MARGIN_MS` before the function's end is stopped and reported as a
 * `QueryError`, rather than left running (and billed) behind a timed-out function.
 *
 * @example
 * export const handler = makeQueryHandler(engine, { periods: { short: 5, long: 20 } });
 * // aws lambda invoke --payload '{"name":"volatility","symbols":["AAPL"],"from":"2024-01-01"}' …
 */
export function makeQueryHandler(
  engine: AnalyticsEngine,
  options: { maxRows?: number; periods?: { short: number; long: number } } = {},
): (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<QuerySummary> {
  const maxRows = options.maxRows ?? 1000;
  return async (event, context) => {
    const request = parseQueryRequest(event, options.periods);
    if (!request.ok) throw new InvalidQueryError(request.message);
    const left = context?.getRemainingTimeInMillis?.();
    const timed = left !== undefined && Number.isFinite(left);
    // Not even started: a query sent now would only be stopped.
    if (timed && left <= QUERY_STOP_MARGIN_MS)
      throw new QueryError(
        `${request.name} not started: ${Math.round(left / 1000)} s of the query function's time left, and it keeps ${QUERY_STOP_MARGIN_MS / 1000} s to stop a query`,
      );
    const signal = timed ? AbortSignal.timeout(left - QUERY_STOP_MARGIN_MS) : undefined;
    let result: QueryResult;
    try {
      // Only the rows it returns are read: a result of millions of rows stays in the CSV.
      result = await engine.run(request.name, request.params, { maxRows, signal });
    } catch (error) {
      if (signal?.aborted !== true) throw error;
      throw new QueryError(
        `${request.name} did not finish within the query function's time (${Math.round((left ?? 0) / 1000)} s left when it began): stopped, the Athena query too if it was still running. Give the function more time, or ask for less (fewer symbols, a shorter range)`,
      );
    }
    return {
      name: result.name,
      queryId: result.queryId,
      location: result.location,
      columns: result.columns,
      rowCount: result.rowCount,
      rows: result.rows.slice(0, maxRows),
      truncated: result.rowCount > maxRows,
    };
  };
}

import { parseQueryRequest } from '../domain/query-params.js';
import type { AnalyticsEngine, QueryName, ResultColumn } from '../ports/analytics-engine.port.js';
import { InvalidQueryError } from '../ports/errors.js';

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
 * checks the periods the trend function alerts on.
 *
 * @example
 * export const handler = makeQueryHandler(engine, { periods: { short: 5, long: 20 } });
 * // aws lambda invoke --payload '{"name":"volatility","symbols":["AAPL"],"from":"2024-01-01"}' …
 */
export function makeQueryHandler(
  engine: AnalyticsEngine,
  options: { maxRows?: number; periods?: { short: number; long: number } } = {},
): (event: unknown) => Promise<QuerySummary> {
  const maxRows = options.maxRows ?? 1000;
  return async (event) => {
    const request = parseQueryRequest(event, options.periods);
    if (!request.ok) throw new InvalidQueryError(request.message);
    // Only the rows it returns are read: a result of millions of rows stays in the CSV.
    const result = await engine.run(request.name, request.params, { maxRows });
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

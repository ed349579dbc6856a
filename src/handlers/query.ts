import { parseQueryRequest } from '../domain/query-params.js';
import { ANALYTICS_ENGINE, type AnalyticsEngine, type QueryName, type ResultColumn } from '../ports/analytics-engine.port.js';
import { InvalidQueryError } from '../ports/errors.js';

export { type AthenaConfig, parseAthenaConfig } from '../container/aws-config.js';

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
 * one fails the invocation with an `InvalidQueryError` naming the field.
 *
 * @example
 * export const handler = makeQueryHandler(engine);
 * // aws lambda invoke --payload '{"name":"volatility","symbols":["AAPL"],"from":"2024-01-01"}' …
 */
export function makeQueryHandler(engine: AnalyticsEngine, options: { maxRows?: number } = {}): (event: unknown) => Promise<QuerySummary> {
  const maxRows = options.maxRows ?? 1000;
  return async (event) => {
    const request = parseQueryRequest(event);
    if (!request.ok) throw new InvalidQueryError(request.message);
    const result = await engine.run(request.name, request.params);
    return {
      name: result.name,
      queryId: result.queryId,
      location: result.location,
      columns: result.columns,
      rowCount: result.rows.length,
      rows: result.rows.slice(0, maxRows),
      truncated: result.rows.length > maxRows,
    };
  };
}

type QueryHandler = (event: unknown) => Promise<QuerySummary>;
let queryHandler: Promise<QueryHandler> | undefined;

/**
 * The query Lambda entry point (direct invoke): the Athena engine over the Glue table of the
 * lake, built once on the cold start from `TICKFLOW_BUCKET`, `TICKFLOW_ATHENA_WORKGROUP`,
 * `TICKFLOW_ATHENA_OUTPUT`, `TICKFLOW_GLUE_DATABASE`, `TICKFLOW_GLUE_TABLE` (see
 * `parseAthenaConfig`). A missing or bad variable fails with a `ConfigError` naming it; a bad
 * payload with an `InvalidQueryError` naming the field, before any query runs.
 *
 * @example
 * // aws lambda invoke --function-name tickflow-query --payload '{"name":"daily-ohlc","symbols":["AAPL"],"from":"2024-01-02"}' out.json
 * const { rows, location } = await handler({ name: 'daily-ohlc', symbols: ['AAPL'], from: '2024-01-02' });
 */
export const handler: QueryHandler = async (event) => {
  queryHandler ??= import('../container/query-container.js').then(({ queryContainer }) =>
    makeQueryHandler(queryContainer(process.env).get<AnalyticsEngine>(ANALYTICS_ENGINE)),
  );
  return (await queryHandler)(event);
};

/**
 * The deployable query function: Lambda's entry point. The handler's logic is in
 * `src/handlers/query.ts`; this file only builds the AWS container on the cold start.
 */
import type { AwsConfig } from '../container/aws-config.js';
import { makeQueryHandler, type QuerySummary } from '../handlers/query.js';
import { ANALYTICS_ENGINE, type AnalyticsEngine } from '../ports/analytics-engine.port.js';

type QueryHandler = (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<QuerySummary>;
let queryHandler: Promise<QueryHandler> | undefined;

/**
 * The query Lambda entry point (direct invoke): the Athena engine over the Glue table of the
 * lake, built once on the cold start from `TICKFLOW_BUCKET`, `TICKFLOW_ATHENA_WORKGROUP`,
 * `TICKFLOW_ATHENA_OUTPUT`, `TICKFLOW_GLUE_DATABASE`, `TICKFLOW_GLUE_TABLE` (see
 * `parseAthenaConfig`); `TICKFLOW_SHORT` / `TICKFLOW_LONG` are the periods of a request
 * that names none. A missing or bad variable fails with a `ConfigError` naming it; a bad
 * payload with an `InvalidQueryError` naming the field, before any query runs.
 *
 * @example
 * // aws lambda invoke --function-name tickflow-query --payload '{"name":"daily-ohlc","symbols":["AAPL"],"from":"2024-01-02"}' out.json
 * const { rows, location } = await handler({ name: 'daily-ohlc', symbols: ['AAPL'], from: '2024-01-02' });
 */
export const handler: QueryHandler = async (event, context) => {
  queryHandler ??= import('../container/query-container.js').then(({ AWS_CONFIG, queryContainer }) => {
    const container = queryContainer(process.env);
    const { short, long } = container.get<AwsConfig>(AWS_CONFIG);
    return makeQueryHandler(container.get<AnalyticsEngine>(ANALYTICS_ENGINE), { periods: { short, long } });
  });
  return (await queryHandler)(event, context);
};

import { parseQueryRequest } from '../domain/query-params.js';
import type { AnalyticsEngine, QueryName, ResultColumn } from '../ports/analytics-engine.port.js';
import { ConfigError, InvalidQueryError } from '../ports/errors.js';

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

/** The Athena engine's configuration, from the environment. */
export interface AthenaConfig {
  readonly bucket: string;
  readonly workgroup: string;
  /** `s3://…/` under which each query's CSV is written as `<query>/<id>.csv`. */
  readonly outputLocation: string;
  readonly database: string;
  readonly table: string;
  readonly priceDecimals: number;
}

/**
 * Reads the query Lambda's configuration once, at cold start, with an error naming the
 * variable that is missing or wrong:
 * `TICKFLOW_BUCKET` (required: the lake bucket), `TICKFLOW_ATHENA_WORKGROUP` (default
 * `primary`), `TICKFLOW_ATHENA_OUTPUT` (default `s3://<bucket>/results/`),
 * `TICKFLOW_GLUE_DATABASE` (default `tickflow`), `TICKFLOW_GLUE_TABLE` (default `ticks`),
 * `TICKFLOW_PRICE_DECIMALS` (default 6).
 *
 * @example
 * const config = parseAthenaConfig(process.env); // { bucket: 'my-lake', workgroup: 'primary', … }
 */
export function parseAthenaConfig(env: Readonly<Record<string, string | undefined>>): AthenaConfig {
  const bucket = env.TICKFLOW_BUCKET;
  if (bucket === undefined || bucket === '')
    throw new ConfigError('TICKFLOW_BUCKET is not set: the S3 bucket of the data lake is required');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ConfigError(`TICKFLOW_BUCKET must be an S3 bucket name, got ${JSON.stringify(bucket)}`);
  const name = (variable: string, fallback: string) => {
    const value = env[variable] || fallback;
    if (!/^[a-z0-9_]{1,255}$/.test(value))
      throw new ConfigError(`${variable} must be a Glue name (lower-case letters, digits, _), got ${JSON.stringify(value)}`);
    return value;
  };
  const workgroup = env.TICKFLOW_ATHENA_WORKGROUP || 'primary';
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(workgroup))
    throw new ConfigError(`TICKFLOW_ATHENA_WORKGROUP must be an Athena workgroup name, got ${JSON.stringify(workgroup)}`);
  const outputLocation = env.TICKFLOW_ATHENA_OUTPUT || `s3://${bucket}/results/`;
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(outputLocation))
    throw new ConfigError(`TICKFLOW_ATHENA_OUTPUT must be an s3:// URL, got ${JSON.stringify(outputLocation)}`);
  const decimalsText = env.TICKFLOW_PRICE_DECIMALS || '6';
  if (!/^[0-9]$/.test(decimalsText))
    throw new ConfigError(`TICKFLOW_PRICE_DECIMALS must be a whole number from 0 to 9, got ${JSON.stringify(decimalsText)}`);
  return {
    bucket,
    workgroup,
    outputLocation: outputLocation.endsWith('/') ? outputLocation : `${outputLocation}/`,
    database: name('TICKFLOW_GLUE_DATABASE', 'tickflow'),
    table: name('TICKFLOW_GLUE_TABLE', 'ticks'),
    priceDecimals: Number(decimalsText),
  };
}

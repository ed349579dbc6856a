import type { Container } from 'inversify';
import { type AwsModuleOptions, bindAthenaAnalytics, bindS3Lake, functionContainer } from './aws.js';
import { awsConfigFromEnv } from './aws-config.js';

// The entry point reads the periods from the configuration it bound.
export { AWS_CONFIG } from './aws.js';

/**
 * The query function's container: the Athena engine and the Glue catalog of the lake table,
 * from `TICKFLOW_BUCKET` and `TICKFLOW_ATHENA_*`, `TICKFLOW_GLUE_*` (see `parseAthenaConfig`).
 *
 * @example
 * const engine = queryContainer(process.env).get<AnalyticsEngine>(ANALYTICS_ENGINE);
 */
export function queryContainer(env: Readonly<Record<string, string | undefined>> = process.env, options: AwsModuleOptions = {}): Container {
  return functionContainer(awsConfigFromEnv(env, ['query']), options, bindS3Lake, bindAthenaAnalytics);
}

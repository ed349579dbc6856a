import type { Container } from 'inversify';
import { type AwsModuleOptions, bindKinesisStream, bindS3Lake, bindTickSource, functionContainer } from './aws.js';
import { awsConfigFromEnv } from './aws-config.js';

/**
 * The produce function's container: the tick source (`TICKFLOW_SOURCE`: Yahoo quotes or the
 * simulation), the Kinesis publisher (`TICKFLOW_STREAM`), and the lake's quarantine for rows
 * the source cannot read (the log, without `TICKFLOW_BUCKET`), under `ProduceTicks`.
 *
 * @example
 * const source = await produceContainer(process.env).getAsync<TickSource>(TICK_SOURCE);
 */
export function produceContainer(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsModuleOptions = {},
): Container {
  return functionContainer(awsConfigFromEnv(env, ['produce']), options, bindS3Lake, bindKinesisStream, bindTickSource);
}

export { asInvocation } from './aws.js';

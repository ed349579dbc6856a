import type { Container } from 'inversify';
import { type AwsModuleOptions, bindDynamoStore, bindS3Lake, functionContainer } from './aws.js';
import { awsConfigFromEnv } from './aws-config.js';

/**
 * The ingest function's container: the S3 lake and the DynamoDB store under `IngestBatch`,
 * from `TICKFLOW_BUCKET`, `TICKFLOW_TABLE` and the optional variables (see the README).
 *
 * @example
 * const ingest = ingestContainer(process.env).get<IngestBatch>(INGEST_BATCH);
 */
export function ingestContainer(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsModuleOptions = {},
): Container {
  return functionContainer(awsConfigFromEnv(env, ['ingest']), options, bindS3Lake, bindDynamoStore);
}

export { asInvocation } from './aws.js';

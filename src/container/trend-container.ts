import type { Container } from 'inversify';
import { type AwsModuleOptions, bindDynamoStore, bindSnsAlerts, functionContainer } from './aws.js';
import { awsConfigFromEnv } from './aws-config.js';

/**
 * The trend function's container: the DynamoDB store and the SNS publisher under
 * `DetectTrends`, from `TICKFLOW_TABLE`, `TICKFLOW_TOPIC_ARN` and the optional variables.
 *
 * @example
 * const detect = trendContainer(process.env).get<DetectTrends>(DETECT_TRENDS);
 */
export function trendContainer(env: Readonly<Record<string, string | undefined>> = process.env, options: AwsModuleOptions = {}): Container {
  return functionContainer(awsConfigFromEnv(env, ['trend']), options, bindDynamoStore, bindSnsAlerts);
}

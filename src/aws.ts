/**
 * tickflow/aws — the AWS side: adapters for Kinesis, S3, DynamoDB (+ Streams), SNS, Athena
 * and Glue, and the AWS composition root. A separate entry point so that `import 'tickflow'`
 * does not load the AWS SDK.
 */

export { AthenaAnalyticsEngine, type AthenaEngineOptions, athenaParameter } from './adapters/aws/athena-analytics-engine.js';
export { AWS_HTTP_TIMEOUTS, awsHttpHandler } from './adapters/aws/aws-http-handler.js';
export { DynamoMarketStore, type DynamoMarketStoreOptions } from './adapters/aws/dynamo-market-store.js';
export { DynamoStreamsChangeFeed, type DynamoStreamsChangeFeedOptions } from './adapters/aws/dynamo-streams-change-feed.js';
export {
  athenaCreateTableDdl,
  GlueCatalog,
  type GlueCatalogOptions,
  type LakeTableOptions,
  lakeTableInput,
} from './adapters/aws/glue-catalog.js';
export { guardWithDeadline, InvocationDeadline, InvocationDeadlineError, withDeadline } from './adapters/aws/invocation-deadline.js';
export { createKinesisClient, KinesisTickPublisher, type KinesisTickPublisherOptions } from './adapters/aws/kinesis-tick-publisher.js';
export { type RetryOptions, RetryPolicy } from './adapters/aws/retry-policy.js';
export { type LakeEncryption, S3Lake, type S3LakeOptions } from './adapters/aws/s3-lake.js';
export { SnsAlertPublisher, type SnsAlertPublisherOptions } from './adapters/aws/sns-alert-publisher.js';
export {
  ATHENA_CLIENT,
  type AthenaConfig,
  AWS_CONFIG,
  type AwsConfig,
  type AwsModuleOptions,
  type AwsRole,
  asInvocation,
  awsConfigFromEnv,
  awsContainer,
  awsModule,
  DYNAMODB_CLIENT,
  GLUE_CLIENT,
  INVOCATION_DEADLINE,
  KINESIS_CLIENT,
  type LogLevel,
  type ProduceSource,
  parseAthenaConfig,
  S3_CLIENT,
  SNS_CLIENT,
} from './container/aws.js';
export { ingestContainer } from './container/ingest-container.js';
export { produceContainer } from './container/produce-container.js';
export { queryContainer } from './container/query-container.js';
export { trendContainer } from './container/trend-container.js';

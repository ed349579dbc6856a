/**
 * The deployable trend function: Lambda's entry point. The handler's logic is in
 * `src/handlers/trend.ts`; this file only builds the AWS container on the cold start.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, Context as LambdaContext } from 'aws-lambda';
import { DETECT_TRENDS } from '../container/tokens.js';
import type { DetectTrends } from '../domain/usecases/detect-trends.js';
import { makeTrendHandler } from '../handlers/trend.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';

type TrendHandler = (event: DynamoDBStreamEvent, context?: LambdaContext) => Promise<DynamoDBBatchResponse>;
let trendHandler: Promise<TrendHandler> | undefined;

/**
 * The trend Lambda entry point (DynamoDB Streams trigger with the `TICK_INSERT_FILTER`
 * filter, ReportBatchItemFailures on). On the cold start it builds the AWS container from the
 * environment — `AWS_REGION`, `TICKFLOW_TABLE`, `TICKFLOW_TOPIC_ARN` (see the README) — once.
 *
 * @example
 * // CDK: new lambda.Function(this, 'Trend', { handler: 'trend.handler', … })
 * const { batchItemFailures } = await handler(streamEvent);
 */
// No invocation deadline on its clients (ingest and produce have one): a write refused after
// the alerts went out, the one that clears them, would have them sent again. Instead the
// handler claims alerts only with the time to claim, publish and record them left (80 s: the
// example stack gives it 2 minutes), and the publish is bounded by the claim (DetectTrendsRun).
export const handler: TrendHandler = async (event, context) => {
  trendHandler ??= import('../container/trend-container.js').then(({ trendContainer }) => {
    const container = trendContainer(process.env);
    return makeTrendHandler(container.get<DetectTrends>(DETECT_TRENDS), container.get<Logger>(LOGGER));
  });
  return (await trendHandler)(event, context);
};

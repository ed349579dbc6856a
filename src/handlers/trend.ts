import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { fromDynamoStreamEvent } from '../adapters/lambda-events/dynamodb-stream-event.js';
import { DETECT_TRENDS } from '../container/tokens.js';
import type { DetectTrends } from '../domain/usecases/detect-trends.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';

/**
 * The trend Lambda's logic: a DynamoDB Streams event in, `{ batchItemFailures }` out.
 *
 * @example
 * export const handler = makeTrendHandler(container.get(DETECT_TRENDS), logger);
 */
export function makeTrendHandler(detect: DetectTrends, logger: Logger): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  return async (event) => {
    const changes = fromDynamoStreamEvent(event);
    try {
      const { firstFailure } = await detect.execute(changes);
      return { batchItemFailures: firstFailure === undefined ? [] : [{ itemIdentifier: firstFailure }] };
    } catch (error) {
      logger.error('trend: unexpected error; the whole batch will be retried', { error: String(error) });
      const first = event.Records[0]?.dynamodb?.SequenceNumber;
      return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
    }
  };
}

type TrendHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
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
export const handler: TrendHandler = async (event) => {
  trendHandler ??= import('../container/trend-container.js').then(({ trendContainer }) => {
    const container = trendContainer(process.env);
    return makeTrendHandler(container.get<DetectTrends>(DETECT_TRENDS), container.get<Logger>(LOGGER));
  });
  return (await trendHandler)(event);
};

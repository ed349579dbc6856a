import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { fromDynamoStreamEvent } from '../adapters/lambda-events/dynamodb-stream-event.js';
import type { DetectTrends } from '../domain/usecases/detect-trends.js';
import type { Logger } from '../ports/logger.port.js';

/**
 * The trend Lambda's logic: a DynamoDB Streams event in, `{ batchItemFailures }` out. Given
 * the Lambda context, it claims alerts only while there is time to publish them (see `DetectTrendsRun`).
 *
 * @example
 * export const handler = makeTrendHandler(container.get(DETECT_TRENDS), logger);
 */
export function makeTrendHandler(
  detect: DetectTrends,
  logger: Logger,
): (event: DynamoDBStreamEvent, context?: { getRemainingTimeInMillis?: () => number }) => Promise<DynamoDBBatchResponse> {
  return async (event, context) => {
    const changes = fromDynamoStreamEvent(event);
    const remaining = context?.getRemainingTimeInMillis;
    const timeLeftMs = remaining === undefined ? undefined : () => remaining.call(context);
    try {
      const { firstFailure } = await detect.execute(changes, { timeLeftMs });
      return { batchItemFailures: firstFailure === undefined ? [] : [{ itemIdentifier: firstFailure }] };
    } catch (error) {
      logger.error('trend: unexpected error; the whole batch will be retried', { error: String(error) });
      const first = event.Records[0]?.dynamodb?.SequenceNumber;
      return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
    }
  };
}

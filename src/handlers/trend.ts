import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { fromDynamoStreamEvent } from '../adapters/lambda-events/dynamodb-stream-event.js';
import type { DetectTrends } from '../domain/usecases/detect-trends.js';
import type { Logger } from '../ports/logger.port.js';

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

import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { fromKinesisEvent } from '../adapters/lambda-events/kinesis-event.js';
import type { IngestBatch } from '../domain/usecases/ingest-batch.js';
import type { Logger } from '../ports/logger.port.js';

/**
 * The ingest Lambda's logic: a Kinesis event in, `{ batchItemFailures }` out (at most one
 * identifier: the earliest record to deliver again). An unexpected error fails the whole
 * batch the same way, so Lambda retries it instead of losing it.
 *
 * @example
 * export const handler = makeIngestHandler(container.get(INGEST_BATCH), logger);
 */
export function makeIngestHandler(ingest: IngestBatch, logger: Logger): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  return async (event) => {
    const { batchId, shardId, records } = fromKinesisEvent(event);
    try {
      const { firstFailure } = await ingest.execute({ batchId, shardId, records });
      return { batchItemFailures: firstFailure === undefined ? [] : [{ itemIdentifier: firstFailure }] };
    } catch (error) {
      logger.error('ingest: unexpected error; the whole batch will be retried', { batchId, error: String(error) });
      const first = records[0];
      return { batchItemFailures: first ? [{ itemIdentifier: first.sequenceNumber }] : [] };
    }
  };
}

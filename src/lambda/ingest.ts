/**
 * The deployable ingest function: Lambda's entry point. The handler's logic is in
 * `src/handlers/ingest.ts`; this file only builds the AWS container on the cold start.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent, Context as LambdaContext } from 'aws-lambda';
import { INGEST_BATCH } from '../container/tokens.js';
import type { IngestBatch } from '../domain/usecases/ingest-batch.js';
import { makeIngestHandler } from '../handlers/ingest.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';

type IngestHandler = (event: KinesisStreamEvent, context?: LambdaContext) => Promise<KinesisStreamBatchResponse>;
let ingestHandler: Promise<IngestHandler> | undefined;

/**
 * The ingest Lambda entry point (Kinesis trigger, ReportBatchItemFailures on). On the cold
 * start it builds the AWS container from the environment — `AWS_REGION`, `TICKFLOW_BUCKET`,
 * `TICKFLOW_TABLE` (see the README) — once; the AWS SDK is loaded only then, so the local
 * flow that imports `makeIngestHandler` never loads it.
 *
 * @example
 * // CDK: new lambda.Function(this, 'Ingest', { handler: 'ingest.handler', … })
 * const { batchItemFailures } = await handler(kinesisEvent);
 */
export const handler: IngestHandler = async (event, context) => {
  ingestHandler ??= import('../container/ingest-container.js').then(({ asInvocation, ingestContainer }) => {
    const container = ingestContainer(process.env);
    return asInvocation(container, makeIngestHandler(container.get<IngestBatch>(INGEST_BATCH), container.get<Logger>(LOGGER)));
  });
  return (await ingestHandler)(event, context);
};

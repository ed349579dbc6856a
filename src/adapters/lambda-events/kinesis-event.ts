import { gunzipSync } from 'node:zlib';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { shardObjectId } from '../../domain/lake-layout.js';
import { MAX_RECORD_BYTES } from '../../domain/validate-tick.js';
import type { StreamRecord } from '../../ports/model.js';

/**
 * Maps a Kinesis Lambda event to the records ingest takes (base64 decoded; gzip'd payloads,
 * recognised by their magic bytes, inflated), its shard id, and a deterministic batch id: the
 * shard id and the first sequence number. Ingest names each lake object by the shard and
 * its own first record (`shardObjectId`), so a redelivered or bisected batch rewrites the
 * same objects.
 *
 * @example
 * const { batchId, shardId, records } = fromKinesisEvent(event);
 */
export function fromKinesisEvent(event: KinesisStreamEvent): { batchId: string; shardId: string; records: StreamRecord[] } {
  const records = event.Records.map(toStreamRecord);
  const first = event.Records[0];
  const shardId = first ? shardOf(first) : 'empty';
  return { batchId: kinesisBatchId(shardId, records[0]?.sequenceNumber ?? '0'), shardId, records };
}

/**
 * The batch id of a Kinesis batch: its shard and first sequence number, in the characters a
 * lake key allows.
 *
 * @example
 * kinesisBatchId('shardId-000000000000', '4959'); // 'shardId-000000000000_4959'
 */
export function kinesisBatchId(shardId: string, firstSequence: string): string {
  return shardObjectId(shardId, firstSequence);
}

function shardOf(record: KinesisStreamRecord): string {
  // eventID is "shardId-000000000000:<sequence number>".
  return record.eventID.split(':')[0] || 'shard';
}

function toStreamRecord(record: KinesisStreamRecord): StreamRecord {
  let data: Uint8Array = Buffer.from(record.kinesis.data, 'base64');
  let refused: StreamRecord['refused'];
  if (data.length > 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      // Inflated no further than a record may be: a 1 MiB record can inflate to 1 GiB.
      data = gunzipSync(data, { maxOutputLength: MAX_RECORD_BYTES + 1 });
    } catch (error) {
      // Too large: kept as received, refused. Not really gzip: left as it is for validation to name.
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        refused = { code: 'TOO_LARGE', message: `record inflates (gzip) to more than the limit of ${MAX_RECORD_BYTES} bytes` };
      }
    }
  }
  return {
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    data,
    arrivedAt: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
    ...(refused ? { refused } : {}),
  };
}

/**
 * Builds a Kinesis Lambda event from stream records, as the event source mapping would.
 *
 * @example
 * const event = toKinesisEvent(records, { shardId: 'shardId-000000000000', streamArn });
 */
export function toKinesisEvent(
  records: readonly StreamRecord[],
  options: { shardId: string; streamArn?: string; region?: string },
): KinesisStreamEvent {
  const region = options.region ?? 'local';
  const arn = options.streamArn ?? `arn:aws:kinesis:${region}:000000000000:stream/tickflow-local`;
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data).toString('base64'),
        approximateArrivalTimestamp: (r.arrivedAt ?? 0) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${options.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::000000000000:role/tickflow-ingest`,
      awsRegion: region,
      eventSourceARN: arn,
    })),
  };
}

import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ChangeRecord } from '../../ports/model.js';

/**
 * The event-source filter of the trend function: records whose new image is a recent-tick
 * item (`sk` begins with `TICK#`). Give it to the IaC as the filter pattern (JSON-stringify it).
 *
 * It tests only the `dynamodb` key, the one key AWS documents filtering on for DynamoDB event
 * sources (Lambda guide, "Using event filtering with a DynamoDB event source"), so it does not
 * name `eventName`. Without a new image, TTL's deletions of old ticks (a REMOVE per tick) stay
 * out. A MODIFY of a tick item passes; ticks are written once, so only a rewrite with other
 * values makes one, and the trend use case ignores everything but INSERTs.
 *
 * @example
 * // CDK, on the trend function's DynamoEventSource:
 * filters: [lambda.FilterCriteria.filter(TICK_INSERT_FILTER)]
 */
export const TICK_INSERT_FILTER = {
  dynamodb: { NewImage: { sk: { S: [{ prefix: 'TICK#' }] } } },
} as const;

/**
 * Applies a Lambda event filter pattern to a record, the way the event source mapping does
 * for the features used here: arrays of exact values or `{ prefix }`, nested objects, and a
 * key that is absent fails the match.
 *
 * @example
 * matchesFilter(TICK_INSERT_FILTER, record); // true for an INSERT of a TICK# item, false for its REMOVE
 */
export function matchesFilter(pattern: unknown, value: unknown): boolean {
  return compileFilter(pattern)(value);
}

/**
 * Turns a filter pattern into a predicate once, for filtering many records.
 *
 * @example
 * const isTickInsert = compileFilter(TICK_INSERT_FILTER);
 * records.filter(isTickInsert);
 */
export function compileFilter(pattern: unknown): (value: unknown) => boolean {
  if (Array.isArray(pattern)) {
    const tests = pattern.map((p): ((v: unknown) => boolean) => {
      if (p !== null && typeof p === 'object' && 'prefix' in p) {
        const prefix = String(p.prefix);
        return (v) => typeof v === 'string' && v.startsWith(prefix);
      }
      return (v) => v === p;
    });
    return (v) => tests.some((t) => t(v));
  }
  if (pattern !== null && typeof pattern === 'object') {
    const fields = Object.entries(pattern).map(([k, p]) => [k, compileFilter(p)] as const);
    return (v) => {
      if (v === null || typeof v !== 'object') return false;
      for (const [k, test] of fields) if (!test((v as Record<string, unknown>)[k])) return false;
      return true;
    };
  }
  return (v) => v === pattern;
}

/**
 * Maps a DynamoDB Streams Lambda event to the change records the trend path takes.
 * Records without the keys of the single-table layout are skipped (they cannot be ticks).
 *
 * @example
 * const changes = fromDynamoStreamEvent(event);
 */
export function fromDynamoStreamEvent(event: DynamoDBStreamEvent): ChangeRecord[] {
  const out: ChangeRecord[] = [];
  for (const record of event.Records) {
    const change = toChangeRecord(record);
    if (change !== undefined) out.push(change);
  }
  return out;
}

function toChangeRecord(record: DynamoDBRecord): ChangeRecord | undefined {
  const d = record.dynamodb;
  const pk = d?.Keys?.pk?.S;
  const sk = d?.Keys?.sk?.S;
  const eventName = record.eventName;
  if (d === undefined || pk === undefined || sk === undefined || eventName === undefined) return undefined;
  return {
    eventName,
    sequenceNumber: d.SequenceNumber ?? '',
    keys: { pk, sk },
    ...(d.NewImage ? { newImage: d.NewImage as Record<string, unknown> } : {}),
    ...(d.OldImage ? { oldImage: d.OldImage as Record<string, unknown> } : {}),
  };
}

/**
 * One change record as a DynamoDB Streams record of a Lambda event (keys and images in
 * attribute-value form, NEW_AND_OLD_IMAGES).
 *
 * @example
 * const record = toDynamoRecord(change);
 */
export function toDynamoRecord(c: ChangeRecord, options: { streamArn?: string; region?: string } = {}): DynamoDBRecord {
  const region = options.region ?? 'local';
  return {
    eventID: c.sequenceNumber,
    eventName: c.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: options.streamArn ?? `arn:aws:dynamodb:${region}:000000000000:table/tickflow/stream/local`,
    dynamodb: {
      Keys: { pk: { S: c.keys.pk }, sk: { S: c.keys.sk } },
      ...(c.newImage ? { NewImage: c.newImage as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] } : {}),
      ...(c.oldImage ? { OldImage: c.oldImage as NonNullable<DynamoDBRecord['dynamodb']>['OldImage'] } : {}),
      SequenceNumber: c.sequenceNumber,
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/**
 * Builds a DynamoDB Streams Lambda event from change records, as the event source mapping
 * would.
 *
 * @example
 * const event = toDynamoStreamEvent(changes, { streamArn });
 */
export function toDynamoStreamEvent(
  changes: readonly ChangeRecord[],
  options: { streamArn?: string; region?: string } = {},
): DynamoDBStreamEvent {
  return { Records: changes.map((c) => toDynamoRecord(c, options)) };
}

import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ChangeFeed } from '../../ports/change-feed.port.js';
import type { ChangeRecord } from '../../ports/model.js';
import { fromDynamoStreamEvent } from '../lambda-events/dynamodb-stream-event.js';

/** Options of `DynamoStreamsChangeFeed`. */
export interface DynamoStreamsChangeFeedOptions {
  readonly client: DynamoDBStreamsClient;
  /** The table's `LatestStreamArn`. */
  readonly streamArn: string;
  /** Where a shard seen for the first time is read from: its oldest record (default) or what comes next. */
  readonly startAt?: 'TRIM_HORIZON' | 'LATEST';
}

interface ShardState {
  readonly parent: string | undefined;
  iterator: string | undefined;
  lastSequence: string | undefined;
  closed: boolean;
}

/**
 * The store's change feed read from DynamoDB Streams with GetRecords — what Lambda's event
 * source mapping does for the trend function, for running the trend path without it (a
 * container, a test against DynamoDB Local). Shards are read in order, a parent shard before
 * its children; an expired iterator resumes after the last record read.
 *
 * `readRecords` returns the records in the shape a Lambda event carries them (so a caller can
 * apply an event filter exactly as Lambda does); `take` returns the change records of the port.
 *
 * @example
 * const feed = new DynamoStreamsChangeFeed({ client: new DynamoDBStreamsClient({}), streamArn });
 * const changes = await feed.take(100); // [] when nothing is waiting
 */
export class DynamoStreamsChangeFeed implements ChangeFeed {
  private readonly shards = new Map<string, ShardState>();

  constructor(private readonly options: DynamoStreamsChangeFeedOptions) {}

  async take(max: number): Promise<ChangeRecord[]> {
    return fromDynamoStreamEvent({ Records: await this.readRecords(max) });
  }

  /** Removes and returns up to `max` waiting stream records, oldest first, shaped as in a Lambda event. */
  async readRecords(max: number): Promise<DynamoDBRecord[]> {
    if (![...this.shards.values()].some((s) => !s.closed)) await this.discoverShards();
    const out: DynamoDBRecord[] = [];
    for (const [shardId, shard] of this.shards) {
      if (out.length >= max) break;
      if (shard.closed || (shard.parent !== undefined && this.shards.get(shard.parent)?.closed === false)) continue;
      while (out.length < max && !shard.closed) {
        const records = await this.read(shardId, shard, Math.min(1000, max - out.length));
        for (const r of records) out.push(this.toLambdaRecord(r));
        if (records.length === 0) break;
      }
    }
    return out;
  }

  private async read(shardId: string, shard: ShardState, limit: number): Promise<StreamsRecord[]> {
    const client = this.options.client;
    shard.iterator ??= await this.iterator(shardId, shard);
    let page: GetRecordsCommandOutput;
    try {
      page = await client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }));
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ExpiredIteratorException') throw error;
      // Iterators live 15 minutes: pick up again right after the last record read.
      shard.iterator = await this.iterator(shardId, shard);
      page = await client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }));
    }
    const records = page.Records ?? [];
    shard.iterator = page.NextShardIterator;
    if (shard.iterator === undefined) shard.closed = true;
    const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
    if (last !== undefined) shard.lastSequence = last;
    return records;
  }

  private async iterator(shardId: string, shard: ShardState): Promise<string> {
    const { ShardIterator } = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(shard.lastSequence === undefined
          ? { ShardIteratorType: this.options.startAt ?? 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequence }),
      }),
    );
    if (ShardIterator === undefined) throw new Error(`DynamoDB Streams gave no iterator for shard ${shardId}`);
    return ShardIterator;
  }

  private async discoverShards(): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription: d } = await this.options.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      for (const shard of d?.Shards ?? []) {
        if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, { parent: shard.ParentShardId, iterator: undefined, lastSequence: undefined, closed: false });
      }
      start = d?.LastEvaluatedShardId;
    } while (start !== undefined);
  }

  private toLambdaRecord(r: StreamsRecord): DynamoDBRecord {
    const d = r.dynamodb;
    // Attribute values pass through unchanged: the table holds S, N and L values only, which
    // Lambda delivers in the same form (it would send a binary B as base64 text).
    type Image = NonNullable<DynamoDBRecord['dynamodb']>['Keys'];
    return {
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: r.eventSource,
      awsRegion: r.awsRegion,
      eventSourceARN: this.options.streamArn,
      dynamodb: {
        ...(d?.ApproximateCreationDateTime ? { ApproximateCreationDateTime: d.ApproximateCreationDateTime.getTime() / 1000 } : {}),
        Keys: d?.Keys as Image,
        ...(d?.NewImage ? { NewImage: d.NewImage as Image } : {}),
        ...(d?.OldImage ? { OldImage: d.OldImage as Image } : {}),
        SequenceNumber: d?.SequenceNumber,
        SizeBytes: d?.SizeBytes,
        StreamViewType: d?.StreamViewType,
      },
    };
  }
}

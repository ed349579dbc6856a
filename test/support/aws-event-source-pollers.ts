/**
 * Lambda's two event source mappings, played over the real wire against the emulators:
 * Kinesis GetRecords → Kinesis events for the ingest handler, and DynamoDB Streams
 * GetRecords → DynamoDB Streams events (with the trend function's filter) for the trend
 * handler. Both follow ReportBatchItemFailures as Lambda does: the batch is delivered again
 * from the lowest reported identifier (an unknown or empty one, or a thrown error, fails the
 * whole batch), up to `maxAttempts`; the failing records then go to `discarded`.
 */

import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
} from 'aws-lambda';
import type { DynamoStreamsChangeFeed } from '../../src/adapters/aws/dynamo-streams-change-feed.js';
import { matchesFilter, TICK_INSERT_FILTER } from '../../src/adapters/lambda-events/dynamodb-stream-event.js';
import { toKinesisEvent } from '../../src/adapters/lambda-events/kinesis-event.js';
import { restartIndex } from '../../src/adapters/local/event-source-mappings.js';
import type { StreamRecord } from '../../src/ports/model.js';

type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | undefined>;
type StreamsHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

/** Options shared by both pollers. */
export interface PollerOptions {
  /** Records per invocation. */
  readonly batchSize: number;
  readonly maxAttempts?: number;
  /** Invocations (0-based) whose event is delivered twice in a row, as an at-least-once trigger may. */
  readonly deliverTwice?: readonly number[];
}

async function invoke<E, R extends { batchItemFailures?: { itemIdentifier?: string }[] }>(
  handler: (event: E) => Promise<R | undefined>,
  event: E,
  twice: boolean,
): Promise<R | undefined> {
  try {
    if (twice) await handler(event);
    return await handler(event);
  } catch {
    return undefined; // a thrown error fails the whole batch
  }
}

interface ShardPosition {
  readonly shardId: string;
  iterator: string | undefined;
  /** Deliver again from this sequence number (AT_SEQUENCE_NUMBER) when the iterator is reset. */
  restartAt: string | undefined;
  /** The last sequence number settled (AFTER_SEQUENCE_NUMBER). */
  checkpoint: string | undefined;
  attempts: number;
}

/**
 * Polls every shard of a Kinesis stream (one invocation per shard at a time, shards
 * concurrently) and delivers the records to the handler as Lambda Kinesis events.
 *
 * @example
 * const poller = new KinesisPoller(kinesis, 'ticks', ingestHandler, { batchSize: 50 });
 * await poller.drain();
 */
export class KinesisPoller {
  readonly discarded: StreamRecord[] = [];
  invocations = 0;
  settled = 0;
  private shards: ShardPosition[] | undefined;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly handler: KinesisHandler,
    private readonly options: PollerOptions,
  ) {}

  /** Delivers everything on the stream now; returns how many records it settled. */
  async drain(): Promise<number> {
    if (this.shards === undefined) {
      const { Shards } = await this.client.send(new ListShardsCommand({ StreamName: this.streamName }));
      this.shards = (Shards ?? []).map((s) => ({
        shardId: s.ShardId as string,
        iterator: undefined,
        restartAt: undefined,
        checkpoint: undefined,
        attempts: 0,
      }));
    }
    const before = this.settled;
    await Promise.all(this.shards.map((shard) => this.drainShard(shard)));
    return this.settled - before;
  }

  private async drainShard(shard: ShardPosition): Promise<void> {
    for (;;) {
      shard.iterator ??= await this.iteratorOf(shard);
      const page = await this.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.options.batchSize }));
      const records: StreamRecord[] = (page.Records ?? []).map((r) => ({
        sequenceNumber: r.SequenceNumber as string,
        partitionKey: r.PartitionKey as string,
        data: r.Data as Uint8Array,
        arrivedAt: r.ApproximateArrivalTimestamp?.getTime(),
      }));
      if (records.length === 0) {
        shard.iterator = page.NextShardIterator;
        return;
      }
      const n = this.invocations++;
      const response = await invoke(
        this.handler,
        toKinesisEvent(records, { shardId: shard.shardId, region: 'us-east-1' }),
        this.options.deliverTwice?.includes(n) ?? false,
      );
      const restart = restartIndex(
        records.map((r) => r.sequenceNumber),
        response,
      );
      if (restart < records.length && ++shard.attempts < (this.options.maxAttempts ?? 20)) {
        shard.iterator = undefined;
        shard.restartAt = (records[restart] as StreamRecord).sequenceNumber;
        this.settled += restart;
        if (restart > 0) shard.checkpoint = (records[restart - 1] as StreamRecord).sequenceNumber;
        continue;
      }
      if (restart < records.length) this.discarded.push(...records.slice(restart));
      shard.attempts = 0;
      shard.restartAt = undefined;
      shard.checkpoint = (records[records.length - 1] as StreamRecord).sequenceNumber;
      shard.iterator = page.NextShardIterator;
      this.settled += records.length;
    }
  }

  private async iteratorOf(shard: ShardPosition): Promise<string> {
    const position =
      shard.restartAt !== undefined
        ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER' as const, StartingSequenceNumber: shard.restartAt }
        : shard.checkpoint !== undefined
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, StartingSequenceNumber: shard.checkpoint }
          : { ShardIteratorType: 'TRIM_HORIZON' as const };
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({ StreamName: this.streamName, ShardId: shard.shardId, ...position }),
    );
    return ShardIterator as string;
  }
}

/**
 * Reads a table's stream with a `DynamoStreamsChangeFeed`, keeps the records the filter
 * passes (`TICK_INSERT_FILTER` by default, applied with `matchesFilter` to the record in its
 * Lambda shape, as the event source mapping does before batching), and delivers them to the
 * handler as DynamoDB Streams events.
 *
 * @example
 * const poller = new StreamsPoller(feed, trendHandler, { batchSize: 40 });
 * await poller.drain();
 */
export class StreamsPoller {
  readonly discarded: DynamoDBRecord[] = [];
  invocations = 0;
  /** Records delivered and settled, and records the filter kept out. */
  settled = 0;
  filteredOut = 0;
  private pending: DynamoDBRecord[] = [];
  private attempts = 0;

  constructor(
    private readonly feed: DynamoStreamsChangeFeed,
    private readonly handler: StreamsHandler,
    private readonly options: PollerOptions & { filter?: unknown },
  ) {}

  /** Delivers every record waiting on the stream that the filter passes; returns how many it settled. */
  async drain(): Promise<number> {
    const { batchSize } = this.options;
    const filter = this.options.filter ?? TICK_INSERT_FILTER;
    const before = this.settled;
    for (;;) {
      while (this.pending.length < batchSize) {
        const read = await this.feed.readRecords(batchSize - this.pending.length);
        if (read.length === 0) break;
        for (const record of read) {
          if (matchesFilter(filter, record)) this.pending.push(record);
          else this.filteredOut++;
        }
      }
      if (this.pending.length === 0) return this.settled - before;
      const batch = this.pending.slice(0, batchSize);
      const n = this.invocations++;
      const response = await invoke(this.handler, { Records: batch }, this.options.deliverTwice?.includes(n) ?? false);
      const restart = restartIndex(
        batch.map((r) => r.dynamodb?.SequenceNumber ?? ''),
        response,
      );
      if (restart < batch.length && ++this.attempts < (this.options.maxAttempts ?? 20)) {
        this.settled += restart;
        this.pending = this.pending.slice(restart);
        continue;
      }
      if (restart < batch.length) this.discarded.push(...batch.slice(restart));
      this.attempts = 0;
      this.settled += batch.length;
      this.pending = this.pending.slice(batch.length);
    }
  }
}

import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
} from 'aws-lambda';
import type { ChangeFeed } from '../../ports/change-feed.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { ChangeRecord, StreamRecord } from '../../ports/model.js';
import { compileFilter, TICK_INSERT_FILTER, toDynamoRecord } from '../lambda-events/dynamodb-stream-event.js';
import { kinesisBatchId, toKinesisEvent } from '../lambda-events/kinesis-event.js';
import type { MemoryShard, MemoryStream } from './memory-stream.js';

/** A Kinesis-triggered Lambda handler with ReportBatchItemFailures. */
export type KinesisBatchHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | undefined>;
/** A DynamoDB-Streams-triggered Lambda handler with ReportBatchItemFailures. */
export type StreamsBatchHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

/**
 * What a mapping can deliver to directly, skipping the Lambda event shapes: a use case that
 * takes the records and says where redelivery must start (`IngestBatch`, `DetectTrends`).
 * The outcome is the same as through the handler; only the wire shapes are not built.
 */
export interface DirectTarget<Input> {
  execute(input: Input): Promise<{ readonly firstFailure: string | undefined }>;
}

/** Where a batch restarts after a use case names its first failure: `restartIndex`'s rule, as a handler would report it. */
function restartAt(records: readonly { readonly sequenceNumber: string }[], firstFailure: string | undefined): number {
  if (firstFailure === undefined) return records.length;
  return restartIndex(
    records.map((r) => r.sequenceNumber),
    { batchItemFailures: [{ itemIdentifier: firstFailure }] },
  );
}

/** Options shared by the two local event source mappings. */
export interface MappingOptions {
  /** Records per invocation (Lambda's default is 100; Kinesis allows up to 10,000). */
  readonly batchSize?: number;
  /**
   * Failed invocations in a row (since the shard last finished a batch) after which the
   * failing records go to the on-failure list: Lambda's `MaximumRetryAttempts` + 1. With
   * `bisectOnError`, an invocation whose batch is split does not count, as Lambda's splits
   * do not consume the retry quota.
   */
  readonly maxAttempts?: number;
  /**
   * Lambda's `BisectBatchOnFunctionError` with `ReportBatchItemFailures`, on by default as the
   * example stack (`infra/`) deploys it: a thrown error splits the batch in two and delivers the
   * halves in order, each as it is; a reported failure delivers again only the rest of that
   * batch, not a batch refilled up to `batchSize`. Off: a failed batch is read again from its
   * first failure, up to `batchSize` records.
   */
  readonly bisectOnError?: boolean;
  readonly logger?: Logger;
  /** Called before a failed batch is tried again (e.g. to let a test clock move, as time passes between Lambda retries). */
  readonly onRetry?: () => void;
}

/**
 * One shard's retry state: failed invocations in a row and, with bisect on, the sizes of the
 * batches a split or a partial failure left to deliver before batches are read full again.
 */
interface RetryState {
  attempts: number;
  readonly plan: number[];
}

/** What follows an invocation: how far the position moves, and whether records go to the on-failure list. */
interface Settled {
  readonly advance: number;
  /** Records from this offset of the batch go to the on-failure list. */
  readonly discardFrom?: number;
}

/**
 * Settles one invocation over `size` records that finished up to `restart` (`'threw'`: the
 * function failed), as Lambda's mapping would, updating `state`.
 */
function settle(state: RetryState, options: MappingOptions, size: number, restart: number | 'threw'): Settled {
  const bisect = options.bisectOnError ?? true;
  const from = restart === 'threw' ? 0 : restart;
  if (from === size) {
    state.attempts = 0;
    state.plan.shift();
    return { advance: size };
  }
  if (bisect && restart === 'threw' && size > 1) {
    // "Splitting batches doesn't consume the retry quota" (Lambda's on-failure docs). Which
    // half takes the odd record is not documented; the first does here.
    state.plan.splice(0, 1, Math.ceil(size / 2), Math.floor(size / 2));
    return { advance: 0 };
  }
  // A reported failure counts against the retry quota even with bisect on: the docs call it a
  // bisection but do not say whether it consumes the quota, and counting it keeps the retries
  // bounded (a failure reported at the first record leaves nothing to split). An empty or
  // unknown identifier fails the whole batch, which the docs do not say is bisected: it is
  // retried here as a failure at the first record. Nor do they say what resets the count:
  // here any batch that finishes, a half included, as without bisect.
  if (++state.attempts >= (options.maxAttempts ?? 10)) {
    state.attempts = 0;
    state.plan.shift();
    return { advance: size, discardFrom: from };
  }
  if (bisect) state.plan[0] = size - from;
  return { advance: from };
}

/** Lambda's largest batch for either event source. */
const MAX_BATCH_SIZE = 10_000;

/**
 * Checks a batch size, named `name` in the error: a batch of 0 records would never move a
 * shard on (ingest) or never deliver (trend), so it is refused, not run.
 *
 * @example
 * checkBatchSize('ingestBatchSize', 0); // RangeError: ingestBatchSize must be a whole number from 1 to 10000, got 0
 */
export function checkBatchSize(name: string, batchSize: number | undefined): void {
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)) {
    throw new RangeError(`${name} must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${String(batchSize)}`);
  }
}

function checkMappingOptions(options: MappingOptions): void {
  const { batchSize, maxAttempts } = options;
  checkBatchSize('batchSize', batchSize);
  if (maxAttempts !== undefined && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${String(maxAttempts)}`);
  }
}

/**
 * Where a batch restarts after a response, as Lambda decides it: the lowest reported
 * identifier; an empty or unknown identifier (or a thrown error) fails the whole batch.
 *
 * @example
 * restartIndex(['1', '2', '3'], { batchItemFailures: [{ itemIdentifier: '2' }] }); // 1
 */
export function restartIndex(ids: readonly string[], response: { batchItemFailures?: { itemIdentifier?: string }[] } | undefined): number {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return ids.length;
  let index = ids.length;
  for (const f of failures) {
    const i = f.itemIdentifier ? ids.indexOf(f.itemIdentifier) : -1;
    if (i < 0) return 0;
    index = Math.min(index, i);
  }
  return index;
}

/**
 * Plays Lambda's Kinesis event source mapping over the in-memory stream: one invocation at
 * a time per shard, in order, with ReportBatchItemFailures (restart from the lowest failed
 * sequence number), bisection of a batch whose invocation throws (`bisectOnError`) and
 * bounded attempts, after which the failing records are kept in `discarded` (the on-failure
 * destination) — never dropped.
 *
 * The target is a Lambda handler (each batch becomes a Kinesis event, base64 and all) or,
 * for speed, the ingest use case itself (the same batch id and records, no event).
 *
 * @example
 * const mapping = new LocalKinesisMapping(stream, ingestHandler, { batchSize: 500, maxAttempts: 11 });
 * await mapping.drain();
 * new LocalKinesisMapping(stream, ingestHandler, { bisectOnError: false }); // a failed batch is retried whole
 * new LocalKinesisMapping(stream, ingestBatch); // direct: no Kinesis events built
 */
export class LocalKinesisMapping {
  readonly discarded: StreamRecord[] = [];
  private readonly positions: number[];
  private readonly retries: RetryState[];
  private readonly deliver: (batch: readonly StreamRecord[], shardId: string) => Promise<number>;

  constructor(
    private readonly stream: MemoryStream,
    target: KinesisBatchHandler | DirectTarget<{ batchId: string; shardId: string; records: readonly StreamRecord[] }>,
    private readonly options: MappingOptions = {},
  ) {
    checkMappingOptions(options);
    this.positions = stream.shards.map(() => 0);
    this.retries = stream.shards.map(() => ({ attempts: 0, plan: [] }));
    this.deliver =
      typeof target === 'function'
        ? async (batch, shardId) =>
            restartIndex(
              batch.map((r) => r.sequenceNumber),
              await target(toKinesisEvent(batch, { shardId })),
            )
        : async (batch, shardId) => {
            const batchId = kinesisBatchId(shardId, batch[0]?.sequenceNumber ?? '0');
            return restartAt(batch, (await target.execute({ batchId, shardId, records: batch })).firstFailure);
          };
  }

  /** Delivers every record waiting on every shard. */
  async drain(): Promise<void> {
    while (await this.step());
  }

  /**
   * Moves every shard's position back by `records` (not before the oldest record held), as
   * when a consumer restarts from an older checkpoint: what follows is delivered again, in
   * full batches (any split in progress is forgotten with the old position).
   */
  rewind(records: number): void {
    this.stream.shards.forEach((shard, i) => {
      this.positions[i] = Math.max(shard.start, (this.positions[i] as number) - records);
      (this.retries[i] as RetryState).plan.length = 0;
    });
  }

  /**
   * One invocation per shard that has records waiting (shards run concurrently, as Lambda
   * runs one invocation per shard at a time). True while records remain.
   */
  async step(): Promise<boolean> {
    const shards = this.stream.shards;
    await Promise.all(shards.map((shard, i) => ((this.positions[i] as number) < shard.end ? this.invoke(shard, i) : undefined)));
    return shards.some((shard, i) => (this.positions[i] as number) < shard.end);
  }

  /**
   * Delivers until every shard is caught up, each shard at its own pace (as Lambda runs
   * shards independently: one shard waiting on its writes does not hold the others up),
   * awaiting `before` ahead of each invocation.
   */
  async pump(before: () => Promise<void> = async () => {}): Promise<void> {
    const shards = this.stream.shards;
    await Promise.all(
      shards.map(async (shard, i) => {
        while ((this.positions[i] as number) < shard.end) {
          await before();
          await this.invoke(shard, i);
        }
      }),
    );
  }

  private async invoke(shard: MemoryShard, i: number): Promise<void> {
    const retry = this.retries[i] as RetryState;
    const position = this.positions[i] as number;
    const batch = shard.read(position, retry.plan[0] ?? this.options.batchSize ?? 100);
    let restart: number | 'threw';
    try {
      restart = await this.deliver(batch, shard.shardId);
    } catch (error) {
      this.options.logger?.warn('kinesis mapping: the handler threw; retrying the batch', { error: String(error) });
      restart = 'threw';
    }
    const { advance, discardFrom } = settle(retry, this.options, batch.length, restart);
    this.positions[i] = position + advance;
    if (discardFrom !== undefined) {
      this.discarded.push(...batch.slice(discardFrom));
      this.options.logger?.error('kinesis mapping: retries exhausted; records sent to the on-failure list', {
        count: batch.length - discardFrom,
      });
    } else if (advance < batch.length) {
      this.options.onRetry?.();
    }
    shard.trimBefore(this.positions[i] as number);
  }
}

/**
 * Plays Lambda's DynamoDB Streams event source mapping over a change feed: the filter
 * (`TICK_INSERT_FILTER` unless another is given) applied to each record as Lambda applies
 * it, batches in order, ReportBatchItemFailures, bisection on a thrown error (`bisectOnError`),
 * bounded attempts, `discarded` for the rest.
 *
 * The target is a Lambda handler (each record shaped as a DynamoDB Streams record, then
 * filtered) or, for speed, the trend use case itself (the change records as they are,
 * filtered by the same rule).
 *
 * @example
 * const mapping = new LocalStreamsMapping(store.feed, trendHandler, { batchSize: 100 });
 * await mapping.drain();
 * new LocalStreamsMapping(store.feed, detectTrends); // direct: no stream records built
 */
export class LocalStreamsMapping {
  readonly discarded: (DynamoDBRecord | ChangeRecord)[] = [];
  private pending: (DynamoDBRecord | ChangeRecord)[] = [];
  private readonly retry: RetryState = { attempts: 0, plan: [] };
  /** The record Lambda would deliver for a change, or undefined when the filter drops it. */
  private readonly shape: (change: ChangeRecord) => DynamoDBRecord | ChangeRecord | undefined;
  private readonly deliver: (batch: (DynamoDBRecord | ChangeRecord)[]) => Promise<number>;

  constructor(
    private readonly feed: ChangeFeed,
    target: StreamsBatchHandler | DirectTarget<readonly ChangeRecord[]>,
    private readonly options: MappingOptions & { filter?: unknown } = {},
  ) {
    checkMappingOptions(options);
    const passes = compileFilter(options.filter ?? TICK_INSERT_FILTER);
    if (typeof target === 'function') {
      // Shape each record as Lambda sees it, then filter that: the test Lambda runs.
      this.shape = (change) => {
        const record = toDynamoRecord(change);
        return passes(record) ? record : undefined;
      };
      this.deliver = async (batch) => {
        const records = batch as DynamoDBRecord[];
        return restartIndex(
          records.map((r) => r.dynamodb?.SequenceNumber ?? ''),
          await target({ Records: records }),
        );
      };
    } else {
      this.shape =
        options.filter === undefined
          ? (change) => (isTickInsert(change) ? change : undefined)
          : (change) => (passes(toDynamoRecord(change)) ? change : undefined);
      this.deliver = async (batch) => {
        const changes = batch as ChangeRecord[];
        return restartAt(changes, (await target.execute(changes)).firstFailure);
      };
    }
  }

  /** True when no delivered batch waits to be retried. */
  get idle(): boolean {
    return this.pending.length === 0;
  }

  /** Records taken from the feed and not yet handled. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Delivers every change record waiting (those the filter passes). */
  async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    for (;;) {
      while (this.pending.length < batchSize) {
        const taken = await this.feed.take(batchSize - this.pending.length);
        if (taken.length === 0) break;
        for (const change of taken) {
          const record = this.shape(change);
          if (record !== undefined) this.pending.push(record);
        }
      }
      if (this.pending.length === 0) return;
      const batch = this.pending.slice(0, this.retry.plan[0] ?? batchSize);
      let restart: number | 'threw';
      try {
        restart = await this.deliver(batch);
      } catch (error) {
        this.options.logger?.warn('streams mapping: the handler threw; retrying the batch', { error: String(error) });
        restart = 'threw';
      }
      const { advance, discardFrom } = settle(this.retry, this.options, batch.length, restart);
      this.pending = this.pending.slice(advance);
      if (discardFrom !== undefined) {
        this.discarded.push(...batch.slice(discardFrom));
        this.options.logger?.error('streams mapping: retries exhausted; records sent to the on-failure list', {
          count: batch.length - discardFrom,
        });
      } else if (advance < batch.length) {
        this.options.onRetry?.();
      }
    }
  }
}

/**
 * `TICK_INSERT_FILTER` on a change record itself: a record whose new image is a recent-tick
 * item (an INSERT, or a MODIFY that rewrote one). The same answer as the filter gives for the
 * record's DynamoDB Streams shape.
 *
 * @example
 * isTickInsert({ eventName: 'INSERT', sequenceNumber: '1', keys: { pk: 'SYMBOL#A', sk: 'TICK#001' }, newImage: { sk: { S: 'TICK#001' } } }); // true
 */
export function isTickInsert(change: ChangeRecord): boolean {
  // A record carrying its tick is about a tick item (the in-memory store's INSERTs): no image is built to say so.
  if (change.tick !== undefined) return change.eventName !== 'REMOVE';
  const sk = (change.newImage?.sk as { S?: unknown } | undefined)?.S;
  return typeof sk === 'string' && sk.startsWith('TICK#');
}

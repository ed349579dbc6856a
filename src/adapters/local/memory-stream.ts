import { randomInt } from 'node:crypto';
import type { Clock } from '../../ports/clock.port.js';
import type { PlainRecordValue, StreamRecord } from '../../ports/model.js';
import type { OutgoingRecord, PublishReport, TickPublisher } from '../../ports/tick-publisher.port.js';

/**
 * A record on an in-memory shard: it keeps the published record, so a plain value stays a
 * value (ingest validates it without parsing) and its bytes are made only if read.
 */
class MemoryRecord implements StreamRecord {
  constructor(
    readonly sequenceNumber: string,
    private readonly published: OutgoingRecord,
    readonly arrivedAt: number,
  ) {}

  get partitionKey(): string {
    return this.published.partitionKey;
  }

  get data(): Uint8Array {
    return this.published.data;
  }

  get value(): PlainRecordValue | undefined {
    return this.published.value;
  }
}

/**
 * One shard of the in-memory stream: an append-only log numbered in order.
 *
 * @example
 * const shard = stream.shards[0];
 * shard.read(0, 100); // the first 100 records
 */
export class MemoryShard {
  private records: StreamRecord[] = [];
  /** Absolute position of `records[0]` (records before it were trimmed after consumption). */
  private base = 0;
  private next = 0;

  constructor(
    readonly shardId: string,
    private readonly epoch: string,
    /** Keep consumed records (so a consumer can rewind), as Kinesis keeps them for its retention period. */
    private readonly retainConsumed = false,
  ) {}

  /** Absolute position of the oldest record still held. */
  get start(): number {
    return this.base;
  }

  append(record: OutgoingRecord, arrivedAt: number): void {
    // Zero-padded decimals: sequence numbers compare the same as strings and as numbers.
    const sequenceNumber = `${this.epoch}${String(this.next++).padStart(12, '0')}`;
    this.records.push(new MemoryRecord(sequenceNumber, record, arrivedAt));
  }

  /** Records from absolute position `from`, at most `max`. */
  read(from: number, max: number): StreamRecord[] {
    const start = Math.max(0, from - this.base);
    return this.records.slice(start, start + max);
  }

  /** Absolute position after the last record. */
  get end(): number {
    return this.base + this.records.length;
  }

  /** Forgets records before `position` (the consumer has checkpointed past them). */
  trimBefore(position: number): void {
    if (this.retainConsumed) return;
    const n = Math.min(this.records.length, position - this.base);
    if (n <= 0) return;
    // Trim in large steps: splicing the head of a big array on every batch is quadratic.
    if (n < 4096 && n < this.records.length) return;
    this.records = this.records.slice(n);
    this.base += n;
  }
}

/**
 * Throws a RangeError naming `name` unless `tag` is a stream tag: a string of at most 6 digits.
 *
 * @example
 * checkStreamTag('streamTag', '12a'); // RangeError: streamTag must be a string of at most 6 digits, got "12a"
 */
export function checkStreamTag(name: string, tag: unknown): void {
  if (typeof tag !== 'string' || !/^\d{0,6}$/.test(tag))
    throw new RangeError(`${name} must be a string of at most 6 digits, got ${JSON.stringify(tag)}`);
}

/**
 * An in-memory Kinesis-like stream: records are spread over shards by a hash of their
 * partition key (so one symbol keeps its order), each shard numbering them in order.
 *
 * @example
 * const stream = new MemoryStream({ clock, shardCount: 2 });
 * await stream.publish([{ partitionKey: 'AAPL', data }]);
 * stream.shards[0].read(0, 100);
 */
export class MemoryStream implements TickPublisher {
  readonly shards: MemoryShard[];

  constructor(
    private readonly options: {
      clock: Clock;
      shardCount?: number;
      retainConsumed?: boolean;
      /**
       * Up to 6 digits that set this stream's shard ids (and so its lake object names) apart
       * from those of another stream started in the same millisecond (default: 6 random
       * digits): `shardId-<tag><shard number>`, 12 digits in all, as Kinesis writes them.
       * Fixed, two streams fed the same records name the same lake objects (runs compared).
       */
      tag?: string;
    },
  ) {
    const count = options.shardCount ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`shardCount must be a whole number ≥ 1, got ${count}`);
    if (options.tag !== undefined) checkStreamTag('tag', options.tag);
    const tag = options.tag ?? String(randomInt(1_000_000)).padStart(6, '0');
    if (count > 10 ** (12 - tag.length))
      throw new RangeError(`shardCount must be at most ${10 ** (12 - tag.length)} with a ${tag.length}-digit tag, got ${count}`);
    // Sequence numbers start from the clock, like Kinesis's grow with time: a later stream's
    // records never reuse an earlier one's numbers. A lake object is named by its shard and
    // first sequence number, so two replays into one lake started in the same millisecond
    // named each other's objects alike and one replaced the other's: the tag in the shard id
    // sets them apart (in the id, not the sequence numbers, which every lake line carries).
    const epoch = String(options.clock.now()).padStart(15, '0');
    this.shards = Array.from(
      { length: count },
      (_, i) => new MemoryShard(`shardId-${tag}${String(i).padStart(12 - tag.length, '0')}`, epoch, options.retainConsumed),
    );
  }

  async publish(records: readonly OutgoingRecord[]): Promise<PublishReport> {
    const now = this.options.clock.now();
    for (const record of records) this.shardOf(record.partitionKey).append(record, now);
    return { sent: records.length, undelivered: [] };
  }

  private shardOf(partitionKey: string): MemoryShard {
    if (this.shards.length === 1) return this.shards[0] as MemoryShard;
    let h = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < partitionKey.length; i++) h = Math.imul(h ^ partitionKey.charCodeAt(i), 0x01000193);
    return this.shards[(h >>> 0) % this.shards.length] as MemoryShard;
  }
}

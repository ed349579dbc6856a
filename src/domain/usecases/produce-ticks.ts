import type { Clock } from '../../ports/clock.port.js';
import type { FlowObserver } from '../../ports/flow-observer.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { PlainRecordValue, RejectCode, Rejection } from '../../ports/model.js';
import type { RejectSink } from '../../ports/reject-sink.port.js';
import type { OutgoingRecord, StreamFailure, TickPublisher, UndeliveredRecord } from '../../ports/tick-publisher.port.js';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';
import { partitionOf } from '../enrich.js';
import { keptRecord } from '../lake-layout.js';

/** The ports `ProduceTicks` talks to. */
export interface ProducePorts {
  readonly publisher: TickPublisher;
  readonly rejects: RejectSink;
  readonly clock: Clock;
  readonly observer: FlowObserver;
  readonly logger: Logger;
}

/** Options of `ProduceTicks`. */
export interface ProduceOptions {
  /** Records per publish call (default 500, the Kinesis PutRecords maximum). */
  readonly batchSize?: number;
}

/** What a produce run did. */
export interface ProduceSummary {
  /** Items read from the source (records and unreadable rows). */
  read: number;
  /** Records the publisher confirmed. */
  published: number;
  /** Records the publisher finally could not deliver (with the reason). */
  undelivered: UndeliveredRecord[];
  /** Rows the source could not read, by code; quarantined, never published. */
  sourceRejected: Partial<Record<RejectCode, number>>;
  /**
   * Set when the stream refused a batch with a failure no retry can cure (it does not exist,
   * access is denied): the run stopped reading the source there, and the records it had read
   * but not sent are in `undelivered`, with this failure's code and message.
   */
  streamFailure?: StreamFailure;
}

const encoder = new TextEncoder();
const MAX_PARTITION_KEY = 256;
/** Bounds on a plain value kept as it is: its JSON text stays far below `MAX_RECORD_BYTES`. */
const PLAIN_MAX_KEYS = 64;
const PLAIN_MAX_CHARS = 4096;

/**
 * A record published as a plain value: its bytes (the JSON text) are made only if a
 * publisher asks for them — an in-memory stream hands the value itself to ingest.
 */
class PlainRecord implements OutgoingRecord {
  private bytes: Uint8Array | undefined;

  constructor(
    readonly partitionKey: string,
    readonly value: PlainRecordValue,
  ) {}

  get data(): Uint8Array {
    if (this.bytes === undefined) this.bytes = encoder.encode(JSON.stringify(this.value));
    return this.bytes;
  }
}

/**
 * A copy of a record that JSON carries unchanged — a plain object of strings, finite
 * numbers, booleans and nulls, small enough that its text is far under the record limit —
 * or `undefined` (then the record travels as JSON text). Keys whose value JSON omits
 * (`undefined`) are omitted; −0 becomes 0, as JSON writes it. Copying also means a caller
 * changing the object after publishing changes nothing downstream, as with bytes.
 *
 * @example
 * plainValue({ symbol: 'AAPL', price: 1 }); // { symbol: 'AAPL', price: 1 }
 * plainValue({ price: Number.NaN });        // undefined: JSON would write null
 */
export function plainValue(record: unknown): PlainRecordValue | undefined {
  if (typeof record !== 'object' || record === null || Object.getPrototypeOf(record) !== Object.prototype) return undefined;
  const keys = Object.keys(record);
  if (keys.length > PLAIN_MAX_KEYS) return undefined;
  const copy: Record<string, string | number | boolean | null> = {};
  let chars = 0;
  for (const key of keys) {
    if (key === '__proto__') return undefined;
    const v = (record as Record<string, unknown>)[key];
    chars += key.length;
    if (typeof v === 'string') {
      chars += v.length;
      copy[key] = v;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return undefined;
      copy[key] = v === 0 ? 0 : v;
    } else if (typeof v === 'boolean' || v === null) copy[key] = v;
    else if (v !== undefined) return undefined;
  }
  return chars > PLAIN_MAX_CHARS ? undefined : copy;
}

/**
 * Encodes a source record for the stream: JSON text as bytes, partition key = its symbol
 * (per-symbol order). Strings and bytes pass as they are (a producer does not validate:
 * ingest does, and quarantines what is bad). `undefined` for a value JSON cannot carry.
 * A plain object (see `plainValue`) also keeps its value, and its bytes are made only
 * when the publisher reads them.
 *
 * @example
 * encodeRecord({ symbol: 'AAPL', timestamp: 1, price: 1, volume: 1 }); // { partitionKey: 'AAPL', data: Uint8Array(…), value: {…} }
 */
export function encodeRecord(record: unknown): OutgoingRecord | undefined {
  const symbol = typeof record === 'object' && record !== null ? (record as { symbol?: unknown }).symbol : undefined;
  // Upper-cased like the symbol ingest will keep, so `aapl` and `AAPL` share a shard and an order.
  const partitionKey =
    typeof symbol === 'string' && symbol.length > 0 && symbol.length <= MAX_PARTITION_KEY ? symbol.toUpperCase() : '_unkeyed';
  if (record instanceof Uint8Array) return { partitionKey, data: record };
  if (typeof record === 'string') return { partitionKey, data: encoder.encode(record) };
  const value = plainValue(record);
  if (value !== undefined) return new PlainRecord(partitionKey, value);
  let text: string | undefined;
  try {
    text = JSON.stringify(record);
  } catch {
    return undefined;
  }
  if (text === undefined) return undefined;
  return { partitionKey, data: encoder.encode(text) };
}

/**
 * The producer use case: reads a `TickSource`, publishes its records to the stream in
 * batches, and quarantines rows the source could not read. Nothing is dropped: records the
 * publisher could not deliver are returned in the summary. A stream that refuses every
 * record (missing, access denied) stops the run at the first batch it refuses, rather than
 * after the whole source, or never for a live one: see `ProduceSummary.streamFailure`.
 *
 * @example
 * const produce = new ProduceTicks({ publisher, rejects, clock, observer, logger });
 * const summary = await produce.run(source);
 * console.log(`${summary.published} sent, ${summary.undelivered.length} undelivered`);
 */
export class ProduceTicks {
  private readonly batchSize: number;

  constructor(
    private readonly ports: ProducePorts,
    options: ProduceOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
  }

  /**
   * Reads the whole source (or until the signal aborts, or the stream fails for good),
   * publishing as it goes. `onBatch` is given the running summary after each publish.
   * If the source fails, what it read is still sent, and then its error is thrown: the last
   * summary `onBatch` saw is then the summary of the run up to the failure.
   *
   * @example
   * let sofar: ProduceSummary | undefined;
   * try {
   *   const summary = await produce.run(source, { onBatch: (s) => { sofar = s; } });
   *   if (summary.streamFailure) console.error(`stopped: ${summary.streamFailure.message}`);
   * } catch (error) {
   *   console.error(`${error}; before it, ${sofar?.published ?? 0} record(s) were sent`);
   * }
   */
  async run(
    source: TickSource,
    options: { signal?: AbortSignal; onBatch?: (summary: ProduceSummary) => void } = {},
  ): Promise<ProduceSummary> {
    const total = emptySummary();
    let pending: SourceItem[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const items = pending;
      pending = [];
      mergeInto(total, await this.publishItems(items));
      options.onBatch?.(total);
    };
    try {
      for await (const item of source.items(options.signal)) {
        if (item.kind !== 'flush') pending.push(item);
        if (item.kind === 'flush' || pending.length >= this.batchSize) await flush();
        // Leaving the loop closes the source: reading on would only pile up records no retry can send.
        if (total.streamFailure !== undefined) break;
      }
    } finally {
      // Ctrl-C or a source error: what was read is still sent (or reported undelivered).
      await flush();
    }
    return total;
  }

  /** Publishes one group of items: records in batches, unreadable rows to quarantine. */
  async publishItems(items: readonly SourceItem[]): Promise<ProduceSummary> {
    const summary = emptySummary();
    const now = this.ports.clock.now();
    const rejections: Rejection[] = [];
    let batch: OutgoingRecord[] = [];
    const send = async () => {
      if (batch.length === 0) return;
      const failure = summary.streamFailure;
      if (failure !== undefined) {
        // The stream has refused for good: the rest is not sent, and not dropped either.
        for (const record of batch) summary.undelivered.push({ record, errorCode: failure.errorCode, message: failure.message });
      } else {
        const report = await this.ports.publisher.publish(batch);
        summary.published += report.sent;
        summary.undelivered.push(...report.undelivered);
        if (report.streamFailure !== undefined) summary.streamFailure = report.streamFailure;
      }
      batch = [];
    };
    for (const item of items) {
      if (item.kind === 'flush') continue;
      summary.read++;
      if (item.kind === 'reject') {
        const kept = item.bytes === undefined ? { record: item.text } : keptRecord(item.bytes);
        rejections.push({ code: item.code, message: item.message, ...kept, sequence: item.origin, receivedAt: now });
        continue;
      }
      const encoded = encodeRecord(item.record);
      if (encoded === undefined) {
        rejections.push({
          code: 'INVALID_JSON',
          message: `${item.origin ?? 'a source record'}: the value cannot be written as JSON`,
          record: String(item.record),
          sequence: item.origin ?? '',
          receivedAt: now,
        });
        continue;
      }
      batch.push(encoded);
      if (batch.length >= this.batchSize) await send();
    }
    await send();
    if (rejections.length > 0) {
      // A name of this call's own: the first row's origin alone (`ticks.csv:3`) is the same for
      // another run over a file of that name, whose object would replace this one's rows.
      const own = `${now.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      const batchId = `source-${own}-${(rejections[0] as Rejection).sequence}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
      await this.ports.rejects.writeRejects(batchId, partitionOf(now), rejections);
      for (const r of rejections) {
        summary.sourceRejected[r.code] = (summary.sourceRejected[r.code] ?? 0) + 1;
        this.ports.observer.sourceRejected(r.code, r.message);
      }
      this.ports.logger.info('produce: rows the source could not read were quarantined', {
        count: rejections.length,
        first: rejections[0]?.message,
      });
    }
    if (summary.streamFailure !== undefined) {
      this.ports.logger.error('produce: the stream refuses every record, and no retry can change that: stopping', {
        errorCode: summary.streamFailure.errorCode,
        reason: summary.streamFailure.message,
        undelivered: summary.undelivered.length,
      });
    } else if (summary.undelivered.length > 0) {
      this.ports.logger.error('produce: records could not be delivered', {
        count: summary.undelivered.length,
        first: summary.undelivered[0]?.message,
      });
    }
    return summary;
  }
}

function emptySummary(): ProduceSummary {
  return { read: 0, published: 0, undelivered: [], sourceRejected: {} };
}

function mergeInto(total: ProduceSummary, part: ProduceSummary): void {
  total.read += part.read;
  total.published += part.published;
  total.undelivered.push(...part.undelivered);
  for (const [code, n] of Object.entries(part.sourceRejected) as [RejectCode, number][]) {
    total.sourceRejected[code] = (total.sourceRejected[code] ?? 0) + n;
  }
  if (part.streamFailure !== undefined) total.streamFailure ??= part.streamFailure;
}

import type { Clock } from '../../ports/clock.port.js';
import type { FlowObserver } from '../../ports/flow-observer.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RejectCode, Rejection } from '../../ports/model.js';
import type { RejectSink } from '../../ports/reject-sink.port.js';
import type { OutgoingRecord, TickPublisher, UndeliveredRecord } from '../../ports/tick-publisher.port.js';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';
import { partitionOf } from '../enrich.js';

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
}

const encoder = new TextEncoder();
const MAX_PARTITION_KEY = 256;

/**
 * Encodes a source record for the stream: JSON text as bytes, partition key = its symbol
 * (per-symbol order). Strings and bytes pass as they are (a producer does not validate:
 * ingest does, and quarantines what is bad). `undefined` for a value JSON cannot carry.
 *
 * @example
 * encodeRecord({ symbol: 'AAPL', timestamp: 1, price: 1, volume: 1 }); // { partitionKey: 'AAPL', data: Uint8Array(…) }
 */
export function encodeRecord(record: unknown): OutgoingRecord | undefined {
  let data: Uint8Array;
  if (record instanceof Uint8Array) data = record;
  else if (typeof record === 'string') data = encoder.encode(record);
  else {
    let text: string | undefined;
    try {
      text = JSON.stringify(record);
    } catch {
      return undefined;
    }
    if (text === undefined) return undefined;
    data = encoder.encode(text);
  }
  const symbol = typeof record === 'object' && record !== null ? (record as { symbol?: unknown }).symbol : undefined;
  // Upper-cased like the symbol ingest will keep, so `aapl` and `AAPL` share a shard and an order.
  const partitionKey =
    typeof symbol === 'string' && symbol.length > 0 && symbol.length <= MAX_PARTITION_KEY ? symbol.toUpperCase() : '_unkeyed';
  return { partitionKey, data };
}

/**
 * The producer use case: reads a `TickSource`, publishes its records to the stream in
 * batches, and quarantines rows the source could not read. Nothing is dropped: records the
 * publisher could not deliver are returned in the summary.
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

  /** Reads the whole source (or until the signal aborts), publishing as it goes. */
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
        if (item.kind === 'flush') {
          await flush();
          continue;
        }
        pending.push(item);
        if (pending.length >= this.batchSize) await flush();
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
      const report = await this.ports.publisher.publish(batch);
      summary.published += report.sent;
      summary.undelivered.push(...report.undelivered);
      batch = [];
    };
    for (const item of items) {
      if (item.kind === 'flush') continue;
      summary.read++;
      if (item.kind === 'reject') {
        rejections.push({ code: item.code, message: item.message, record: item.text, sequence: item.origin, receivedAt: now });
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
      const batchId = `source-${(rejections[0] as Rejection).sequence}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
      await this.ports.rejects.writeRejects(batchId, partitionOf(now), rejections);
      for (const r of rejections) {
        summary.sourceRejected[r.code] = (summary.sourceRejected[r.code] ?? 0) + 1;
        this.ports.observer.sourceRejected(r.code, r.message);
      }
      this.ports.logger.warn('produce: rows the source could not read were quarantined', {
        count: rejections.length,
        first: rejections[0]?.message,
      });
    }
    if (summary.undelivered.length > 0) {
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
}

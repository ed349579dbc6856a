import type { PlainRecordValue } from './model.js';

/**
 * A record ready for the stream: its partition key (the symbol, for per-symbol order) and bytes.
 *
 * @example
 * const r: OutgoingRecord = { partitionKey: 'AAPL', data: new TextEncoder().encode('{"symbol":"AAPL"}') };
 */
export interface OutgoingRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /**
   * The record as a plain value, when the producer had one whose JSON text `data` is (see
   * `encodeRecord`): an in-memory stream passes it on so ingest need not parse that text.
   */
  readonly value?: PlainRecordValue;
}

/** A record the publisher finally could not deliver, and why. */
export interface UndeliveredRecord {
  readonly record: OutgoingRecord;
  readonly errorCode: string;
  readonly message: string;
}

/** What a publish call achieved: how many went out, and each record that did not. */
export interface PublishReport {
  readonly sent: number;
  readonly undelivered: readonly UndeliveredRecord[];
}

/**
 * Puts records on the stream (Kinesis, or the in-memory stream). Retries what it can and
 * returns what it could not deliver: it never drops a record silently.
 *
 * @example
 * const report = await publisher.publish(records);
 * if (report.undelivered.length > 0) console.error(report.undelivered[0].message);
 */
export interface TickPublisher {
  publish(records: readonly OutgoingRecord[]): Promise<PublishReport>;
}
/** DI token of the `TickPublisher`. */
export const TICK_PUBLISHER = Symbol.for('tickflow.TickPublisher');

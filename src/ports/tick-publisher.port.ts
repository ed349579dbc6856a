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

/**
 * A failure of the stream as a whole that no retry can cure: the stream does not exist, or
 * the caller may not write to it (access denied, credentials refused or expired). Every
 * later record would fail the same way, so a producer stops reading its source.
 *
 * @example
 * const f: StreamFailure = { errorCode: 'ResourceNotFoundException', message: 'Stream tickz under account 123456789012 not found.' };
 */
export interface StreamFailure {
  readonly errorCode: string;
  readonly message: string;
}

/**
 * What a publish call achieved: how many went out, and each record that did not. With
 * `streamFailure`, the publisher stopped at it: the records it did not try are in
 * `undelivered` too, with that failure's code and message.
 */
export interface PublishReport {
  readonly sent: number;
  readonly undelivered: readonly UndeliveredRecord[];
  readonly streamFailure?: StreamFailure;
}

/**
 * Puts records on the stream (Kinesis, or the in-memory stream). Retries what it can and
 * returns what it could not deliver: it never drops a record silently. A failure no retry
 * can cure for any record (see `StreamFailure`) is reported as such, so that its caller
 * stops rather than send record after record into it.
 *
 * @example
 * const report = await publisher.publish(records);
 * if (report.streamFailure) throw new Error(`the stream refuses every record: ${report.streamFailure.message}`);
 * if (report.undelivered.length > 0) console.error(report.undelivered[0].message);
 */
export interface TickPublisher {
  publish(records: readonly OutgoingRecord[]): Promise<PublishReport>;
}
/** DI token of the `TickPublisher`. */
export const TICK_PUBLISHER = Symbol.for('tickflow.TickPublisher');

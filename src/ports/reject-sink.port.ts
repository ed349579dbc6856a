import type { Partition, Rejection } from './model.js';

/**
 * Quarantine: bad records kept with their code and message under
 * `rejected/year=…/month=…/day=…/<batch-id>.ndjson.gz`, never dropped.
 *
 * @example
 * await sink.writeRejects('produce-csv-1', { year: 2024, month: 1, day: 2 }, rejections);
 */
export interface RejectSink {
  /** Writes one day's rejects of one batch; returns the object key. */
  writeRejects(batchId: string, partition: Partition, rejections: readonly Rejection[]): Promise<string>;
}
/** DI token of the `RejectSink`. */
export const REJECT_SINK = Symbol.for('tickflow.RejectSink');

import type { Alert, RejectCode, Tick } from './model.js';

/**
 * What one ingest batch did, for counters, dashboards and replay stats. Only records that
 * were settled (archived or quarantined) are counted; records to be retried are not.
 */
export interface IngestReport {
  /** Valid ticks, in batch order. */
  readonly accepted: readonly Tick[];
  /** Of those, how many were applied to the indicators (new), duplicates, or late. */
  readonly applied: number;
  readonly duplicates: number;
  readonly late: number;
  /** Rejections by code. */
  readonly rejected: Readonly<Partial<Record<RejectCode, number>>>;
  /** The rejections themselves (code, message, stream sequence number). */
  readonly rejections: readonly { readonly code: RejectCode; readonly message: string; readonly sequence: string }[];
  /** Records left for the platform to deliver again. */
  readonly retried: number;
}

/**
 * Watches the flow: the use cases tell it what they did. The dashboard and replay's stats
 * are observers; so is a no-op.
 *
 * @example
 * const observer: FlowObserver = { ingested: (r) => console.log(r.accepted.length), alerted: () => {}, sourceRejected: () => {} };
 */
export interface FlowObserver {
  ingested(report: IngestReport): void;
  alerted(alerts: readonly Alert[]): void;
  /** A row a source could not read (it never reached the stream); the message names the place. */
  sourceRejected(code: RejectCode, message: string): void;
}
/** DI token of the `FlowObserver`. */
export const FLOW_OBSERVER = Symbol.for('tickflow.FlowObserver');

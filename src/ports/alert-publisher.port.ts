import type { Alert } from './model.js';

/** What became of a publish call: the alerts that could not be published, with the reason. */
export interface AlertPublishReport {
  readonly failed: readonly { readonly alert: Alert; readonly error: string }[];
}

/** How a publish call must end. */
export interface PublishOptions {
  /**
   * Within how many ms of its start the call must be over (what is left of the caller's
   * claim on the alerts, less the time it keeps to record them sent): no send starts that
   * could end later, and the alerts it leaves unsent come back in `failed`. A duration, not
   * a time, so the publisher's clock need not be the caller's. Instant publishers may ignore it.
   */
  readonly withinMs?: number;
  /**
   * Whether `withinMs` is a hard bound (default): with `false`, requests start in its first
   * half (or until one request's worst case before its end, if later), so a caller with too
   * little time for a hard bound still gets some alerts out, and the rest back as failed.
   */
  readonly strict?: boolean;
}

/**
 * Sends alerts to people and systems: SNS, the console, an NDJSON file.
 *
 * @example
 * const { failed } = await publisher.publish([alert], { withinMs: 30_000 });
 */
export interface AlertPublisher {
  publish(alerts: readonly Alert[], options?: PublishOptions): Promise<AlertPublishReport>;
  /**
   * The longest one request of the publisher can take (ms; none for an instant one): given
   * `withinMs` no longer than this, it sends nothing.
   */
  readonly attemptMs?: number;
}
/** DI token of the `AlertPublisher`. */
export const ALERT_PUBLISHER = Symbol.for('tickflow.AlertPublisher');

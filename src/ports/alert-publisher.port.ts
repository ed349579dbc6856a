import type { Alert } from './model.js';

/** What became of a publish call: the alerts that could not be published, with the reason. */
export interface AlertPublishReport {
  readonly failed: readonly { readonly alert: Alert; readonly error: string }[];
}

/** How a publish call must end. */
export interface PublishOptions {
  /**
   * Epoch ms by which the call must be over (the end of the caller's claim on the alerts,
   * less the time it keeps to record them sent): no send starts that could end after it, and
   * the alerts it leaves unsent come back in `failed`. Instant publishers may ignore it.
   */
  readonly until?: number;
}

/**
 * Sends alerts to people and systems: SNS, the console, an NDJSON file.
 *
 * @example
 * const { failed } = await publisher.publish([alert], { until: Date.now() + 30_000 });
 */
export interface AlertPublisher {
  publish(alerts: readonly Alert[], options?: PublishOptions): Promise<AlertPublishReport>;
}
/** DI token of the `AlertPublisher`. */
export const ALERT_PUBLISHER = Symbol.for('tickflow.AlertPublisher');

import type { Alert } from './model.js';

/** What became of a publish call: the alerts that could not be published, with the reason. */
export interface AlertPublishReport {
  readonly failed: readonly { readonly alert: Alert; readonly error: string }[];
}

/**
 * Sends alerts to people and systems: SNS, the console, an NDJSON file.
 *
 * @example
 * const { failed } = await publisher.publish([alert]);
 */
export interface AlertPublisher {
  publish(alerts: readonly Alert[]): Promise<AlertPublishReport>;
}
/** DI token of the `AlertPublisher`. */
export const ALERT_PUBLISHER = Symbol.for('tickflow.AlertPublisher');

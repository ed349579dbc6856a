/** Structured fields attached to a log line. Never put secrets here. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Where the use cases and adapters say what happened.
 *
 * @example
 * logger.warn('batch partly failed', { failed: 3 });
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
/** DI token of the `Logger`. */
export const LOGGER = Symbol.for('tickflow.Logger');

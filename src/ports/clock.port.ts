/**
 * Time, for everything that must not call `Date.now()` itself (the domain, the use cases).
 *
 * @example
 * const fixed: Clock = { now: () => Date.UTC(2024, 0, 2) };
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}
/** DI token of the `Clock`. */
export const CLOCK = Symbol.for('tickflow.Clock');

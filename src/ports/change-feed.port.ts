import type { ChangeRecord } from './model.js';

/**
 * The store's change stream as the trend path reads it (DynamoDB Streams, or the in-memory
 * store's feed): change records in write order, taken in batches.
 *
 * @example
 * const batch = await feed.take(100); // [] when nothing is waiting
 */
export interface ChangeFeed {
  /** Removes and returns up to `max` waiting change records, oldest first. */
  take(max: number): Promise<ChangeRecord[]>;
}
/** DI token of the `ChangeFeed`. */
export const CHANGE_FEED = Symbol.for('tickflow.ChangeFeed');

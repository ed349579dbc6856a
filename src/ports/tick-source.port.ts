import type { RejectCode } from './model.js';

/**
 * One item a source yields: a record to publish as it is (an object or JSON text, valid or
 * not: ingest validates), or a row the source could not read at all, with where it was.
 *
 * @example
 * const item: SourceItem = { kind: 'record', record: { symbol: 'AAPL', timestamp: 1704205800000, price: 187.43, volume: 100 } };
 */
export type SourceItem =
  | { readonly kind: 'record'; readonly record: unknown; readonly origin?: string }
  | {
      readonly kind: 'reject';
      readonly code: RejectCode;
      /** A message that names the place, e.g. `ticks.csv line 12: expected 4 fields, got 3`. */
      readonly message: string;
      /** The offending text as read. */
      readonly text: string;
      /** The offending bytes, when they are not UTF-8 text (`text` then reads them with U+FFFD): the quarantine keeps these. */
      readonly bytes?: Uint8Array;
      readonly origin: string;
    }
  /** A natural boundary (a polling round ended): the producer publishes what it holds. */
  | { readonly kind: 'flush' };

/**
 * Where ticks come from: a simulation, a file, Yahoo Finance. Finite for files and
 * history, endless for live polling (stop it with the signal).
 *
 * @example
 * for await (const item of source.items(controller.signal)) console.log(item);
 */
export interface TickSource {
  /** A short name for logs and the `source` field, e.g. `simulated`, `csv`, `yahoo`. */
  readonly name: string;
  items(signal?: AbortSignal): AsyncIterable<SourceItem>;
  /**
   * Optional: the same items, in order, handed over in arrays — for sources that make items
   * faster than one await each can pass them on (a simulation, a file in memory). Readers
   * that can take arrays prefer this.
   */
  chunks?(signal?: AbortSignal): AsyncIterable<readonly SourceItem[]>;
}
/** DI token of the `TickSource`. */
export const TICK_SOURCE = Symbol.for('tickflow.TickSource');

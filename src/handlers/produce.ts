import type { ProduceSummary, ProduceTicks } from '../domain/usecases/produce-ticks.js';
import type { TickSource } from '../ports/tick-source.port.js';

/** What the produce Lambda returns to EventBridge (and its logs). */
export interface ProduceResponse {
  readonly read: number;
  readonly published: number;
  readonly undelivered: number;
  readonly sourceRejected: ProduceSummary['sourceRejected'];
}

/**
 * The produce Lambda's logic: on each schedule tick, read the source once (one polling
 * round) and publish it. Undelivered records make the invocation fail, so they are not lost
 * silently: the error names how many, and the schedule's retry or alarm takes over. A stream
 * that refuses every record (missing, access denied) ends the round at its first batch, and
 * the error says so.
 *
 * @example
 * export const handler = makeProduceHandler(container.get(PRODUCE_TICKS), source);
 */
export function makeProduceHandler(produce: ProduceTicks, source: TickSource): (event?: unknown) => Promise<ProduceResponse> {
  return async () => {
    const s = await produce.run(source);
    const response = { read: s.read, published: s.published, undelivered: s.undelivered.length, sourceRejected: s.sourceRejected };
    if (s.streamFailure !== undefined) {
      throw new Error(
        `the stream refuses every record (${s.streamFailure.errorCode}: ${s.streamFailure.message}), so the source was read no further: ${s.undelivered.length} record(s) read were not delivered`,
      );
    }
    if (s.undelivered.length > 0) {
      throw new Error(`${s.undelivered.length} record(s) could not be delivered to the stream: ${s.undelivered[0]?.message}`);
    }
    return response;
  };
}

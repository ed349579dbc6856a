import { PRODUCE_TICKS } from '../container/tokens.js';
import type { ProduceSummary, ProduceTicks } from '../domain/usecases/produce-ticks.js';
import { TICK_SOURCE, type TickSource } from '../ports/tick-source.port.js';

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
 * silently: the error names how many, and the schedule's retry or alarm takes over.
 *
 * @example
 * export const handler = makeProduceHandler(container.get(PRODUCE_TICKS), source);
 */
export function makeProduceHandler(produce: ProduceTicks, source: TickSource): (event?: unknown) => Promise<ProduceResponse> {
  return async () => {
    const s = await produce.run(source);
    const response = { read: s.read, published: s.published, undelivered: s.undelivered.length, sourceRejected: s.sourceRejected };
    if (s.undelivered.length > 0) {
      throw new Error(`${s.undelivered.length} record(s) could not be delivered to the stream: ${s.undelivered[0]?.message}`);
    }
    return response;
  };
}

type ProduceHandler = (event?: unknown) => Promise<ProduceResponse>;
let produceHandler: Promise<ProduceHandler> | undefined;

/**
 * The produce Lambda entry point (an EventBridge schedule, e.g. every minute): one round of
 * Yahoo Finance quotes for `TICKFLOW_SYMBOLS` (or, with `TICKFLOW_SOURCE=simulated`,
 * `TICKFLOW_SIMULATED_TICKS` seeded simulated ticks), published to `TICKFLOW_STREAM`. The AWS
 * container (and yahoo-finance2) are built once, on the cold start.
 *
 * @example
 * // CDK: new events.Rule(this, 'Every minute', { schedule, targets: [new targets.LambdaFunction(produceFn)] })
 * const { published } = await handler();
 */
export const handler: ProduceHandler = async (event) => {
  produceHandler ??= import('../container/produce-container.js').then(async ({ produceContainer }) => {
    const container = produceContainer(process.env);
    return makeProduceHandler(container.get<ProduceTicks>(PRODUCE_TICKS), await container.getAsync<TickSource>(TICK_SOURCE));
  });
  return (await produceHandler)(event);
};

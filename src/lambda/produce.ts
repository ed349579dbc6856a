/**
 * The deployable produce function: Lambda's entry point. The handler's logic is in
 * `src/handlers/produce.ts`; this file only builds the AWS container on the cold start.
 */
import type { Context as LambdaContext } from 'aws-lambda';
import { PRODUCE_TICKS } from '../container/tokens.js';
import type { ProduceTicks } from '../domain/usecases/produce-ticks.js';
import { makeProduceHandler, type ProduceResponse } from '../handlers/produce.js';
import { TICK_SOURCE, type TickSource } from '../ports/tick-source.port.js';

type ProduceHandler = (event?: unknown, context?: LambdaContext) => Promise<ProduceResponse>;
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
export const handler: ProduceHandler = async (event, context) => {
  produceHandler ??= import('../container/produce-container.js').then(async ({ asInvocation, produceContainer }) => {
    const container = produceContainer(process.env);
    return asInvocation(
      container,
      makeProduceHandler(container.get<ProduceTicks>(PRODUCE_TICKS), await container.getAsync<TickSource>(TICK_SOURCE)),
    );
  });
  return (await produceHandler)(event, context);
};

import { NodeHttpHandler } from '@smithy/node-http-handler';

/** How long every client waits: for a connection, and for a request's response. */
export const AWS_HTTP_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 15_000 } as const;

/**
 * The HTTP handler of every client: a connection that does not open in time, or a response
 * that has not come in time, fails with a TimeoutError (which the SDK retries) instead of
 * holding the invocation, and the trend function's claim on a symbol's alerts, until the
 * function times out. (Without `throwOnRequestTimeout` the handler only logs a warning.)
 *
 * @example
 * new DynamoDBClient({ requestHandler: awsHttpHandler() });
 */
export function awsHttpHandler(timeouts: { connectionTimeout: number; requestTimeout: number } = AWS_HTTP_TIMEOUTS): NodeHttpHandler {
  return new NodeHttpHandler({ ...timeouts, throwOnRequestTimeout: true });
}

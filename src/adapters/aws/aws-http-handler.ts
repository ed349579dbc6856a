import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * How long every client waits: for a connection, for a response's headers, and on a socket
 * with nothing moving (a body that stops after its headers).
 */
export const AWS_HTTP_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 15_000, socketTimeout: 15_000 } as const;

/**
 * The HTTP handler of every client: a connection that does not open in time, a response
 * whose headers have not come in time, or one whose body stops coming, fails with a
 * TimeoutError (which the SDK retries) instead of holding the invocation, and the trend
 * function's claim on a symbol's alerts, until the function times out. (Without
 * `throwOnRequestTimeout` the handler only logs a warning; `requestTimeout` ends when the
 * headers arrive, so only `socketTimeout` covers the body.)
 *
 * @example
 * new DynamoDBClient({ requestHandler: awsHttpHandler() });
 */
export function awsHttpHandler(
  timeouts: { connectionTimeout: number; requestTimeout: number; socketTimeout?: number } = AWS_HTTP_TIMEOUTS,
): NodeHttpHandler {
  const { connectionTimeout, requestTimeout, socketTimeout = requestTimeout } = timeouts;
  return new NodeHttpHandler({ connectionTimeout, requestTimeout, socketTimeout, throwOnRequestTimeout: true });
}

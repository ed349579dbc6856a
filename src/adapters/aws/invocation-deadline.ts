import { messageOf } from '../../domain/usecases/ingest-batch.js';
import { AWS_HTTP_TIMEOUTS } from './aws-http-handler.js';

/**
 * Time an attempt may take at worst: a connection, a response's headers, a body that stops
 * (an idle socket), and a little to spare. In a function of at least twice this (the example
 * stack's ingest has 90 s), no attempt starts with less than this left, so the
 * last one ends before the function times out; in a shorter one, attempts start in its first
 * half. (A body that keeps dripping a byte at a time is bounded only by the function's timeout.)
 */
export const ATTEMPT_MS = AWS_HTTP_TIMEOUTS.connectionTimeout + AWS_HTTP_TIMEOUTS.requestTimeout + AWS_HTTP_TIMEOUTS.socketTimeout + 2_000;

/**
 * The error of a request not sent because the invocation has no time left for it: not
 * retryable, so the adapter stops and the handler reports what is left for Lambda to
 * deliver again, instead of the function timing out with nothing reported.
 *
 * @example
 * error instanceof InvocationDeadlineError; // the batch is retried from the failed record
 */
export class InvocationDeadlineError extends Error {
  override readonly name = 'InvocationDeadlineError';
}

/**
 * When the current Lambda invocation must stop sending AWS requests. The SDK retries each
 * call, the adapters retry the SDK's calls, and each attempt may take 15 s: together, far
 * more than a function's timeout. Every client the AWS container builds checks this before
 * each attempt (`guardWithDeadline`); the ingest and produce entry points set it from the
 * context, so a stalled service ends in a reported partial failure rather than a timeout.
 * Outside an invocation (the CLI, the trend function) there is no deadline: the trend
 * function must not have the write that clears its sent alerts refused.
 *
 * @example
 * deadline.begin(context.getRemainingTimeInMillis());
 * try { return await handler(event); } finally { deadline.end(); }
 */
export class InvocationDeadline {
  private cutoff = Number.POSITIVE_INFINITY;
  /** The invocation's last failed attempt, of any call (it may have been retried with success since). */
  private lastFailure: { readonly what: string; readonly error: unknown } | undefined;

  /**
   * `names`: what runs out and what the attempts belong to, as refusals name them (by
   * default this invocation; for a publish bounded by a claim, the claim and the publish).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly names: { readonly time: string; readonly work: string } = { time: 'this invocation', work: 'this invocation' },
  ) {}

  /**
   * Starts an invocation with `remainingMs` left: attempts may start until one attempt's
   * worst case before the end (half the time, for a function shorter than two of those).
   * `strict`: never later than one attempt's worst case before the end, however short the
   * time (none at all in less than that).
   */
  begin(remainingMs: number | undefined, options: { strict?: boolean } = {}): void {
    this.lastFailure = undefined;
    if (remainingMs === undefined || !Number.isFinite(remainingMs)) return;
    this.cutoff = this.now() + (options.strict ? remainingMs - ATTEMPT_MS : Math.max(remainingMs - ATTEMPT_MS, remainingMs / 2));
  }

  /** Ends the invocation: no deadline until the next `begin`. */
  end(): void {
    this.cutoff = Number.POSITIVE_INFINITY;
    this.lastFailure = undefined;
  }

  /** Notes a failed attempt of `what`, to be named when a later one is refused. */
  failed(what: string, error: unknown): void {
    this.lastFailure = { what, error };
  }

  /**
   * Throws an `InvocationDeadlineError` if an attempt starting now could outlast the
   * invocation, naming the invocation's last failed attempt, if any (a clue to where the time went).
   */
  check(what: string): void {
    if (this.now() >= this.cutoff) {
      const previous = this.lastFailure;
      const cause =
        previous?.error instanceof Error
          ? `; an earlier attempt of ${this.names.work} failed: ${previous.what}: ${messageOf(previous.error)}`
          : '';
      throw new InvocationDeadlineError(`${what} not sent: too little of ${this.names.time} is left for another attempt${cause}`);
    }
  }
}

/**
 * Makes every attempt of `client`'s requests, retries included, check `deadline` first; or
 * of one command's, given the command.
 *
 * @example
 * const dynamodb = guardWithDeadline(new DynamoDBClient({}), deadline);
 */
export function guardWithDeadline<C extends { middlewareStack: MiddlewareAdder }>(
  client: C,
  deadline: InvocationDeadline,
  /** The middleware's name: a command guarded on a guarded client needs a name of its own (the SDK refuses two alike). */
  name = 'tickflowInvocationDeadline',
): C {
  const middleware: FinalizeMiddleware = (next, context) => async (args) => {
    const what = typeof context.commandName === 'string' ? context.commandName : 'an AWS request';
    deadline.check(what);
    try {
      return await next(args);
    } catch (error) {
      // Named when a later attempt, of this call or any other, is refused.
      deadline.failed(what, error);
      throw error;
    }
  };
  // In the finalizeRequest step after the retry middleware (priority high): once per attempt.
  client.middlewareStack.add(middleware, { step: 'finalizeRequest', priority: 'low', name });
  return client;
}

/** The shape of an SDK client's middleware stack that `guardWithDeadline` uses (as `@smithy/types` has it). */
type FinalizeMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: unknown },
) => (args: unknown) => Promise<unknown>;
interface MiddlewareAdder {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's own middleware types, left to it.
  add(middleware: any, options: { step: 'finalizeRequest'; priority: 'low'; name: string }): void;
}

/**
 * Runs `handler` as one invocation of `deadline`, from the Lambda context's remaining time.
 *
 * @example
 * export const handler = withDeadline(deadline, makeIngestHandler(ingest, logger));
 */
export function withDeadline<E, R>(
  deadline: InvocationDeadline,
  handler: (event: E) => Promise<R>,
): (event: E, context?: { getRemainingTimeInMillis?: () => number }) => Promise<R> {
  return async (event, context) => {
    deadline.begin(context?.getRemainingTimeInMillis?.());
    try {
      return await handler(event);
    } finally {
      deadline.end();
    }
  };
}

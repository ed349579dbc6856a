/**
 * Fault injection for port adapters: a wrapper that fails chosen calls with realistic
 * transient errors (throttling, timeouts, 5xx) before (or after) the real call runs.
 */

/** Decides, per call, whether to fail and how. */
export type FaultSchedule = (call: number, method: string) => 'ok' | 'fail-before' | 'fail-after';

const ERRORS = [
  () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
  () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
  () =>
    Object.assign(new Error('We encountered an internal error. Please try again.'), {
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    }),
  () => Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
];

/**
 * Wraps every method of an adapter so that calls fail as the schedule says. `fail-after`
 * runs the real call first and then throws: the write happened but the caller cannot know
 * (a lost response), the nastiest case for idempotency.
 *
 * @example
 * const flaky = withFaults(store, (n) => (n % 3 === 0 ? 'fail-before' : 'ok'));
 */
export function withFaults<T extends object>(
  target: T,
  schedule: FaultSchedule,
  only?: readonly string[],
): T & { calls: number; faults: number } {
  const state = { calls: 0, faults: 0 };
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (prop === 'calls') return state.calls;
      if (prop === 'faults') return state.faults;
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || (only && !only.includes(String(prop)))) return value;
      return async (...args: unknown[]) => {
        const n = state.calls++;
        const decision = schedule(n, String(prop));
        const error = ERRORS[n % ERRORS.length] as () => Error;
        if (decision === 'fail-before') {
          state.faults++;
          throw error();
        }
        const result = await (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (decision === 'fail-after') {
          state.faults++;
          throw error();
        }
        return result;
      };
    },
  }) as T & { calls: number; faults: number };
}

/**
 * A schedule from a list of decisions for the first calls; every later call succeeds (the
 * faults are transient). Handy with fast-check arrays.
 *
 * @example
 * scheduleOf(['ok', 'fail-before']); // the second call fails, all others succeed
 */
export function scheduleOf(pattern: readonly ('ok' | 'fail-before' | 'fail-after')[]): FaultSchedule {
  return (n) => pattern[n] ?? 'ok';
}

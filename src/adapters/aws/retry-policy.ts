import { setTimeout as delay } from 'node:timers/promises';

/** How often and how patiently an adapter retries what AWS could not do yet. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 8). */
  readonly maxAttempts?: number;
  /** Ceiling of the first pause (default 50 ms); it doubles with each attempt. */
  readonly baseDelayMs?: number;
  /** No pause is longer than this (default 5 s). */
  readonly maxDelayMs?: number;
  /** Source of the jitter, in [0, 1) (default `Math.random`; tests pass a fixed one). */
  readonly random?: () => number;
  /** How to wait (default a timer; tests may pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>;
}

// Error names AWS services use for "try again later" (throttling, capacity, brief outages).
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'TransactionConflictException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'SlowDown',
]);
// Socket-level failures: the request may not have reached the service at all.
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Capped exponential backoff with full jitter (the pause before attempt n + 1 is uniform in
 * [0, min(max, base · 2^(n − 1))]), and the one place that decides which AWS errors are
 * worth retrying.
 *
 * @example
 * const retry = new RetryPolicy({ maxAttempts: 5 });
 * for (let attempt = 1; ; attempt++) {
 *   try { return await send(); } catch (e) { if (attempt >= retry.maxAttempts || !RetryPolicy.isTransient(e)) throw e; }
 *   await retry.pause(attempt);
 * }
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${this.maxAttempts}`);
    }
    if (!(this.baseDelayMs >= 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new RangeError(`need 0 ≤ baseDelayMs ≤ maxDelayMs, got ${this.baseDelayMs} and ${this.maxDelayMs}`);
    }
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /** The pause after `attempts` failed attempts, in ms. */
  delayMs(attempts: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.floor(this.random() * ceiling);
  }

  /** Waits before the next attempt. */
  async pause(attempts: number): Promise<void> {
    await this.sleep(this.delayMs(attempts));
  }

  /**
   * True for errors another attempt may get past: throttling, 5xx, timeouts, dropped
   * connections. False for everything a retry cannot fix (validation, access, not found).
   */
  static isTransient(error: unknown): boolean {
    if (!(error instanceof Error)) return false;
    const e = error as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
    if (e.$retryable) return true;
    if (TRANSIENT_NAMES.has(e.name)) return true;
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429)) return true;
    return typeof e.code === 'string' && TRANSIENT_CODES.has(e.code);
  }
}

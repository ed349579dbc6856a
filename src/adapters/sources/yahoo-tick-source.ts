import { STATUS_CODES } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import YahooFinance from 'yahoo-finance2';
import { normaliseSymbol, SYMBOL_RULE } from '../../domain/symbol.js';
import { SourceError } from '../../ports/errors.js';
import type { Logger } from '../../ports/logger.port.js';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';

/** Bar sizes a `YahooChartSource` can ask for. */
export type YahooInterval = '1m' | '5m' | '15m' | '1h' | '1d';

const INTERVALS: readonly YahooInterval[] = ['1m', '5m', '15m', '1h', '1d'];
const FALLBACK = 'or use --source simulated or --source csv';

/**
 * The fields of a Yahoo quote that tickflow reads (a subset of yahoo-finance2's `Quote`).
 *
 * @example
 * const q: YahooQuote = { symbol: 'AAPL', regularMarketPrice: 187.429993, regularMarketTime: new Date(1704229200000), regularMarketVolume: 82488700 };
 */
export interface YahooQuote {
  readonly symbol: string;
  readonly regularMarketPrice?: number;
  readonly regularMarketTime?: Date;
  readonly regularMarketVolume?: number;
}

/**
 * One bar of a Yahoo chart; Yahoo sends `null` for a bar it has no data for.
 *
 * @example
 * const bar: YahooChartBar = { date: new Date(1704205800000), open: 187.149994, high: 188.440002, low: 183.889999, close: 185.639999, volume: 82488700 };
 */
export interface YahooChartBar {
  readonly date: Date;
  readonly open: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly close: number | null;
  readonly volume: number | null;
}

/**
 * What a chart request asks for.
 *
 * @example
 * const request: YahooChartRequest = { period1: new Date('2024-01-02'), period2: new Date('2024-01-06'), interval: '1d' };
 */
export interface YahooChartRequest {
  readonly period1: Date;
  /** Default: now. */
  readonly period2?: Date;
  readonly interval: YahooInterval;
}

/**
 * The two Yahoo Finance calls the sources need. Implementations throw `SourceError` (a
 * one-line message for people) when Yahoo cannot be read, and the abort reason when the
 * signal aborts.
 *
 * @example
 * const client: YahooClient = new YahooFinance2Client();
 * const quotes = await client.quote(['AAPL', 'MSFT']);
 */
export interface YahooClient {
  quote(symbols: readonly string[], signal?: AbortSignal): Promise<readonly YahooQuote[]>;
  chart(symbol: string, request: YahooChartRequest, signal?: AbortSignal): Promise<{ readonly quotes: readonly YahooChartBar[] }>;
}

/** Options of `YahooFinance2Client`. */
export interface YahooFinance2ClientOptions {
  /** The fetch to use (tests answer with recorded responses). Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Give up a request after this many milliseconds (default 20 000). */
  readonly timeoutMs?: number;
  /** Receives yahoo-finance2's own diagnostics, at debug level. Default: dropped. */
  readonly logger?: Logger;
}

/** Yahoo answered an HTTP error; thrown by our fetch wrapper before yahoo-finance2 parses the body. */
class YahooHttpError extends Error {
  override readonly name = 'YahooHttpError';
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly description: string | undefined,
  ) {
    super(`HTTP ${status} ${statusText}`);
  }
}

/** yahoo-finance2 log messages that may carry the crumb, a cookie or a session id. */
const SECRET_BEARING = /crumb|cookie|session|guce|consent/i;
const WITHHELD = 'a sign-in step (its text is withheld: it may carry the crumb, a cookie or a session id)';

/**
 * The default `YahooClient`: a yahoo-finance2 v3 instance (its URL building, cookie/crumb
 * sign-in, schema validation and date coercion), with an injectable fetch, a per-request
 * timeout, and errors turned into one-line `SourceError`s.
 *
 * @example
 * const client = new YahooFinance2Client({ timeoutMs: 10_000 });
 * const { quotes } = await client.chart('AAPL', { period1: new Date('2024-01-02'), interval: '1d' });
 */
export class YahooFinance2Client implements YahooClient {
  private readonly yf: InstanceType<typeof YahooFinance>;
  private readonly timeoutMs: number;

  constructor(options: YahooFinance2ClientOptions = {}) {
    const { timeoutMs = 20_000, logger } = options;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 1) throw new RangeError(`timeoutMs must be ≥ 1, got ${timeoutMs}`);
    this.timeoutMs = timeoutMs;
    // Its sign-in messages carry secrets ("New crumb: …", cookie expiry, consent URLs with a
    // session id): those are logged as a step, without their text.
    const debug = (...args: unknown[]) => {
      if (logger === undefined) return;
      const text = args.map(String).join(' ');
      logger.debug(`yahoo-finance2: ${SECRET_BEARING.test(text) ? WITHHELD : text}`);
    };
    // No cookieJar of our own: yahoo-finance2 keeps the crumb in module state, shared by all
    // instances, so every instance must also share its default jar (the crumb's cookies).
    // Known limit of 3.2.1: when the process's first sign-in fails, it keeps that failed
    // promise, and every later quote fails the same way until the process restarts (charts
    // need no sign-in).
    this.yf = new YahooFinance({
      logger: { info: debug, warn: debug, error: debug, debug, dir: debug },
      validation: { logErrors: false, logOptionsErrors: false },
    });
    const upstream = options.fetch;
    // yahoo-finance2 3.2.1 has no `fetch` option (later 3.x releases add one); `_env.fetch` is
    // the seam its maintainer documents for these versions (gadicc/yahoo-finance2#935).
    this.yf._env.fetch = async (input, init) => {
      const response = await (upstream ?? globalThis.fetch)(input, init);
      if (response.status >= 400 && isApiUrl(input)) {
        throw new YahooHttpError(
          response.status,
          response.statusText || STATUS_CODES[response.status] || '',
          await errorDescription(response),
        );
      }
      return response;
    };
  }

  async quote(symbols: readonly string[], signal?: AbortSignal): Promise<readonly YahooQuote[]> {
    const what = `quote request for ${symbols.join(', ')}`;
    return this.call(what, signal, (fetchOptions) => this.yf.quote([...symbols], { return: 'array' }, { fetchOptions }));
  }

  async chart(symbol: string, request: YahooChartRequest, signal?: AbortSignal): Promise<{ readonly quotes: readonly YahooChartBar[] }> {
    const { period1, period2, interval } = request;
    // An absent period2 must be absent, not `undefined`: yahoo-finance2 validates the options.
    const query = period2 === undefined ? { period1, interval } : { period1, period2, interval };
    const chart = await this.call(`chart request for ${symbol}`, signal, (fetchOptions) =>
      this.yf.chart(symbol, { ...query, return: 'array' }, { fetchOptions }),
    );
    // yahoo-finance2 builds `date` from Yahoo's epoch seconds, but types it `unknown`.
    const quotes = chart.quotes.map(({ date, open, high, low, close, volume }) => ({
      date: date instanceof Date ? date : new Date(Number.NaN),
      open,
      high,
      low,
      close,
      volume,
    }));
    return { quotes };
  }

  private async call<T>(
    what: string,
    signal: AbortSignal | undefined,
    run: (fetchOptions: { signal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await run({ signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toSourceError(error, what, timeout.aborted ? this.timeoutMs : undefined);
    }
  }
}

/** Options of `YahooQuoteSource`. */
export interface YahooQuoteOptions {
  /** Symbols to poll, all in one request per round (Yahoo forms: `BRK-B`, `^GSPC`, `EURUSD=X`). */
  readonly symbols: readonly string[];
  /** Pause between rounds, ≥ 1000 ms. */
  readonly intervalMs: number;
  /** Stop after this many rounds, failed ones included. Default: until the signal aborts. */
  readonly rounds?: number;
  readonly client?: YahooClient;
  /** Waits between rounds; must settle early (either way) when the signal aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where a failed round (after the first) and symbols Yahoo does not know are reported. */
  readonly logger?: Logger;
}

/**
 * Live ticks: polls Yahoo's quote endpoint for all symbols in one request per round, yields
 * one record per quote (`regularMarketPrice`, `regularMarketTime`, `regularMarketVolume`,
 * passed through as they are, missing fields included, for ingest to judge), then a flush.
 * A failed first round throws its `SourceError`; a later one is logged and the next round
 * retries. Aborting the signal ends the iteration at once, without an error.
 *
 * @example
 * const source = new YahooQuoteSource({ symbols: ['AAPL', 'MSFT'], intervalMs: 5000, logger });
 * for await (const item of source.items(controller.signal)) console.log(item);
 */
export class YahooQuoteSource implements TickSource {
  readonly name = 'yahoo';
  private readonly symbols: string[];
  private readonly client: YahooClient;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly options: YahooQuoteOptions) {
    this.symbols = checkSymbols(options.symbols, 'YahooQuoteSource');
    const { intervalMs, rounds } = options;
    if (!Number.isFinite(intervalMs) || intervalMs < 1000) {
      throw new RangeError(`intervalMs must be at least 1000 (one request a second at most), got ${intervalMs}`);
    }
    if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1))
      throw new RangeError(`rounds must be a whole number ≥ 1, got ${rounds}`);
    this.client = options.client ?? new YahooFinance2Client({ logger: options.logger });
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
  }

  async *items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    const { rounds, intervalMs, logger } = this.options;
    const unknown = new Set<string>();
    for (let round = 1; rounds === undefined || round <= rounds; round++) {
      if (signal?.aborted) return;
      let quotes: readonly YahooQuote[] | undefined;
      try {
        quotes = await this.client.quote(this.symbols, signal);
      } catch (error) {
        if (signal?.aborted) return;
        const failure = toSourceError(error, `quote request for ${this.symbols.join(', ')}`);
        if (round === 1) throw failure;
        logger?.warn('yahoo: a polling round failed; the next round retries', { round, error: failure.message });
      }
      if (quotes !== undefined) {
        for (const quote of quotes) yield { kind: 'record', record: quoteRecord(quote), origin: `yahoo quote ${quote.symbol}` };
        yield { kind: 'flush' };
        for (const symbol of this.symbols) {
          if (unknown.has(symbol) || quotes.some((q) => typeof q.symbol === 'string' && q.symbol.toUpperCase() === symbol)) continue;
          unknown.add(symbol);
          logger?.warn('yahoo: no quote for a symbol (unknown or delisted?)', { symbol });
        }
      }
      if (rounds !== undefined && round >= rounds) return;
      try {
        await this.sleep(intervalMs, signal);
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
    }
  }
}

/** Options of `YahooChartSource`. */
export interface YahooChartOptions {
  readonly symbols: readonly string[];
  /** Start of the history (a `Date` or a date string such as `2024-01-02`). */
  readonly period1: Date | string;
  /** End of the history (default: now). */
  readonly period2?: Date | string;
  /** Bar size (default `1d`). Yahoo keeps 1m bars for the last few weeks only. */
  readonly interval?: YahooInterval;
  readonly client?: YahooClient;
}

/**
 * History for replay: one chart request per symbol, one record per bar (`price` = close,
 * `timestamp` = the bar's start), all symbols merged into one market in timestamp order
 * (ties in the order the symbols were given). Bars Yahoo has no close for are yielded too,
 * so ingest quarantines them (`BAD_PRICE`) instead of losing them silently.
 *
 * @example
 * const source = new YahooChartSource({ symbols: ['AAPL', 'MSFT'], period1: '2024-01-02', period2: '2024-03-28' });
 * for await (const item of source.items()) console.log(item);
 */
export class YahooChartSource implements TickSource {
  readonly name = 'yahoo';
  private readonly symbols: string[];
  private readonly request: YahooChartRequest;
  private readonly client: YahooClient;

  constructor(options: YahooChartOptions) {
    this.symbols = checkSymbols(options.symbols, 'YahooChartSource');
    const interval = options.interval ?? '1d';
    if (!INTERVALS.includes(interval))
      throw new RangeError(`interval must be one of ${INTERVALS.join(', ')}, got ${JSON.stringify(interval)}`);
    const period1 = toDate(options.period1, 'period1');
    const period2 = options.period2 === undefined ? undefined : toDate(options.period2, 'period2');
    if (period2 !== undefined && period2.getTime() <= period1.getTime()) {
      throw new RangeError(`period2 (${period2.toISOString()}) must be later than period1 (${period1.toISOString()})`);
    }
    this.request = period2 === undefined ? { period1, interval } : { period1, period2, interval };
    this.client = options.client ?? new YahooFinance2Client();
  }

  async *items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    const bars: { timestamp: number; item: SourceItem }[] = [];
    for (const symbol of this.symbols) {
      if (signal?.aborted) return;
      let chart: { readonly quotes: readonly YahooChartBar[] };
      try {
        chart = await this.client.chart(symbol, this.request, signal);
      } catch (error) {
        if (signal?.aborted) return;
        throw toSourceError(error, `chart request for ${symbol}`);
      }
      const origin = `yahoo chart ${symbol} ${this.request.interval}`;
      for (const bar of chart.quotes) {
        const timestamp = epochMs(bar.date);
        const record = { symbol, timestamp, price: bar.close, volume: bar.volume, source: 'yahoo' };
        bars.push({ timestamp: timestamp ?? Number.NaN, item: { kind: 'record', record, origin } });
      }
    }
    // The bars were collected symbol by symbol and Array#sort is stable: equal timestamps
    // keep the order of the symbols (and a symbol's own bars keep Yahoo's order).
    bars.sort((a, b) => a.timestamp - b.timestamp);
    for (const bar of bars) {
      if (signal?.aborted) return;
      yield bar.item;
    }
  }
}

function quoteRecord(quote: YahooQuote): Record<string, unknown> {
  return {
    symbol: quote.symbol,
    timestamp: epochMs(quote.regularMarketTime),
    price: quote.regularMarketPrice,
    volume: quote.regularMarketVolume,
    source: 'yahoo',
  };
}

function epochMs(date: unknown): number | undefined {
  if (date instanceof Date) return date.getTime();
  return typeof date === 'number' ? date : undefined;
}

function checkSymbols(symbols: readonly string[], owner: string): string[] {
  if (!Array.isArray(symbols) || symbols.length === 0) throw new RangeError(`${owner} needs at least one symbol`);
  const out: string[] = [];
  for (const text of symbols) {
    const symbol = normaliseSymbol(typeof text === 'string' ? text.trim() : text);
    if (symbol === undefined) {
      throw new RangeError(`not a valid symbol: ${JSON.stringify(text)} (${SYMBOL_RULE})`);
    }
    if (!out.includes(symbol)) out.push(symbol);
  }
  return out;
}

function toDate(value: Date | string, name: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} must be a date (e.g. 2024-01-02), got ${JSON.stringify(value)}`);
  return date;
}

/** Yahoo's data hosts (`query1`/`query2.finance.yahoo.com`), not the page the sign-in reads cookies from. */
function isApiUrl(input: string | URL | Request): boolean {
  const text = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return /^https?:\/\/query\d*\.finance\.yahoo\.com\//.test(text);
}

/** Yahoo's error answers are `{ "<endpoint>": { "result": null, "error": { "description": … } } }`. */
async function errorDescription(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = JSON.parse(await response.text());
    if (typeof body !== 'object' || body === null) return undefined;
    const [inner] = Object.values(body);
    const description = (inner as { error?: { description?: unknown } } | null)?.error?.description;
    return typeof description === 'string' && description !== '' ? oneLine(description) : undefined;
  } catch {
    return undefined;
  }
}

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * Turns whatever a Yahoo request threw into a `SourceError` whose message is one line for
 * people: what failed, the root cause (`getaddrinfo ENOTFOUND …`, `HTTP 429 …`), what to do.
 * A `SourceError` passes through unchanged.
 */
function toSourceError(error: unknown, what: string, timedOutAfterMs?: number): SourceError {
  if (error instanceof SourceError) return error;
  if (timedOutAfterMs !== undefined) {
    return new SourceError(`Yahoo Finance is unreachable (no answer within ${timedOutAfterMs / 1000} s): check the network, ${FALLBACK}`, {
      cause: error,
    });
  }
  if (error instanceof YahooHttpError) {
    const hint =
      error.status === 404
        ? 'check the symbol'
        : error.status === 429
          ? 'Yahoo is limiting requests: poll less often'
          : error.status === 401 || error.status === 403
            ? 'Yahoo refused access: try again later'
            : 'try again later';
    const detail = error.description === undefined ? '' : ` (${error.description})`;
    const status = error.statusText === '' ? `${error.status}` : `${error.status} ${error.statusText}`;
    return new SourceError(`Yahoo Finance answered HTTP ${status} to the ${what}${detail}: ${hint}, ${FALLBACK}`, { cause: error });
  }
  const unreachable = networkFailure(error);
  if (unreachable !== undefined) {
    return new SourceError(`Yahoo Finance is unreachable (${unreachable}): check the network, ${FALLBACK}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SourceError(`Yahoo Finance ${what} failed (${oneLine(message) || 'no detail'}): try again later, ${FALLBACK}`, {
    cause: error,
  });
}

/** The root cause of a failed connection (undici wraps it: `fetch failed` ← cause ← …), or `undefined`. */
function networkFailure(error: unknown): string | undefined {
  const chain: Error[] = [];
  for (let e = error; e instanceof Error && chain.length < 8; e = e.cause) chain.push(e);
  const network = chain.some((e) => e.message === 'fetch failed' || NETWORK_CODES.has(String((e as { code?: unknown }).code)));
  if (!network) return undefined;
  for (const e of chain.reverse()) {
    // Happy-eyeballs failures are an AggregateError with an empty message: its parts say more.
    const inner = e instanceof AggregateError ? e.errors.find((x): x is Error => x instanceof Error && x.message !== '') : undefined;
    const text = oneLine(e.message || inner?.message || String((e as { code?: unknown }).code ?? ''));
    if (text !== '' && text !== 'undefined') return text;
  }
  return 'fetch failed';
}

/** First line, whitespace collapsed, cut before any JSON dump, at most 160 characters. */
function oneLine(text: string): string {
  const line = (text.split('\n')[0] ?? '').replace(/\s+/g, ' ');
  const cut = line.indexOf('{');
  const short = (cut >= 0 ? line.slice(0, cut) : line).trim().replace(/:$/, '');
  return short.length > 160 ? `${short.slice(0, 159)}…` : short;
}

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import {
  YahooChartSource,
  type YahooClient,
  YahooFinance2Client,
  YahooQuoteSource,
} from '../../../src/adapters/sources/yahoo-tick-source.js';
import { validateTick } from '../../../src/domain/validate-tick.js';
import { SourceError } from '../../../src/ports/errors.js';
import type { SourceItem } from '../../../src/ports/tick-source.port.js';

// Recorded Yahoo answers; the tests run yahoo-finance2's real request building, sign-in,
// schema validation and date coercion over them, through an injected fetch (no network).
const FIXTURES = new URL('../../fixtures/yahoo/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

// The sign-in yahoo-finance2 performs before its first quote: the quote page sets Yahoo's
// A3 cookie, then /v1/test/getcrumb answers the crumb sent with every quote request.
const SIGN_IN_PAGE = 'https://finance.yahoo.com/quote/AAPL';
const GET_CRUMB = 'https://query1.finance.yahoo.com/v1/test/getcrumb';
const A3_COOKIE =
  'A3=d=AQABBEhblGUCEJkMPNAF1bx0n2XR9wzJv8sFEgEBAQGsqWWyZdwN0iMA_eMAAA&S=AQAAAm3pS7bN0cGoZ5_Gm2FaOqA; Expires=Fri, 3 Jan 2025 00:00:00 GMT; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure; HttpOnly; SameSite=None';
const CRUMB = 'f9pXBd6Lk2Q';

const NOW = Date.UTC(2024, 5, 14);
const FALLBACK = 'or use --source simulated or --source csv';

interface Recorded {
  readonly url: URL;
  readonly init: RequestInit | undefined;
}

/** A fetch that answers the sign-in steps itself and hands Yahoo's data URLs to `data`. */
function fakeYahoo(data: (url: URL, init: RequestInit | undefined) => Response | Promise<Response>) {
  const requests: Recorded[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requests.push({ url, init });
    if (url.href === SIGN_IN_PAGE) {
      return new Response('<!DOCTYPE html><html lang="en-US"><head><title>Apple Inc. (AAPL)</title></head><body></body></html>', {
        headers: [
          ['content-type', 'text/html; charset=utf-8'],
          ['set-cookie', A3_COOKIE],
        ],
      });
    }
    if (url.href === GET_CRUMB) return new Response(CRUMB, { headers: { 'content-type': 'text/plain;charset=utf-8' } });
    return data(url, init);
  };
  const dataRequests = () => requests.filter((r) => r.url.href !== SIGN_IN_PAGE && r.url.href !== GET_CRUMB);
  return { fetch: fetch as typeof globalThis.fetch, requests, dataRequests };
}

const json = (body: string, status = 200, statusText = 'OK') =>
  new Response(body, { status, statusText, headers: { 'content-type': 'application/json;charset=utf-8' } });

/** Answers the quote endpoint with `answers` in turn (a function answers by throwing). */
function quoteAnswers(...answers: (string | (() => Response))[]) {
  let n = 0;
  return fakeYahoo((url) => {
    expect(url.pathname).toBe('/v7/finance/quote');
    const answer = answers[n++];
    if (answer === undefined) throw new Error(`unexpected quote request #${n}`);
    return typeof answer === 'string' ? json(answer) : answer();
  });
}

/** Answers the chart endpoint from the recorded chart of each symbol. */
function chartAnswers(files: Record<string, string>) {
  return fakeYahoo((url) => {
    const symbol = decodeURIComponent(url.pathname.replace('/v8/finance/chart/', ''));
    const file = files[symbol];
    if (file === undefined) throw new Error(`unexpected chart request ${url.href}`);
    return file === 'chart-not-found.json' ? json(fixture(file), 404, 'Not Found') : json(fixture(file));
  });
}

/** What undici throws when DNS has no answer (`TypeError: fetch failed` ← getaddrinfo error). */
function dnsFailure(host: string): TypeError {
  const cause = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
    errno: -3008,
    code: 'ENOTFOUND',
    syscall: 'getaddrinfo',
    hostname: host,
  });
  return new TypeError('fetch failed', { cause });
}

async function collect(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function failureOf(run: Promise<unknown>): Promise<SourceError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

const noSleep = async () => {};
const record = (
  symbol: string,
  timestamp: number | null | undefined,
  price: number | null | undefined,
  volume: number | null | undefined,
  origin: string,
) => ({
  kind: 'record',
  record: { symbol, timestamp, price, volume, source: 'yahoo' },
  origin,
});
const FLUSH = { kind: 'flush' };

// Round 1 and round 2 of the recorded quotes, as records.
const AAPL_1 = record('AAPL', 1704224580000, 186.1949, 61523618, 'yahoo quote AAPL');
const MSFT_1 = record('MSFT', 1704224579000, 370.7, 19381207, 'yahoo quote MSFT');
const AAPL_2 = record('AAPL', 1704224585000, 186.2001, 61530744, 'yahoo quote AAPL');
const MSFT_2_HALTED = record('MSFT', undefined, undefined, 19381207, 'yahoo quote MSFT');

describe('YahooFinance2Client over yahoo-finance2 3.2.1', () => {
  let signIn: Recorded[] = [];
  let notices: unknown[][] = [];
  const signInLog = new MemoryLogger();

  // yahoo-finance2 keeps its crumb in module state for the whole process: the first quote
  // signs in, every later one reuses the crumb. Signing in here, once, keeps the tests below
  // independent of their order (and shows the sign-in itself).
  beforeAll(async () => {
    const yahoo = quoteAnswers(fixture('quote-aapl-msft-1.json'));
    // 3.2.1 prints a one-off survey notice to console.log on its first sign-in, and has no
    // way to turn it off (v2's suppressNotices came back only in a later 3.x).
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await new YahooFinance2Client({ fetch: yahoo.fetch, logger: signInLog }).quote(['AAPL', 'MSFT']);
      notices = log.mock.calls;
    } finally {
      log.mockRestore();
    }
    signIn = yahoo.requests;
  });

  it('signs in before the first quote (cookie page, getcrumb), then sends the crumb and cookie with the quote request', () => {
    expect(signIn.map((r) => r.url.origin + r.url.pathname)).toEqual([
      SIGN_IN_PAGE,
      GET_CRUMB,
      'https://query2.finance.yahoo.com/v7/finance/quote',
    ]);
    const quote = signIn[2];
    expect(quote?.url.searchParams.get('symbols')).toBe('AAPL,MSFT');
    expect(quote?.url.searchParams.get('crumb')).toBe(CRUMB);
    expect((quote?.init?.headers as Record<string, string> | undefined)?.cookie).toMatch(/^A3=d=AQAB/);
    expect(String(notices[0]?.[0])).toContain('survey');
  });

  it('logs the sign-in steps at debug without the crumb or the cookie (a Lambda may log at debug)', () => {
    const text = JSON.stringify(signInLog.lines);
    expect(text).not.toContain(CRUMB);
    expect(signInLog.lines.filter((l) => l.message.includes('sign-in step')).length).toBeGreaterThan(0);
    expect(text).not.toContain('AQABBEhblGUCEJkMPNAF1bx0n2XR9wzJv8sFEgEBAQGsqWWyZdwN0iMA_eMAAA');
    expect(text).not.toMatch(/expires/i);
  });

  it('returns the quotes with regularMarketTime coerced to a Date and prices as Yahoo sent them', async () => {
    const yahoo = quoteAnswers(fixture('quote-aapl-msft-1.json'));
    const quotes = await new YahooFinance2Client({ fetch: yahoo.fetch }).quote(['AAPL', 'MSFT']);
    expect(quotes.map((q) => [q.symbol, q.regularMarketPrice, q.regularMarketTime, q.regularMarketVolume])).toEqual([
      ['AAPL', 186.1949, new Date(1704224580000), 61523618],
      ['MSFT', 370.7, new Date(1704224579000), 19381207],
    ]);
    // Signed in already: only the quote request, still carrying the crumb.
    expect(yahoo.requests.map((r) => r.url.searchParams.get('crumb'))).toEqual([CRUMB]);
  });

  it('an answer that fails yahoo-finance2 schema validation becomes a one-line SourceError, no JSON dump', async () => {
    const yahoo = quoteAnswers('{"quoteResponse":{"result":[{"symbol":"AAPL","regularMarketPrice":1}],"error":null}}');
    const error = await failureOf(new YahooFinance2Client({ fetch: yahoo.fetch }).quote(['AAPL']));
    expect(error.message).toBe(
      `Yahoo Finance quote request for AAPL failed (Failed Yahoo Schema validation): try again later, ${FALLBACK}`,
    );
  });

  it('a request without an answer within timeoutMs becomes a SourceError naming the wait', async () => {
    const hanging = (_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const client = new YahooFinance2Client({ fetch: hanging as typeof fetch, timeoutMs: 50 });
    const error = await failureOf(client.chart('AAPL', { period1: new Date('2024-01-02'), interval: '1d' }));
    expect(error.message).toBe(`Yahoo Finance is unreachable (no answer within 0.05 s): check the network, ${FALLBACK}`);
  });

  describe('YahooQuoteSource', () => {
    it('yields one record per quote and a flush per round, sleeps intervalMs between rounds and stops after `rounds`', async () => {
      const yahoo = quoteAnswers(fixture('quote-aapl-msft-1.json'), fixture('quote-aapl-msft-2.json'));
      const sleeps: number[] = [];
      const source = new YahooQuoteSource({
        symbols: ['aapl', 'MSFT'],
        intervalMs: 5000,
        rounds: 2,
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      expect(source.name).toBe('yahoo');
      const items = await collect(source.items());
      expect(items).toEqual([AAPL_1, MSFT_1, FLUSH, AAPL_2, MSFT_2_HALTED, FLUSH]);
      // The halted quote is not dropped: it reaches ingest, which quarantines it with a code.
      const halted = items[4];
      expect(halted?.kind === 'record' && validateTick(halted.record, { now: NOW })).toMatchObject({ ok: false, code: 'BAD_TIMESTAMP' });
      const first = items[0];
      expect(first?.kind === 'record' && validateTick(first.record, { now: NOW })).toMatchObject({
        ok: true,
        tick: { price: 186.1949, units: 186_194_900 },
      });
      expect(sleeps).toEqual([5000]);
      expect(yahoo.dataRequests().map((r) => r.url.searchParams.get('symbols'))).toEqual(['AAPL,MSFT', 'AAPL,MSFT']);
    });

    it('a symbol Yahoo returns no quote for is reported once through the logger', async () => {
      const yahoo = quoteAnswers(fixture('quote-aapl-msft-1.json'), fixture('quote-aapl-msft-1.json'));
      const logger = new MemoryLogger();
      const source = new YahooQuoteSource({
        symbols: ['AAPL', 'MSFT', 'XYZQ'],
        intervalMs: 1000,
        rounds: 2,
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
        sleep: noSleep,
        logger,
      });
      expect(await collect(source.items())).toEqual([AAPL_1, MSFT_1, FLUSH, AAPL_1, MSFT_1, FLUSH]);
      expect(logger.lines).toEqual([
        { level: 'warn', message: 'yahoo: no quote for a symbol (unknown or delisted?)', fields: { symbol: 'XYZQ' } },
      ]);
    });

    it('when the first round cannot reach Yahoo, throws a one-line SourceError and does not retry', async () => {
      const yahoo = quoteAnswers(() => {
        throw dnsFailure('query2.finance.yahoo.com');
      });
      const sleep = vi.fn(noSleep);
      const source = new YahooQuoteSource({
        symbols: ['AAPL'],
        intervalMs: 1000,
        rounds: 2,
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
        sleep,
      });
      const error = await failureOf(collect(source.items()));
      expect(error.message).toBe(
        `Yahoo Finance is unreachable (getaddrinfo ENOTFOUND query2.finance.yahoo.com): check the network, ${FALLBACK}`,
      );
      expect(error.message).not.toMatch(/\n|\bat .+:\d+:\d+/);
      expect(sleep).not.toHaveBeenCalled();
      expect(yahoo.dataRequests()).toHaveLength(1);
    });

    it('a later round that fails is logged and the next round retries', async () => {
      const yahoo = quoteAnswers(
        fixture('quote-aapl-msft-1.json'),
        () => {
          throw dnsFailure('query2.finance.yahoo.com');
        },
        fixture('quote-aapl-msft-2.json'),
      );
      const logger = new MemoryLogger();
      const sleeps: number[] = [];
      const source = new YahooQuoteSource({
        symbols: ['AAPL', 'MSFT'],
        intervalMs: 2000,
        rounds: 3,
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
        logger,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      expect(await collect(source.items())).toEqual([AAPL_1, MSFT_1, FLUSH, AAPL_2, MSFT_2_HALTED, FLUSH]);
      expect(logger.lines).toEqual([
        {
          level: 'warn',
          message: 'yahoo: a polling round failed; the next round retries',
          fields: {
            round: 2,
            error: `Yahoo Finance is unreachable (getaddrinfo ENOTFOUND query2.finance.yahoo.com): check the network, ${FALLBACK}`,
          },
        },
      ]);
      expect(sleeps).toEqual([2000, 2000]);
    });

    it('an HTTP error from Yahoo becomes a SourceError with the status and what to do', async () => {
      const yahoo = quoteAnswers(() => new Response('Too Many Requests\r\n', { status: 429, statusText: 'Too Many Requests' }));
      const source = new YahooQuoteSource({
        symbols: ['AAPL', 'MSFT'],
        intervalMs: 1000,
        rounds: 2,
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
        sleep: noSleep,
      });
      const error = await failureOf(collect(source.items()));
      expect(error.message).toBe(
        `Yahoo Finance answered HTTP 429 Too Many Requests to the quote request for AAPL, MSFT: Yahoo is limiting requests: poll less often, ${FALLBACK}`,
      );
    });

    it('aborting while a request is in flight ends the iteration at once, without an error', { timeout: 10_000 }, async () => {
      let called: () => void = () => {};
      const inFlight = new Promise<void>((resolve) => {
        called = resolve;
      });
      let requestSignal: AbortSignal | undefined;
      const hanging = fakeYahoo((_url, init) => {
        requestSignal = init?.signal ?? undefined;
        called();
        return new Promise<Response>((_, reject) => requestSignal?.addEventListener('abort', () => reject(requestSignal?.reason)));
      });
      const controller = new AbortController();
      const source = new YahooQuoteSource({
        symbols: ['AAPL'],
        intervalMs: 1000,
        client: new YahooFinance2Client({ fetch: hanging.fetch }),
        sleep: noSleep,
      });
      const run = collect(source.items(controller.signal));
      await inFlight;
      controller.abort();
      expect(await run).toEqual([]);
      expect(requestSignal?.aborted).toBe(true);
    });

    it('aborting during the pause between rounds ends the iteration at once, without an error', { timeout: 10_000 }, async () => {
      const yahoo = quoteAnswers(fixture('quote-aapl-msft-1.json'));
      const controller = new AbortController();
      // The default sleep, one minute long: only the abort can end this test in time.
      const source = new YahooQuoteSource({
        symbols: ['AAPL', 'MSFT'],
        intervalMs: 60_000,
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
      });
      const items: SourceItem[] = [];
      for await (const item of source.items(controller.signal)) {
        items.push(item);
        // A macrotask runs after the generator has resumed and started its pause.
        if (item.kind === 'flush') setImmediate(() => controller.abort());
      }
      expect(items).toEqual([AAPL_1, MSFT_1, FLUSH]);
      expect(yahoo.dataRequests()).toHaveLength(1);
    });

    it('refuses options it cannot honour, with a message that says why', () => {
      const client: YahooClient = { quote: async () => [], chart: async () => ({ quotes: [] }) };
      expect(() => new YahooQuoteSource({ symbols: [], intervalMs: 5000, client })).toThrow(
        new RangeError('YahooQuoteSource needs at least one symbol'),
      );
      expect(() => new YahooQuoteSource({ symbols: ['AAPL'], intervalMs: 500, client })).toThrow(
        new RangeError('intervalMs must be at least 1000 (one request a second at most), got 500'),
      );
      expect(() => new YahooQuoteSource({ symbols: ['AAPL', '../etc'], intervalMs: 5000, client })).toThrow(
        new RangeError('not a valid symbol: "../etc" (1–16 of A–Z 0–9 . - ^ =, e.g. AAPL, BRK-B, ^GSPC, EURUSD=X)'),
      );
      expect(() => new YahooQuoteSource({ symbols: ['AAPL'], intervalMs: 5000, rounds: 0, client })).toThrow(
        new RangeError('rounds must be a whole number ≥ 1, got 0'),
      );
    });

    it('an error from a custom client is turned into one line, without its stack', async () => {
      const client: YahooClient = {
        quote: async () => {
          throw new Error('socket hang up\n    at TLSSocket.onHangUp (node:_http_client:1:2)');
        },
        chart: async () => ({ quotes: [] }),
      };
      const source = new YahooQuoteSource({ symbols: ['BRK-B', '^GSPC'], intervalMs: 1000, rounds: 2, client, sleep: noSleep });
      const error = await failureOf(collect(source.items()));
      expect(error.message).toBe(`Yahoo Finance quote request for BRK-B, ^GSPC failed (socket hang up): try again later, ${FALLBACK}`);
    });
  });

  describe('YahooChartSource', () => {
    it('merges the symbols into one market in timestamp order, keeping a bar without a close as a record', async () => {
      const yahoo = chartAnswers({ AAPL: 'chart-aapl-1d.json', 'BTC-USD': 'chart-btc-usd-1d.json' });
      const source = new YahooChartSource({
        symbols: ['AAPL', 'BTC-USD'],
        period1: '2024-01-02',
        period2: new Date('2024-01-06'),
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
      });
      const items = await collect(source.items());
      const aapl = 'yahoo chart AAPL 1d';
      const btc = 'yahoo chart BTC-USD 1d';
      expect(items).toEqual([
        record('BTC-USD', Date.UTC(2024, 0, 2), 45897.574219, 39453051712, btc),
        record('AAPL', Date.UTC(2024, 0, 2, 14, 30), 185.639999, 82488700, aapl),
        record('BTC-USD', Date.UTC(2024, 0, 3), 42848.175781, 46342323118, btc),
        record('AAPL', Date.UTC(2024, 0, 3, 14, 30), 184.25, 58414500, aapl),
        record('BTC-USD', Date.UTC(2024, 0, 4), 44179.921875, 30448091210, btc),
        record('AAPL', Date.UTC(2024, 0, 4, 14, 30), null, null, aapl),
        record('BTC-USD', Date.UTC(2024, 0, 5), 44162.691406, 32336029347, btc),
        record('AAPL', Date.UTC(2024, 0, 5, 14, 30), 181.179993, 62303300, aapl),
      ]);
      const empty = items[5];
      expect(empty?.kind === 'record' && validateTick(empty.record, { now: NOW })).toMatchObject({ ok: false, code: 'BAD_PRICE' });
      const close = items[1];
      expect(close?.kind === 'record' && validateTick(close.record, { now: NOW })).toMatchObject({
        ok: true,
        tick: { price: 185.639999, units: 185_639_999 },
      });
      expect(
        yahoo.requests.map((r) => [
          r.url.pathname,
          r.url.searchParams.get('period1'),
          r.url.searchParams.get('period2'),
          r.url.searchParams.get('interval'),
        ]),
      ).toEqual([
        ['/v8/finance/chart/AAPL', '1704153600', '1704499200', '1d'],
        ['/v8/finance/chart/BTC-USD', '1704153600', '1704499200', '1d'],
      ]);
    });

    it('orders bars with the same timestamp as the symbols were given', async () => {
      const yahoo = chartAnswers({ AAPL: 'chart-aapl-1d.json', MSFT: 'chart-msft-1d.json' });
      const source = new YahooChartSource({
        symbols: ['MSFT', 'AAPL'],
        period1: '2024-01-02',
        period2: '2024-01-06',
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
      });
      const items = await collect(source.items());
      const order = items.map((i) => (i.kind === 'record' ? (i.record as { symbol: string; price: number | null }) : undefined));
      expect(order.map((r) => [r?.symbol, r?.price])).toEqual([
        ['MSFT', 370.869995],
        ['AAPL', 185.639999],
        ['MSFT', 370.600006],
        ['AAPL', 184.25],
        ['MSFT', 367.940002],
        ['AAPL', null],
        ['MSFT', 367.75],
        ['AAPL', 181.179993],
      ]);
    });

    it("a symbol Yahoo has no chart for becomes a SourceError carrying Yahoo's reason", async () => {
      const yahoo = chartAnswers({ AAPL: 'chart-aapl-1d.json', NOPE: 'chart-not-found.json' });
      const source = new YahooChartSource({
        symbols: ['AAPL', 'NOPE'],
        period1: '2024-01-02',
        period2: '2024-01-06',
        client: new YahooFinance2Client({ fetch: yahoo.fetch }),
      });
      const error = await failureOf(collect(source.items()));
      expect(error.message).toBe(
        `Yahoo Finance answered HTTP 404 Not Found to the chart request for NOPE (No data found, symbol may be delisted): check the symbol, ${FALLBACK}`,
      );
    });

    it('when Yahoo is unreachable, throws a one-line SourceError that says what to do', async () => {
      const fetch = async () => {
        throw dnsFailure('query2.finance.yahoo.com');
      };
      const source = new YahooChartSource({ symbols: ['AAPL'], period1: '2024-01-02', client: new YahooFinance2Client({ fetch }) });
      const error = await failureOf(collect(source.items()));
      expect(error.message).toBe(
        `Yahoo Finance is unreachable (getaddrinfo ENOTFOUND query2.finance.yahoo.com): check the network, ${FALLBACK}`,
      );
      expect(error.message).not.toMatch(/\n|\bat .+:\d+:\d+/);
    });

    it('a refused connection (a real undici error, on 127.0.0.1) is reported as unreachable', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const closedPort = async (input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(String(input));
        return fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
      };
      const source = new YahooChartSource({
        symbols: ['AAPL'],
        period1: '2024-01-02',
        client: new YahooFinance2Client({ fetch: closedPort as typeof fetch }),
      });
      const error = await failureOf(collect(source.items()));
      expect(error.message).toBe(`Yahoo Finance is unreachable (connect ECONNREFUSED 127.0.0.1:${port}): check the network, ${FALLBACK}`);
    });

    it('refuses options it cannot honour, with a message that says why', () => {
      const client: YahooClient = { quote: async () => [], chart: async () => ({ quotes: [] }) };
      expect(() => new YahooChartSource({ symbols: [], period1: '2024-01-02', client })).toThrow(
        new RangeError('YahooChartSource needs at least one symbol'),
      );
      expect(() => new YahooChartSource({ symbols: ['AAPL'], period1: 'last tuesday', client })).toThrow(
        new RangeError('period1 must be a date (e.g. 2024-01-02), got "last tuesday"'),
      );
      expect(() => new YahooChartSource({ symbols: ['AAPL'], period1: '2024-01-06', period2: '2024-01-02', client })).toThrow(
        new RangeError('period2 (2024-01-02T00:00:00.000Z) must be later than period1 (2024-01-06T00:00:00.000Z)'),
      );
      expect(() => new YahooChartSource({ symbols: ['AAPL'], period1: '2024-01-02', interval: '2h' as '1h', client })).toThrow(
        new RangeError('interval must be one of 1m, 5m, 15m, 1h, 1d, got "2h"'),
      );
    });
  });
});

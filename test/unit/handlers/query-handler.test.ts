import { describe, expect, it } from 'vitest';
import { parseAthenaConfig } from '../../../src/container/aws-config.js';
import { checkQueryParams, dayNumber, parseQueryRequest } from '../../../src/domain/query-params.js';
import { makeQueryHandler, QUERY_STOP_MARGIN_MS } from '../../../src/handlers/query.js';
import type { AnalyticsEngine, QueryName, QueryParams, QueryResult } from '../../../src/ports/analytics-engine.port.js';
import { ConfigError, InvalidQueryError, QueryError } from '../../../src/ports/errors.js';

/** An engine that records what it was asked and answers `rows` rows. */
function fakeEngine(rows = 3): AnalyticsEngine & { calls: [QueryName, QueryParams][]; kept: (number | undefined)[] } {
  const calls: [QueryName, QueryParams][] = [];
  const kept: (number | undefined)[] = [];
  return {
    calls,
    kept,
    async run(name, params, options = {}): Promise<QueryResult> {
      calls.push([name, params]);
      kept.push(options.maxRows);
      const all = Array.from({ length: rows }, (_, i) => ({ symbol: `S${i}` }));
      return {
        name,
        queryId: 'q-1',
        columns: [{ name: 'symbol', type: 'varchar' }],
        rows: all.slice(0, options.maxRows ?? rows),
        rowCount: rows,
        location: `s3://lake/results/${name}/q-1.csv`,
      };
    },
  };
}

describe('the query handler', () => {
  it('runs the named query with the checked parameters and returns a summary', async () => {
    const engine = fakeEngine(3);
    const summary = await makeQueryHandler(engine, { maxRows: 2 })({ name: 'volatility', symbols: 'aapl, EURUSD=x', from: '2024-01-02' });
    expect(engine.calls).toEqual([['volatility', { symbols: ['AAPL', 'EURUSD=X'], from: '2024-01-02' }]]);
    // Only the rows it returns are read; the count is the whole result's.
    expect(engine.kept).toEqual([2]);
    expect(summary).toEqual({
      name: 'volatility',
      queryId: 'q-1',
      location: 's3://lake/results/volatility/q-1.csv',
      columns: [{ name: 'symbol', type: 'varchar' }],
      rowCount: 3,
      rows: [{ symbol: 'S0' }, { symbol: 'S1' }],
      truncated: true,
    });
  });

  it("takes a period the request does not name from the deployment's, and keeps the one it names", async () => {
    const engine = fakeEngine();
    const handler = makeQueryHandler(engine, { periods: { short: 10, long: 50 } });
    await handler({ name: 'crossovers', symbols: ['AAPL'] });
    await handler({ name: 'crossovers', short: 30 });
    await handler({ name: 'crossovers', short: 2, long: 4 });
    expect(engine.calls.map(([, p]) => [p.short, p.long])).toEqual([
      [10, 50],
      [30, 50],
      [2, 4],
    ]);
    // A request's period that does not fit the deployment's other is refused, naming both.
    await expect(handler({ name: 'crossovers', short: 60 })).rejects.toThrow('short (60) must be less than long (50)');
  });

  it('refuses bad input before the engine is asked anything', async () => {
    const engine = fakeEngine();
    const handler = makeQueryHandler(engine);
    for (const event of [
      undefined,
      'volatility',
      { name: 'drop table' },
      { name: 'volatility', symbols: ["AAPL'); DROP TABLE ticks; --"] },
      { name: 'volatility', symbols: "AAPL,' OR 1=1" },
      { name: 'volatility', from: "2024-01-01' --" },
      { name: 'volatility', to: '2024-02-30' },
      { name: 'volatility', from: '2024-02-02', to: '2024-02-01' },
      { name: 'crossovers', short: 20, long: 5 },
      { name: 'series', maxPoints: 1.5 },
      { name: 'volatility', symbol: 'AAPL' },
    ]) {
      await expect(handler(event)).rejects.toBeInstanceOf(InvalidQueryError);
    }
    expect(engine.calls).toEqual([]);
  });

  it('given the Lambda context, stops a query still running 15 s before the end, and says so', async () => {
    let seen: AbortSignal | undefined;
    const waiting: AnalyticsEngine = {
      run: (_name, _params, options = {}) =>
        new Promise((_, reject) => {
          seen = options.signal;
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
        }),
    };
    const handler = makeQueryHandler(waiting);
    const started = Date.now();
    const error = await handler(
      { name: 'volatility', symbols: 'AAPL' },
      { getRemainingTimeInMillis: () => QUERY_STOP_MARGIN_MS + 50 },
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe(
      "volatility did not finish within the query function's time (15 s left when it began): stopped, the Athena query too if it was still running. Give the function more time, or ask for less (fewer symbols, a shorter range)",
    );
    expect(seen?.aborted).toBe(true);
    // An engine's own failure is not taken for running out of time.
    const failing: AnalyticsEngine = { run: async () => Promise.reject(new QueryError('Athena query q-1 failed: SYNTAX_ERROR')) };
    await expect(makeQueryHandler(failing)({ name: 'volatility' }, { getRemainingTimeInMillis: () => 60_000 })).rejects.toThrow(
      'Athena query q-1 failed: SYNTAX_ERROR',
    );
  });

  it('with no more than the 15 s it keeps left, starts no query at all', async () => {
    const engine = fakeEngine(1);
    await expect(
      makeQueryHandler(engine)({ name: 'volatility' }, { getRemainingTimeInMillis: () => QUERY_STOP_MARGIN_MS }),
    ).rejects.toThrow(new QueryError("volatility not started: 15 s of the query function's time left, and it keeps 15 s to stop a query"));
    expect(engine.calls).toEqual([]);
  });

  it('without a context (called as a library), sets no time limit', async () => {
    let signal: AbortSignal | undefined | null = null;
    const engine = fakeEngine(1);
    const recording: AnalyticsEngine = {
      run: (name, params, options = {}) => {
        signal = options.signal;
        return engine.run(name, params, options);
      },
    };
    await makeQueryHandler(recording)({ name: 'volatility' });
    expect(signal).toBeUndefined();
    await makeQueryHandler(recording)({ name: 'volatility' }, { getRemainingTimeInMillis: () => 360_000 });
    expect(signal).toBeInstanceOf(AbortSignal);
  });

  it('names the unknown field of a request', () => {
    expect(parseQueryRequest({ name: 'volatility', symbol: 'AAPL' })).toEqual({
      ok: false,
      message: 'unknown field "symbol"; known: name, symbols, from, to, short, long, maxPoints',
    });
  });
});

describe('checkQueryParams', () => {
  it('fills in defaults and turns days into yyyymmdd', () => {
    expect(checkQueryParams({ symbols: ['brk-b', 'BRK-B'], to: '2024-02-29' })).toEqual({
      ok: true,
      symbols: ['BRK-B'],
      fromDay: 0,
      toDay: 20240229,
      short: 5,
      long: 20,
      maxPoints: undefined,
    });
  });

  it('accepts only real calendar days', () => {
    expect(dayNumber('2023-02-29')).toBeUndefined();
    expect(dayNumber('2000-02-29')).toBe(20000229);
    expect(dayNumber('1900-02-29')).toBeUndefined();
    expect(dayNumber('2024-04-31')).toBeUndefined();
    expect(dayNumber(' 2024-01-01')).toBeUndefined();
    expect(dayNumber(20240101)).toBeUndefined();
  });
});

describe('parseAthenaConfig', () => {
  it('needs the bucket and fills in the rest', () => {
    expect(parseAthenaConfig({ TICKFLOW_BUCKET: 'my-lake' })).toEqual({
      bucket: 'my-lake',
      workgroup: 'primary',
      outputLocation: 's3://my-lake/results/',
      database: 'tickflow',
      table: 'ticks',
      priceDecimals: 6,
    });
    expect(
      parseAthenaConfig({
        TICKFLOW_BUCKET: 'my-lake',
        TICKFLOW_ATHENA_WORKGROUP: 'analytics',
        TICKFLOW_ATHENA_OUTPUT: 's3://athena-out/tickflow',
        TICKFLOW_GLUE_DATABASE: 'markets',
        TICKFLOW_GLUE_TABLE: 'raw_ticks',
        TICKFLOW_PRICE_DECIMALS: '2',
      }),
    ).toEqual({
      bucket: 'my-lake',
      workgroup: 'analytics',
      outputLocation: 's3://athena-out/tickflow/',
      database: 'markets',
      table: 'raw_ticks',
      priceDecimals: 2,
    });
  });

  it('names the variable that is missing or wrong', () => {
    const fails = (env: Record<string, string>, variable: string) => {
      expect(() => parseAthenaConfig(env)).toThrow(ConfigError);
      expect(() => parseAthenaConfig(env)).toThrow(new RegExp(`^${variable} `));
    };
    fails({}, 'TICKFLOW_BUCKET');
    fails({ TICKFLOW_BUCKET: 'My_Lake' }, 'TICKFLOW_BUCKET');
    fails({ TICKFLOW_BUCKET: 'lake', TICKFLOW_GLUE_TABLE: 'ticks"; drop' }, 'TICKFLOW_GLUE_TABLE');
    fails({ TICKFLOW_BUCKET: 'lake', TICKFLOW_GLUE_DATABASE: 'Ticks' }, 'TICKFLOW_GLUE_DATABASE');
    fails({ TICKFLOW_BUCKET: 'lake', TICKFLOW_ATHENA_OUTPUT: 'results/' }, 'TICKFLOW_ATHENA_OUTPUT');
    fails({ TICKFLOW_BUCKET: 'lake', TICKFLOW_ATHENA_WORKGROUP: 'a b' }, 'TICKFLOW_ATHENA_WORKGROUP');
    fails({ TICKFLOW_BUCKET: 'lake', TICKFLOW_PRICE_DECIMALS: '10' }, 'TICKFLOW_PRICE_DECIMALS');
  });
});

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as duckdb from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DuckDbAnalyticsEngine } from '../../../src/adapters/local/duckdb-analytics-engine.js';
import { DuckDbCatalog } from '../../../src/adapters/local/duckdb-catalog.js';
import { FolderLake } from '../../../src/adapters/local/folder-lake.js';
import { partitionOf } from '../../../src/domain/enrich.js';
import { unitsToPrice } from '../../../src/domain/price.js';
import { QUERY_COLUMNS, QUERY_NAMES, type QueryName } from '../../../src/ports/analytics-engine.port.js';
import { EmptyLakeError, InvalidQueryError, QueryError } from '../../../src/ports/errors.js';
import type { EnrichedTick } from '../../../src/ports/model.js';
import { lakeMarketArb } from '../../arbitraries.js';
import { writeMarket } from '../../support/lake-writer.js';

const roots: string[] = [];
const engines: DuckDbAnalyticsEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.close();
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function tempLake(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tickflow-duckdb-'));
  roots.push(root);
  return root;
}

function engineOn(root: string, cache: string | false = ':memory:', newId?: () => string): DuckDbAnalyticsEngine {
  const engine = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: root, cache }), { newId });
  engines.push(engine);
  return engine;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2, 14, 30);
let seq = 0;

function tick(symbol: string, timestamp: number, units: number, volume = 100): EnrichedTick {
  return {
    symbol,
    timestamp,
    units,
    price: unitsToPrice(units, 6),
    volume,
    source: 'test',
    ingestedAt: timestamp,
    sequence: String(++seq),
    partition: partitionOf(timestamp),
  };
}

async function write(root: string, batch: string, ticks: EnrichedTick[]): Promise<void> {
  const lake = new FolderLake(root);
  const groups = new Map<string, EnrichedTick[]>();
  for (const t of ticks) {
    const key = `${t.symbol}/${partitionOf(t.timestamp).day}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const g of groups.values()) {
    const first = g[0] as EnrichedTick;
    await lake.writeSymbolDay(batch, first.symbol, first.partition, g);
  }
}

describe('DuckDbAnalyticsEngine', () => {
  it('reads symbols with = ^ - from their folders and prices exactly, up to 2^53 − 1 units', async () => {
    const root = await tempLake();
    await write(root, 'b1', [
      tick('EURUSD=X', T0, 9_007_199_254_740_991),
      tick('EURUSD=X', T0 + 1000, 1_084_500),
      tick('^GSPC', T0, 4_700_123_456),
      tick('BRK-B', T0 + DAY, 360_500_000),
    ]);
    for (const cache of [':memory:', false] as const) {
      const engine = engineOn(root, cache);
      const { rows, location } = await engine.run('daily-ohlc', {});
      expect(rows.map((r) => [r.symbol, r.day, r.ticks])).toEqual([
        ['BRK-B', '2024-01-03', 1],
        ['EURUSD=X', '2024-01-02', 2],
        ['^GSPC', '2024-01-02', 1],
      ]);
      const csv = await readFile(location, 'utf8');
      // The decimal's exact text, not the double's (9007199254.740992).
      expect(csv).toContain('EURUSD=X,2024-01-02,9007199254.740991,9007199254.740991,1.084500,1.084500,200,2\r\n');
      const only = await engine.run('daily-ohlc', { symbols: ['eurusd=x'] });
      expect(only.rows.map((r) => r.symbol)).toEqual(['EURUSD=X']);
    }
  });

  it("why the catalog reads paths and price text itself: DuckDB's hive_partitioning refuses symbol=EURUSD=X and read_json parses numbers as doubles", async () => {
    const root = await tempLake();
    await write(root, 'b1', [tick('EURUSD=X', T0, 9_007_199_254_740_991), tick('AAPL', T0, 187_430_000)]);
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const glob = join(root, 'raw', '*', '*', '*', '*', '*.ndjson.gz');
    await expect(connection.run(`SELECT * FROM read_json('${glob}', hive_partitioning = true)`)).rejects.toThrow(/Hive partition mismatch/);
    const viaDouble = await connection.runAndReadAll(
      `SELECT CAST(price AS VARCHAR) FROM read_json('${join(root, 'raw', 'symbol=EURUSD=X', '*', '*', '*', '*.ndjson.gz')}', columns = {price: 'DECIMAL(18,6)'})`,
    );
    expect(viaDouble.getRowsJson()).toEqual([['9007199254.740992']]);
    connection.closeSync();
    instance.closeSync();
  });

  it('counts each tick once: lake duplicates, replayed batches and late ticks are skipped in every query', async () => {
    const root = await tempLake();
    const a = tick('AAPL', T0, 100_000_000, 10);
    const b = tick('AAPL', T0 + 1000, 102_000_000, 20);
    const late = tick('AAPL', T0 + 500, 1_000_000, 1000); // arrives after b, older than b
    const dup = tick('AAPL', T0 + 1000, 999_000_000, 1000); // same timestamp as b
    const c = tick('AAPL', T0 + 2000, 101_000_000, 30);
    await write(root, 'b1', [a, b, late]);
    await write(root, 'b2', [dup, c]);
    await write(root, 'b1-replayed', [a, b, late]); // the same records again (same sequence numbers)
    for (const cache of [':memory:', false] as const) {
      const engine = engineOn(root, cache);
      const ohlc = await engine.run('daily-ohlc', {});
      expect(ohlc.rows).toEqual([{ symbol: 'AAPL', day: '2024-01-02', open: 100, high: 102, low: 100, close: 101, volume: 60, ticks: 3 }]);
      const series = await engine.run('series', { short: 1, long: 2 });
      expect(series.rows.map((r) => [r.timestamp, r.price])).toEqual([
        [T0, 100],
        [T0 + 1000, 102],
        [T0 + 2000, 101],
      ]);
      const vol = await engine.run('volatility', {});
      expect(vol.rows[0]?.ticks).toBe(3);
    }
  });

  it('orders arrivals by sequence number as a number (9 before 10), not as text', async () => {
    const root = await tempLake();
    const nine = { ...tick('AAPL', T0 + 1000, 200_000_000), sequence: '9' };
    const ten = { ...tick('AAPL', T0, 100_000_000), sequence: '10' }; // arrives after 9 and is older: late
    await write(root, 'b1', [ten, nine]);
    const { rows } = await engineOn(root).run('series', { short: 1, long: 2 });
    expect(rows.map((r) => r.price)).toEqual([200]);
  });

  it('a date range keeps the rule: a tick made late by an earlier arrival of a later day stays late', async () => {
    const root = await tempLake();
    const tomorrow = tick('AAPL', T0 + DAY, 200_000_000);
    const today = tick('AAPL', T0, 100_000_000); // arrives after tomorrow's tick: late
    const early = { ...tick('AAPL', T0 - 1000, 50_000_000) }; // arrives last, older still
    await write(root, 'b1', [tomorrow, today, early]);
    for (const cache of [':memory:', false] as const) {
      const { rows } = await engineOn(root, cache).run('daily-ohlc', { from: '2024-01-02', to: '2024-01-02' });
      expect(rows).toEqual([]);
      const both = await engineOn(root, cache).run('daily-ohlc', { from: '2024-01-02', to: '2024-01-03' });
      expect(both.rows.map((r) => r.day)).toEqual(['2024-01-03']);
    }
  });

  it('the cache follows the lake: new, rewritten and deleted objects, and gives what reading the files gives', async () => {
    const root = await tempLake();
    const cached = engineOn(root, join(root, '.cache', 'analytics.duckdb'));
    const direct = engineOn(root, false);
    const same = async () => {
      for (const name of QUERY_NAMES) {
        const [x, y] = await Promise.all([cached.run(name, { short: 2, long: 3 }), direct.run(name, { short: 2, long: 3 })]);
        expect(x.rows).toEqual(y.rows);
      }
      return (await cached.run('daily-ohlc', {})).rows.map((r) => [r.symbol, r.ticks]);
    };
    await write(root, 'b1', [tick('AAPL', T0, 100_000_000), tick('MSFT', T0, 300_000_000)]);
    expect(await same()).toEqual([
      ['AAPL', 1],
      ['MSFT', 1],
    ]);
    await write(root, 'b2', [tick('AAPL', T0 + 1000, 101_000_000), tick('AAPL', T0 + 2000, 99_000_000)]);
    expect(await same()).toEqual([
      ['AAPL', 3],
      ['MSFT', 1],
    ]);
    await write(root, 'b2', [tick('AAPL', T0 + 1000, 101_000_000)]); // rewritten in place, one tick fewer
    expect(await same()).toEqual([
      ['AAPL', 2],
      ['MSFT', 1],
    ]);
    await rm(join(root, 'raw', 'symbol=MSFT'), { recursive: true });
    expect(await same()).toEqual([['AAPL', 2]]);
    expect(await readdir(join(root, '.cache'))).toContain('analytics.duckdb');
  });

  it('gives the same rows from its cache as from the files, for every query, on random lakes', async () => {
    const root = await tempLake();
    const cached = engineOn(root, ':memory:');
    const direct = engineOn(root, false);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(lakeMarketArb(30), fc.constantFrom<QueryName>(...QUERY_NAMES), fc.boolean(), async (market, name, ranged) => {
        fc.pre(market.arrivals.length > 0);
        await rm(join(root, 'raw'), { recursive: true, force: true });
        await writeMarket(root, market, `r${++run}`);
        const params = { short: 2, long: 4, maxPoints: 6, ...(ranged ? { from: '2024-01-03', to: '2024-01-04' } : {}) };
        expect((await cached.run(name, params)).rows).toEqual((await direct.run(name, params)).rows);
      }),
      { numRuns: 40 },
    );
  });

  it('returns the documented columns for every query and stores the CSV under results/<query>/<id>.csv', async () => {
    const root = await tempLake();
    const ticks = Array.from({ length: 40 }, (_, i) => tick('AAPL', T0 + i * (DAY / 8), 100_000_000 + ((i * 7919) % 13) * 1_000_000));
    await write(root, 'b1', ticks);
    let n = 0;
    const engine = engineOn(root, ':memory:', () => `q-${++n}`);
    const types: Record<QueryName, string[]> = {
      'daily-ohlc': ['varchar', 'date', 'decimal(18,6)', 'decimal(18,6)', 'decimal(18,6)', 'decimal(18,6)', 'bigint', 'bigint'],
      'volume-trend': ['varchar', 'date', 'bigint', 'bigint', 'double', 'double'],
      volatility: ['varchar', 'bigint', 'double', 'bigint', 'double', 'double'],
      crossovers: ['varchar', 'varchar', 'varchar', 'varchar', 'bigint', 'decimal(18,6)', 'double', 'double'],
      series: ['varchar', 'bigint', 'decimal(18,6)', 'bigint', 'bigint', 'double', 'double', 'varchar'],
    };
    for (const name of QUERY_NAMES) {
      const result = await engine.run(name, { short: 2, long: 3 });
      expect(result.columns).toEqual(QUERY_COLUMNS[name].map((c, i) => ({ name: c, type: types[name][i] })));
      expect(result.rows.length).toBeGreaterThan(0);
      expect(result.location).toBe(join(root, 'results', name, `q-${n}.csv`));
      const csv = (await readFile(result.location, 'utf8')).split('\r\n');
      expect(csv[0]).toBe(QUERY_COLUMNS[name].join(','));
      expect(csv.length).toBe(result.rows.length + 2);
    }
  });

  it('keeps at most maxRows rows, counts every row, and hands every row to onRows in order, on random lakes', async () => {
    const root = await tempLake();
    const engine = engineOn(root, ':memory:');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        lakeMarketArb(30),
        fc.constantFrom<QueryName>(...QUERY_NAMES),
        fc.nat(40),
        fc.boolean(),
        async (market, name, maxRows, streamed) => {
          fc.pre(market.arrivals.length > 0);
          await rm(join(root, 'raw'), { recursive: true, force: true });
          await writeMarket(root, market, `k${++run}`);
          const params = { short: 2, long: 4 };
          const all = await engine.run(name, params);
          const batches: unknown[][] = [];
          const result = await engine.run(name, params, {
            maxRows,
            ...(streamed ? { onRows: (rows: readonly unknown[]) => void batches.push([...rows]) } : {}),
          });
          expect(result.rows).toEqual(all.rows.slice(0, maxRows));
          expect(result.rowCount).toBe(all.rows.length);
          expect(all.rowCount).toBe(all.rows.length);
          if (streamed) expect(batches.flat()).toEqual(all.rows);
          expect(await readFile(result.location, 'utf8')).toBe(await readFile(all.location, 'utf8'));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('streams a result larger than a chunk in several batches, and leaves no file behind when a batch fails', async () => {
    const root = await tempLake();
    const ticks = Array.from({ length: 5000 }, (_, i) => tick('AAPL', T0 + i * 1000, 100_000_000 + ((i * 7919) % 13) * 1_000_000));
    await write(root, 'b1', ticks);
    const engine = engineOn(root, ':memory:');
    const sizes: number[] = [];
    const result = await engine.run('series', {}, { maxRows: 3, onRows: (rows) => void sizes.push(rows.length) });
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(result.rowCount).toBe(5000);
    expect(result.rows.map((r) => r.timestamp)).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect((await readFile(result.location, 'utf8')).split('\r\n')).toHaveLength(5002);

    const before = await readdir(join(root, 'results', 'series'));
    const error = await engine
      .run(
        'series',
        {},
        {
          onRows: (rows) => {
            if (rows.length > 0) throw new Error('reader gone');
          },
        },
      )
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('reader gone');
    // Neither a result nor its temporary file stays.
    expect(await readdir(join(root, 'results', 'series'))).toEqual(before);
    // Stopped (Ctrl-C) mid-stream: the signal's reason, and no file left, finished or not.
    const stop = new AbortController();
    const stopped = await engine
      .run('series', {}, { signal: stop.signal, onRows: () => stop.abort(new Error('stopped by the user')) })
      .catch((e: unknown) => e);
    expect((stopped as Error).message).toBe('stopped by the user');
    expect(await readdir(join(root, 'results', 'series'))).toEqual(before);
    // And the engine answers the next query as before.
    expect((await engine.run('series', {}, { maxRows: 0 })).rowCount).toBe(5000);
    await expect(engine.run('series', {}, { maxRows: -1 })).rejects.toThrow(/maxRows must be a whole number from 0, got -1/);
    await expect(engine.run('series', {}, { maxRows: 1.5 })).rejects.toThrow(RangeError);
  });

  it('answers from a lake it cannot write: the cache in memory, the result CSV in the temporary folder', async () => {
    const root = await tempLake();
    const ticks = Array.from({ length: 30 }, (_, i) => tick('AAPL', T0 + i * 1000, 100_000_000 + ((i * 7919) % 13) * 1_000_000));
    await write(root, 'b1', ticks);
    const expected = await engineOn(root, false).run('daily-ohlc');
    // Files where the folders would go: mkdir fails as it does in a folder this user may only read.
    await rm(join(root, 'results'), { recursive: true });
    await writeFile(join(root, '.cache'), 'not a folder');
    await writeFile(join(root, 'results'), 'not a folder');
    const engine = engineOn(root, join(root, '.cache', 'lake.duckdb'), () => 'q-ro');
    const result = await engine.run('daily-ohlc');
    expect(result.rows).toEqual(expected.rows);
    // A folder of this process's own: a fixed shared name would be whoever made it first's.
    expect(result.location).toMatch(new RegExp(`^${tmpdir()}/tickflow-results-[^/]+/results/daily-ohlc/q-ro\\.csv$`));
    expect((await readFile(result.location, 'utf8')).split('\r\n')).toHaveLength(expected.rows.length + 2);
    await rm(result.location.replace(/\/results\/daily-ohlc\/q-ro\.csv$/, ''), { recursive: true });
    // And with no temporary folder to fall back on: a QueryError naming both places, not a stack trace.
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(root, 'no-such-folder');
    try {
      const error = await engineOn(root, false)
        .run('daily-ohlc')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as Error).message).toMatch(
        /^cannot write the result CSV, neither under .*\/results \((ENOTDIR|EEXIST)\) nor under .*no-such-folder \(ENOENT\)$/,
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('series with maxPoints keeps each bucket’s low and high, the ends and every crossover', async () => {
    const root = await tempLake();
    const prices = Array.from(
      { length: 500 },
      (_, i) => 100_000_000 + Math.round(Math.sin(i / 9) * 5_000_000 + ((i * 7919) % 101) * 10_000),
    );
    await write(
      root,
      'b1',
      prices.map((u, i) => tick('AAPL', T0 + i * 1000, u)),
    );
    const engine = engineOn(root);
    const all = (await engine.run('series', {})).rows;
    const crossings = all.filter((r) => r.signal !== null);
    expect(crossings.length).toBeGreaterThan(3);
    const few = (await engine.run('series', { maxPoints: 40 })).rows;
    expect(few.length).toBeLessThanOrEqual(40 + crossings.length);
    expect(few.length).toBeLessThan(all.length / 4);
    // A kept row is its tick (ticks and volume aside: they count what it stands for).
    const own = ({ ticks: _t, volume: _v, ...rest }: Record<string, unknown>) => rest;
    for (const c of crossings) expect(few.map(own)).toContainEqual(own(c));
    expect(few[0]).toEqual(all[0]);
    expect(own(few.at(-1) as Record<string, unknown>)).toEqual(own(all.at(-1) as Record<string, unknown>));
    const price = (r: { price?: unknown }) => r.price as number;
    expect(Math.max(...few.map(price))).toBe(Math.max(...all.map(price)));
    expect(Math.min(...few.map(price))).toBe(Math.min(...all.map(price)));
    for (const r of few) expect(all.map(own)).toContainEqual(own(r));
  });

  it('series with maxPoints: each row counts the ticks since the row before it and their volume, so both add up', async () => {
    const root = await tempLake();
    const ticks = ['AAPL', 'MSFT'].flatMap((symbol, s) =>
      Array.from({ length: 3000 + s * 777 }, (_, i) =>
        tick(symbol, T0 + i * 1000, 100_000_000 + ((i * 7919 + s) % 211) * 10_000, 1 + ((i * 31 + s) % 997)),
      ),
    );
    await write(root, 'b1', ticks);
    const engine = engineOn(root);
    const all = (await engine.run('series', {})).rows;
    expect(all.every((r) => r.ticks === 1)).toBe(true);
    for (const maxPoints of [4, 40, 1000]) {
      const few = (await engine.run('series', { maxPoints })).rows;
      for (const symbol of ['AAPL', 'MSFT']) {
        const mine = all.filter((r) => r.symbol === symbol);
        const kept = few.filter((r) => r.symbol === symbol);
        expect(kept.length).toBeLessThan(mine.length);
        // The oracle: the ticks after the kept row before, up to and with this one.
        let after = Number.NEGATIVE_INFINITY;
        for (const row of kept) {
          const t = row.timestamp as number;
          const stood = mine.filter((r) => (r.timestamp as number) > after && (r.timestamp as number) <= t);
          expect([row.ticks, row.volume]).toEqual([stood.length, stood.reduce((n, r) => n + (r.volume as number), 0)]);
          after = t;
        }
        expect(after).toBe(mine.at(-1)?.timestamp);
      }
    }
  });

  it('an abort while the cache loads the lake stops the load, rolls it back, and the next query loads it whole', async () => {
    const root = await tempLake();
    const ticks = Array.from({ length: 300 }, (_, i) =>
      tick(i % 2 ? 'AAPL' : 'MSFT', T0 + i * 1000, 100_000_000 + ((i * 7919) % 13) * 1_000_000),
    );
    await write(root, 'b1', ticks);
    const engine = engineOn(root, ':memory:');
    // A signal that reads as aborted from its third look on: in the middle of the load's statements.
    let looks = 0;
    const reason = new Error('stopped by the user');
    const signal = {
      get aborted() {
        return looks > 2;
      },
      reason,
      throwIfAborted() {
        if (++looks > 2) throw reason;
      },
      addEventListener() {},
      removeEventListener() {},
    } as unknown as AbortSignal;
    await expect(engine.run('daily-ohlc', {}, { signal })).rejects.toBe(reason);
    expect(looks).toBeGreaterThan(2);
    expect(existsSync(join(root, 'results'))).toBe(false);
    expect((await engine.run('daily-ohlc')).rows).toEqual((await engineOn(root, false).run('daily-ohlc')).rows);
  });

  it('reports data DuckDB refuses as a QueryError of that query (a day whose volume passes BIGINT), not an unexpected error', async () => {
    const root = await tempLake();
    // Each volume is valid (≤ 2^53 − 1); 1,025 of them in one day sum past 2^63 − 1.
    await write(
      root,
      'b1',
      Array.from({ length: 1025 }, (_, i) => tick('W', T0 + i * 1000, 10_000_000, Number.MAX_SAFE_INTEGER)),
    );
    const error = await engineOn(root)
      .run('daily-ohlc')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(/^daily-ohlc failed in DuckDB: Conversion Error: .*INT128.*INT64/s);
  });

  it('says clearly when there is no lake, or no ticks in it', async () => {
    const root = await tempLake();
    const none = await engineOn(join(root, 'nope'))
      .run('volatility', {})
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // A QueryError of its own kind, named as such (Lambda and logs report the name).
    expect(none).toBeInstanceOf(QueryError);
    expect(none).toBeInstanceOf(EmptyLakeError);
    expect(none).toMatchObject({ name: 'EmptyLakeError', message: `no data lake at ${join(root, 'nope')} (it has no raw/ folder)` });
    // A mistyped --lake is left as it was: no results folder made there.
    expect(existsSync(join(root, 'nope'))).toBe(false);
    await mkdir(join(root, 'raw'), { recursive: true });
    await writeFile(join(root, 'raw', 'README'), 'not an object');
    await expect(engineOn(root).run('volatility', {})).rejects.toThrow(`the data lake at ${root} holds no ticks yet (raw/ has no objects)`);
  });

  it('names a lake object it cannot read (not gzip, not JSON lines) in a QueryError, with the cache on and off', async () => {
    for (const [bytes, reason] of [
      [Buffer.from('garbage'), /cannot be read: IO Error: Input is not a GZIP stream: .*b2\.ndjson\.gz$/],
      [gzipSync('{"symbol": not json\n'), /cannot be read: Invalid Input Error: .*b2\.ndjson\.gz/],
    ] as const) {
      for (const cache of [':memory:', false] as const) {
        const root = await tempLake();
        await write(root, 'b1', [tick('AAPL', T0, 100_000_000)]);
        await writeFile(join(root, 'raw', 'symbol=AAPL', 'year=2024', 'month=01', 'day=02', 'b2.ndjson.gz'), bytes);
        const error = await engineOn(root, cache)
          .run('daily-ohlc', {})
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QueryError);
        expect((error as Error).message).toMatch(new RegExp(`^an object in the data lake at ${root} `));
        expect((error as Error).message).toMatch(reason);
      }
    }
  });

  it('refuses a symbol or date with SQL metacharacters before any query runs', async () => {
    const root = await tempLake();
    await write(root, 'b1', [tick('AAPL', T0, 100_000_000)]);
    const engine = engineOn(root);
    const spy = vi.spyOn(engine.catalog, 'withLake');
    for (const params of [
      { symbols: ["AAPL'); DROP TABLE lake_ticks; --"] },
      { symbols: ['AAPL', 'MSFT" OR 1=1'] },
      { from: "2024-01-01'; --" },
      { to: '2024-02-30' },
      { short: 5, long: 5 },
      { maxPoints: 2 },
    ]) {
      await expect(engine.run('daily-ohlc', params)).rejects.toBeInstanceOf(InvalidQueryError);
    }
    expect(spy).not.toHaveBeenCalled();
    expect(await readdir(root)).toEqual(['raw']); // no results/, no cache opened
  });
});

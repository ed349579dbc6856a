import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbAnalyticsEngine } from '../../src/adapters/local/duckdb-analytics-engine.js';
import { DuckDbCatalog } from '../../src/adapters/local/duckdb-catalog.js';
import { compareAlerts } from '../../src/domain/alert.js';
import { MultiSymbolTracker } from '../../src/domain/multi-symbol-tracker.js';
import { unitsToPrice } from '../../src/domain/price.js';
import { TickOutcome, TrendTracker } from '../../src/domain/trend-tracker.js';
import type { Alert } from '../../src/ports/model.js';
import { type LakeMarket, lakeMarketArb, periodsArb } from '../arbitraries.js';
import { rowsAsAlerts, writeMarket } from '../support/lake-writer.js';

/**
 * One lake folder and two engines for the whole property (DuckDB starts once): one reads the
 * applied ticks its cache materialised, the other computes them in SQL from the files.
 */
let root: string;
let cached: DuckDbAnalyticsEngine;
let direct: DuckDbAnalyticsEngine;
let run = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickflow-sql-property-'));
  cached = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: root, cache: ':memory:' }));
  direct = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: root, cache: false }));
});
afterAll(async () => {
  await cached.close();
  await direct.close();
  await rm(root, { recursive: true, force: true });
});

async function lakeOf(market: LakeMarket): Promise<void> {
  await rm(join(root, 'raw'), { recursive: true, force: true });
  await writeMarket(root, market, `run${++run}`);
}

/** The streaming path's alerts on the same ticks, in arrival order. */
function trackerAlerts(market: LakeMarket, short: number, long: number): Alert[] {
  const trackers = new MultiSymbolTracker({ short, long, priceDecimals: 6 });
  const alerts: Alert[] = [];
  for (const a of market.arrivals) {
    const alert = trackers.push({ ...a, price: unitsToPrice(a.units, 6) });
    if (alert) alerts.push(alert);
  }
  return alerts.sort(compareAlerts);
}

/** Every applied tick with the tracker's SMAs after it: what `series` must return. */
function trackerSeries(market: LakeMarket, short: number, long: number) {
  const trackers = new Map<string, TrendTracker>();
  const rows: {
    symbol: string;
    timestamp: number;
    price: number;
    volume: number;
    ticks: number;
    sma_short: number | null;
    sma_long: number | null;
  }[] = [];
  for (const a of market.arrivals) {
    const t = trackers.get(a.symbol) ?? new TrendTracker({ short, long });
    trackers.set(a.symbol, t);
    const outcome = t.update(a.timestamp, a.units);
    if (outcome === TickOutcome.Duplicate || outcome === TickOutcome.Late) continue;
    rows.push({
      symbol: a.symbol,
      timestamp: a.timestamp,
      price: unitsToPrice(a.units, 6),
      volume: a.volume,
      ticks: 1,
      sma_short: t.smaShort ?? null,
      sma_long: t.smaLong ?? null,
    });
  }
  return rows.sort((x, y) => (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : x.timestamp - y.timestamp));
}

describe('the crossover SQL (property)', () => {
  it("equals the streaming tracker's alerts — ids, prices and SMA bits — over lakes with duplicates, late ticks and replayed batches", async () => {
    await fc.assert(
      fc.asyncProperty(lakeMarketArb(60), fc.oneof(periodsArb, fc.constant({ short: 5, long: 20 })), async (market, { short, long }) => {
        fc.pre(market.arrivals.length > 0);
        await lakeOf(market);
        const expected = trackerAlerts(market, short, long);
        for (const engine of [cached, direct]) {
          const { rows } = await engine.run('crossovers', { short, long });
          expect(rowsAsAlerts(rows)).toEqual(expected);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('series gives every applied tick once, in time order, with the SMAs of the tracker bit for bit (also past 2^53 units)', async () => {
    await fc.assert(
      fc.asyncProperty(lakeMarketArb(40), periodsArb, async (market, { short, long }) => {
        fc.pre(market.arrivals.length > 0);
        await lakeOf(market);
        const expected = trackerSeries(market, short, long);
        const { rows } = await cached.run('series', { short, long });
        expect(rows.map(({ signal: _, ...rest }) => rest)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

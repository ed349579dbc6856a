import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../src/adapters/local/loggers.js';
import { SimulatedTickSource, seededRandom } from '../../src/adapters/sources/simulated-tick-source.js';
import { localContainer } from '../../src/container/local.js';
import { type ReplayResult, replay } from '../../src/container/replay.js';
import { partitionDay, partitionOf } from '../../src/domain/enrich.js';
import { unitsToPrice } from '../../src/domain/price.js';
import { validateTick } from '../../src/domain/validate-tick.js';
import { ANALYTICS_ENGINE, type AnalyticsEngine } from '../../src/ports/analytics-engine.port.js';
import { CATALOG, type Catalog } from '../../src/ports/catalog.port.js';
import type { Tick } from '../../src/ports/model.js';
import { rowsAsAlerts } from '../support/lake-writer.js';

/**
 * Known ticks: a seeded market over a week (5-minute steps), with duplicates and malformed
 * records from the simulator and late ticks added here, replayed through the whole local flow
 * into a folder lake; then the SQL over that lake is held against plain TypeScript.
 */
const START = Date.UTC(2024, 0, 2, 9);
const NOW = START + 9 * 86_400_000;
let root: string;
let records: unknown[];
let replayed: ReplayResult;
let engine: AnalyticsEngine & { close(): Promise<void> };

function knownRecords(): unknown[] {
  const source = new SimulatedTickSource({
    symbols: ['AAPL', 'BRK-B', 'EURUSD=X'],
    ticks: 6000,
    seed: 11,
    stepMs: 300_000,
    badRate: 0.01,
    duplicateRate: 0.02,
  });
  const out: unknown[] = [...source.generate()].map((item) => (item as { record: unknown }).record);
  const rand = seededRandom(5);
  for (let k = 0; k < 60; k++) {
    const at = 100 + Math.floor(rand() * (out.length - 100));
    const anchor = out[at] as { symbol?: unknown; timestamp?: unknown; price?: unknown };
    if (typeof anchor?.timestamp !== 'number') continue;
    out.splice(at + 1, 0, { ...anchor, timestamp: anchor.timestamp - 600_000 * (1 + Math.floor(rand() * 3)), price: 1.11 });
  }
  return out;
}

/** The applied ticks per symbol in TypeScript: valid records in order, each newer than the last applied. */
function appliedTicks(): Map<string, Tick[]> {
  const applied = new Map<string, Tick[]>();
  for (const r of records) {
    const v = validateTick(typeof r === 'string' ? r : JSON.stringify(r), { now: NOW });
    if (!v.ok) continue;
    const list = applied.get(v.tick.symbol) ?? [];
    const last = list.at(-1);
    if (last === undefined || v.tick.timestamp > last.timestamp) list.push(v.tick);
    applied.set(v.tick.symbol, list);
  }
  return new Map([...applied].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function byDay(ticks: readonly Tick[]): Map<string, Tick[]> {
  const days = new Map<string, Tick[]>();
  for (const t of ticks) {
    const day = partitionDay(partitionOf(t.timestamp));
    days.set(day, [...(days.get(day) ?? []), t]);
  }
  return days;
}

function stddevSample(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

const logReturns = (prices: readonly number[]) => prices.slice(1).map((p, i) => Math.log(p / (prices[i] as number)));
const price = (t: Tick) => unitsToPrice(t.units, 6);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickflow-analytics-e2e-'));
  records = knownRecords();
  replayed = await replay(records, {
    lake: join(root, 'lake'),
    clock: new ManualClock(NOW),
    logger: new MemoryLogger(),
    ingestBatchSize: 250,
    shards: 2,
  });
  const container = localContainer({ lake: join(root, 'lake') });
  await container.get<Catalog>(CATALOG).ensureTable();
  engine = container.get(ANALYTICS_ENGINE);
});
afterAll(async () => {
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

describe('analytics over a lake written by a replay of known ticks', () => {
  it('the replay left duplicates, late ticks and rejects for the SQL to see past', () => {
    expect(replayed.stats.duplicates).toBeGreaterThan(50);
    expect(replayed.stats.late).toBeGreaterThan(30);
    expect(replayed.stats.rejectedTotal).toBeGreaterThan(30);
  });

  it('daily-ohlc equals OHLC computed in TypeScript from the same ticks', async () => {
    const expected = [...appliedTicks()].flatMap(([symbol, ticks]) =>
      [...byDay(ticks)].map(([day, list]) => ({
        symbol,
        day,
        open: price(list[0] as Tick),
        high: Math.max(...list.map(price)),
        low: Math.min(...list.map(price)),
        close: price(list.at(-1) as Tick),
        volume: list.reduce((a, t) => a + t.volume, 0),
        ticks: list.length,
      })),
    );
    const { rows } = await engine.run('daily-ohlc', {});
    expect(expected.length).toBeGreaterThanOrEqual(3 * 7);
    expect(rows).toEqual(expected);
  });

  it('volatility equals a TypeScript computation to 1e-12 relative', async () => {
    const { rows } = await engine.run('volatility', {});
    const expected = [...appliedTicks()].map(([symbol, ticks]) => {
      const closes = [...byDay(ticks).values()].map((list) => price(list.at(-1) as Tick));
      const daily = stddevSample(logReturns(closes));
      return {
        symbol,
        ticks: ticks.length,
        tick_volatility: stddevSample(logReturns(ticks.map(price))),
        days: closes.length,
        daily_volatility: daily,
        annualised_volatility: daily === null ? null : daily * Math.sqrt(252),
      };
    });
    expect(rows.map((r) => [r.symbol, r.ticks, r.days])).toEqual(expected.map((e) => [e.symbol, e.ticks, e.days]));
    for (const [i, e] of expected.entries()) {
      for (const key of ['tick_volatility', 'daily_volatility', 'annualised_volatility'] as const) {
        const got = rows[i]?.[key] as number;
        const want = e[key] as number;
        expect(Math.abs(got - want) / want).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it("crossovers in SQL equal the streaming path's alerts exactly: ids, prices, SMA bits", async () => {
    const { rows } = await engine.run('crossovers', {});
    expect(replayed.alerts.length).toBeGreaterThan(50);
    expect(rowsAsAlerts(rows)).toEqual(replayed.alerts);
  });

  it('volume-trend equals daily volumes and their moving averages computed in TypeScript', async () => {
    const { rows } = await engine.run('volume-trend', { short: 2, long: 4 });
    const expected = [...appliedTicks()].flatMap(([symbol, ticks]) => {
      const days = [...byDay(ticks)];
      const volumes = days.map(([, list]) => list.reduce((a, t) => a + t.volume, 0));
      const mean = (i: number, n: number) => {
        const window = volumes.slice(Math.max(0, i - n + 1), i + 1);
        return window.reduce((a, b) => a + b, 0) / window.length;
      };
      return days.map(([day, list], i) => ({
        symbol,
        day,
        ticks: list.length,
        volume: volumes[i],
        volume_ma_short: mean(i, 2),
        volume_ma_long: mean(i, 4),
      }));
    });
    expect(rows).toEqual(expected);
  });
});

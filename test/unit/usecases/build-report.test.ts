import { describe, expect, it } from 'vitest';
import { alertFromRow, buildReportFromEngine } from '../../../src/domain/usecases/build-report.js';
import type { AnalyticsEngine, QueryName, QueryParams, QueryResult } from '../../../src/ports/analytics-engine.port.js';

type Row = Record<string, string | number | null>;

/** An engine that answers from rows in memory and records what it was asked. */
function fakeEngine(tables: Record<string, Row[]>) {
  const calls: { name: string; params: QueryParams & { maxPoints?: number } }[] = [];
  const engine: AnalyticsEngine = {
    async run(name: QueryName, params: QueryParams): Promise<QueryResult> {
      calls.push({ name, params });
      const rows = (tables[name] ?? []).filter((r) => params.symbols === undefined || params.symbols.includes(String(r.symbol)));
      return { name, queryId: 'q1', columns: [], rows, rowCount: rows.length, location: `memory://${name}` };
    },
  };
  return { engine, calls };
}

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const seriesRow = (symbol: string, i: number, price: number): Row => ({
  symbol,
  timestamp: T0 + i * 1000,
  price,
  volume: 100 + i,
  sma_short: i >= 4 ? price - 0.5 : null,
  sma_long: i >= 19 ? price - 1 : null,
});

describe('buildReportFromEngine', () => {
  it('reads the series and the crossovers through the port and shapes them for the chart', async () => {
    const rows = [
      ...Array.from({ length: 30 }, (_, i) => seriesRow('MSFT', i, 400 + i)),
      ...Array.from({ length: 25 }, (_, i) => seriesRow('AAPL', i, 180)),
    ];
    const { engine, calls } = fakeEngine({
      series: rows.reverse(), // the engine owes no order
      crossovers: [
        {
          symbol: 'MSFT',
          timestamp: '2024-01-02 14:30:25',
          signal: 'DEATH_CROSS',
          trend: 'DOWNTREND',
          price: 425,
          sma_short: 424,
          sma_long: 424.5,
        },
        { symbol: 'MSFT', timestamp: T0 + 22_000, signal: 'GOLDEN_CROSS', trend: 'UPTREND', price: 422, sma_short: 421.5, sma_long: 421 },
      ],
    });
    const report = await buildReportFromEngine(engine, { from: '2024-01-02', to: '2024-01-02', generatedAt: T0, describe: 'lake x' });

    expect(calls.map((c) => c.name).sort()).toEqual(['crossovers', 'series']);
    expect(calls.find((c) => c.name === 'series')?.params).toEqual({
      from: '2024-01-02',
      to: '2024-01-02',
      short: 5,
      long: 20,
      maxPoints: 4096,
    });
    expect(report.series.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
    const msft = report.series[1];
    expect(msft?.t).toEqual(Array.from({ length: 30 }, (_, i) => T0 + i * 1000));
    expect(msft?.smaShort.slice(3, 5)).toEqual([null, 403.5]);
    expect(msft?.smaLong.slice(18, 20)).toEqual([null, 418]);
    expect(msft?.volume[0]).toBe(100);
    expect(report.alerts.map((a) => a.id)).toEqual(['MSFT#1704205822000#GOLDEN_CROSS', 'MSFT#1704205825000#DEATH_CROSS']);
    expect([report.short, report.long, report.counts, report.describe]).toEqual([5, 20, undefined, 'lake x']);
  });

  it('downsamples a series the engine did not, and puts every alert’s point back into it', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => seriesRow('AAPL', i, 100 + Math.sin(i / 10)));
    const crossing = { symbol: 'AAPL', timestamp: T0 + 2345 * 1000, signal: 'GOLDEN_CROSS', price: 1, sma_short: 2, sma_long: 1.5 };
    const { engine } = fakeEngine({ series: rows, crossovers: [crossing] });
    const report = await buildReportFromEngine(engine, { generatedAt: T0, maxBuckets: 32, symbols: ['AAPL'] });
    const [aapl] = report.series;
    expect(aapl?.ticks).toBe(5000);
    expect(aapl?.t.length).toBeLessThanOrEqual(4 * 32 + 1);
    const at = aapl?.t.indexOf(crossing.timestamp) as number;
    expect(at).toBeGreaterThan(0);
    expect([aapl?.price[at], aapl?.smaShort[at], aapl?.smaLong[at]]).toEqual([1, 2, 1.5]);
  });

  it('maps a crossovers row to an alert in one place, and refuses a row it cannot read', () => {
    expect(
      alertFromRow({ symbol: 'AAPL', timestamp: '2024-01-02T14:30:00Z', signal: 'DEATH_CROSS', price: '187.43', smaShort: 1, smaLong: 2 }),
    ).toEqual({
      id: 'AAPL#1704205800000#DEATH_CROSS',
      symbol: 'AAPL',
      signal: 'DEATH_CROSS',
      trend: 'DOWNTREND',
      timestamp: 1704205800000,
      price: 187.43,
      smaShort: 1,
      smaLong: 2,
    });
    expect(() => alertFromRow({ symbol: 'AAPL', timestamp: 1, signal: 'SIDEWAYS', price: 1, sma_short: 1, sma_long: 1 })).toThrow(
      /unknown signal "SIDEWAYS"/,
    );
    expect(() =>
      alertFromRow({ symbol: 'AAPL', timestamp: 'yesterday', signal: 'DEATH_CROSS', price: 1, sma_short: 1, sma_long: 1 }),
    ).toThrow(/bad timestamp/);
  });
});

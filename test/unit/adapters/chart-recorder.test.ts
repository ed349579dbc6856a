import { describe, expect, it } from 'vitest';
import { ChartRecorder } from '../../../src/adapters/local/chart-recorder.js';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../src/adapters/local/loggers.js';
import { SimulatedTickSource } from '../../../src/adapters/sources/simulated-tick-source.js';
import { replay } from '../../../src/container/replay.js';
import { validateTick } from '../../../src/domain/validate-tick.js';
import type { SourceItem } from '../../../src/ports/tick-source.port.js';
import { oracleSma } from '../../oracles.js';

const NOW = Date.UTC(2024, 5, 1);

/** The source's valid records, validated as ingest does, in order. */
function validTicks(source: SimulatedTickSource) {
  return [...source.generate()]
    .filter((i): i is Extract<SourceItem, { kind: 'record' }> => i.kind === 'record')
    .map((i) => validateTick(JSON.stringify(i.record), { now: NOW }))
    .flatMap((v) => (v.ok ? [v.tick] : []));
}

describe('ChartRecorder', () => {
  it('records the applied ticks with exact SMAs, leaves duplicates out, and keeps every alert of the flow', async () => {
    const source = new SimulatedTickSource({ symbols: ['AAPL', 'MSFT'], ticks: 1500, seed: 5, badRate: 0.02, duplicateRate: 0.05 });
    const recorder = new ChartRecorder({ short: 3, long: 8, maxBuckets: 2048 });
    const { alerts, stats } = await replay(source, {
      short: 3,
      long: 8,
      observers: [recorder],
      clock: new ManualClock(NOW),
      logger: new MemoryLogger(),
      ingestBatchSize: 37,
    });
    expect(stats.duplicates).toBeGreaterThan(0);
    expect(recorder.alerts()).toEqual(alerts);

    const ticks = validTicks(source);
    for (const series of recorder.series()) {
      // The applied ticks: strictly later than the previous applied tick of the symbol.
      const applied: typeof ticks = [];
      for (const t of ticks.filter((x) => x.symbol === series.symbol)) {
        if (applied.length === 0 || t.timestamp > (applied.at(-1)?.timestamp as number)) applied.push(t);
      }
      expect(series.ticks).toBe(applied.length);
      expect(series.t).toEqual(applied.map((t) => t.timestamp));
      expect(series.price).toEqual(applied.map((t) => t.price));
      const units = applied.map((t) => t.units);
      expect(series.smaShort).toEqual(units.map((_, i) => oracleSma(units.slice(0, i + 1), 3, 6) ?? null));
      expect(series.smaLong).toEqual(units.map((_, i) => oracleSma(units.slice(0, i + 1), 8, 6) ?? null));
      expect(series.volume).toEqual(applied.map((t) => t.volume));
    }
  });

  it('bounds what it keeps on a long series, and every alert’s point stays in it', async () => {
    const recorder = new ChartRecorder({ maxBuckets: 64 });
    const { alerts } = await replay(new SimulatedTickSource({ symbols: ['AAPL'], ticks: 20_000, seed: 2 }), { observers: [recorder] });
    const [series] = recorder.series();
    expect(series?.ticks).toBe(20_000);
    expect(series?.volume.length).toBeLessThanOrEqual(64);
    expect(series?.t.length).toBeLessThanOrEqual(4 * 64 + alerts.length);
    const drawn = new Set(series?.t);
    expect(alerts.length).toBeGreaterThan(100);
    for (const a of alerts) expect(drawn.has(a.timestamp)).toBe(true);
    const report = recorder.toReport({ title: 't', generatedAt: NOW });
    expect([report.short, report.long, report.alerts.length]).toEqual([5, 20, alerts.length]);
  });
});

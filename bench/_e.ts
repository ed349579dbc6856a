import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { replay } from '../src/container/replay.js';

const n = Number(process.argv[2] ?? 200000),
  lake = process.argv[3] === 'off' ? false : '/tmp/proflake';
const symbols = Array.from({ length: 100 }, (_, i) => `S${i}`);
const t0 = performance.now();
const { stats } = await replay(new SimulatedTickSource({ symbols, ticks: n, seed: 1 }), {
  lake,
  collectAlerts: false,
  ingestBatchSize: Number(process.env.IB ?? 1000),
  trendBatchSize: Number(process.env.TB ?? 1000),
  chunkSize: Number(process.env.CH ?? 20000),
});
const ms = performance.now() - t0;
console.log(
  `${n} ticks in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} ticks/s; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB; alerts ${stats.alerts.GOLDEN_CROSS + stats.alerts.DEATH_CROSS}`,
);

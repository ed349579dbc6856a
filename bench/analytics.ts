/**
 * How fast the DuckDB engine answers `volatility` over a 2-million-tick folder lake, cold and
 * warm, against reading the same lake in plain TypeScript (gunzip + JSON.parse). Run with
 * `npm run bench`; the lake is generated once under the system's temp folder and reused.
 *
 *   npm run bench                 # 2,000,000 ticks
 *   npm run bench -- 200000       # another size
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDbAnalyticsEngine } from '../src/adapters/local/duckdb-analytics-engine.js';
import { DuckDbCatalog } from '../src/adapters/local/duckdb-catalog.js';
import { FolderLake } from '../src/adapters/local/folder-lake.js';
import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { enrich } from '../src/domain/enrich.js';
import { validateTick } from '../src/domain/validate-tick.js';
import type { EnrichedTick } from '../src/ports/model.js';

const TICKS = Number(process.argv[2] ?? 2_000_000);
const LAKE = join(tmpdir(), `tickflow-bench-lake-${TICKS}`);

/** In a child process: open the lake, answer volatility once, print the milliseconds. */
if (process.argv[3] === '--once') {
  const started = performance.now();
  const engine = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE }));
  await engine.run('volatility', {});
  await engine.close();
  process.stdout.write(String(performance.now() - started));
  process.exit(0);
}

/** Writes the lake as ingest would: batches of 1,000 records, one object per symbol-day per batch. */
async function ensureLake(): Promise<void> {
  const marker = join(LAKE, 'COMPLETE');
  if (existsSync(marker)) return;
  await rm(LAKE, { recursive: true, force: true });
  const lake = new FolderLake(LAKE);
  const now = Date.UTC(2030, 0, 1);
  const source = new SimulatedTickSource({ ticks: TICKS, seed: 42, duplicateRate: 0.01 });
  let batch: EnrichedTick[] = [];
  let n = 0;
  const flush = async () => {
    const groups = new Map<string, EnrichedTick[]>();
    for (const t of batch) groups.set(`${t.symbol} ${t.partition.day}`, [...(groups.get(`${t.symbol} ${t.partition.day}`) ?? []), t]);
    for (const g of groups.values()) {
      const first = g[0] as EnrichedTick;
      await lake.writeSymbolDay(`shard-0_${first.sequence}`, first.symbol, first.partition, g);
    }
    batch = [];
  };
  for (const item of source.generate()) {
    const v = validateTick(JSON.stringify((item as { record: unknown }).record), { now });
    if (!v.ok) continue;
    batch.push(enrich(v.tick, { ingestedAt: now, sequence: String(++n).padStart(20, '0'), source: 'bench' }));
    if (batch.length === 1000) await flush();
  }
  await flush();
  writeFileSync(marker, String(n));
}

/** The peer: the same volatility in TypeScript, reading every object (applied ticks only). */
function volatilityInTypeScript(): Map<string, number> {
  const bySymbol = new Map<string, { last: number; prev: number; n: number; mean: number; m2: number }>();
  const files = readdirSync(join(LAKE, 'raw'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  const lines: { symbol: string; timestamp: number; price: number; sequence: string }[] = [];
  for (const f of files) {
    for (const line of gunzipSync(readFileSync(join(f.parentPath, f.name)))
      .toString('utf8')
      .split('\n')) {
      if (line.length > 0) lines.push(JSON.parse(line));
    }
  }
  lines.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.sequence < b.sequence ? -1 : 1));
  for (const t of lines) {
    const s = bySymbol.get(t.symbol);
    if (s === undefined) {
      bySymbol.set(t.symbol, { last: t.timestamp, prev: t.price, n: 0, mean: 0, m2: 0 });
      continue;
    }
    if (t.timestamp <= s.last) continue;
    s.last = t.timestamp;
    const r = Math.log(t.price / s.prev);
    s.prev = t.price;
    s.n++;
    const d = r - s.mean;
    s.mean += d / s.n;
    s.m2 += d * (r - s.mean);
  }
  return new Map([...bySymbol].map(([k, s]) => [k, Math.sqrt(s.m2 / (s.n - 1))]));
}

async function time(runs: number, before: () => Promise<void>, work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const started = performance.now();
    await work();
    out.push(performance.now() - started);
  }
  return out;
}

const nothing = async () => undefined;
const cacheDir = join(LAKE, '.cache');
const rows: [string, number[]][] = [];

console.error(`preparing a lake of ${TICKS.toLocaleString('en-US')} ticks at ${LAKE} …`);
await ensureLake();
const objects = readdirSync(join(LAKE, 'raw'), { recursive: true }).filter((f) => String(f).endsWith('.ndjson.gz')).length;
console.error(`${objects.toLocaleString('en-US')} objects; measuring …`);

const cold = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE }));
rows.push([
  'DuckDB, cold cache: first query loads every object',
  await time(
    2,
    async () => {
      await cold.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
    () => cold.run('volatility', {}),
  ),
]);
await cold.close();

const warm = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE }));
await warm.run('volatility', {});
rows.push(['DuckDB, warm cache, engine open (library use)', await time(7, nothing, () => warm.run('volatility', {}))]);
rows.push(['DuckDB, warm cache, crossovers (for scale)', await time(3, nothing, () => warm.run('crossovers', {}))]);
let extra = 0;
rows.push([
  'DuckDB, warm cache + 1 new object (incremental)',
  await time(
    3,
    async () => {
      const t = Date.UTC(2024, 0, 20) + ++extra * 60_000;
      const ticks = Array.from({ length: 200 }, (_, i) =>
        enrich(
          { symbol: 'AAPL', timestamp: t + i * 100, price: 100 + i / 100, units: 100_000_000 + i * 10_000, volume: 100 },
          { ingestedAt: t, sequence: `9${String(extra * 1000 + i).padStart(19, '0')}`, source: 'bench' },
        ),
      );
      await new FolderLake(LAKE).writeSymbolDay(`extra-${extra}`, 'AAPL', ticks[0]?.partition ?? { year: 2024, month: 1, day: 20 }, ticks);
    },
    () => warm.run('volatility', {}),
  ),
]);
await warm.close();

const script = process.argv[1] as string;
rows.push([
  'DuckDB, warm cache, new process (node + DuckDB + open + query)',
  await time(3, nothing, async () =>
    execFileSync(process.execPath, [script, String(TICKS), '--once'], { stdio: ['ignore', 'pipe', 'ignore'] }),
  ),
]);

const direct = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE, cache: false }));
rows.push(['DuckDB, no cache: reads every object each query', await time(2, nothing, () => direct.run('volatility', {}))]);
await direct.close();

rows.push(['TypeScript: gunzip + JSON.parse + the same rule (peer)', await time(2, nothing, async () => volatilityInTypeScript())]);

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`\nvolatility over ${TICKS.toLocaleString('en-US')} ticks in ${objects.toLocaleString('en-US')} gzip NDJSON objects`);
console.log(`(${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(2)} at the end; times in wall-clock ms)\n`);
console.log(`  ${'scenario'.padEnd(62)}${'min'.padStart(10)}${'median'.padStart(10)}  runs`);
for (const [name, xs] of rows)
  console.log(`  ${name.padEnd(62)}${ms(Math.min(...xs)).padStart(10)}${ms(median(xs)).padStart(10)}  ${xs.length}`);

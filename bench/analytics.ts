/**
 * Row 4: how fast the DuckDB engine answers `volatility` over a folder lake of N ticks (gzip
 * NDJSON), cold and warm, against reading the same lake in plain TypeScript (gunzip +
 * JSON.parse). The lake is generated once under the system's temp folder and reused.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DuckDbAnalyticsEngine } from '../src/adapters/local/duckdb-analytics-engine.js';
import { DuckDbCatalog } from '../src/adapters/local/duckdb-catalog.js';
import { FolderLake } from '../src/adapters/local/folder-lake.js';
import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { enrich } from '../src/domain/enrich.js';
import { validateTick } from '../src/domain/validate-tick.js';
import type { EnrichedTick } from '../src/ports/model.js';
import { bundled } from './bundle.js';

const lakeOf = (ticks: number) => join(tmpdir(), `tickflow-bench-lake-${ticks}`);

/** In a child process (`analytics.ts --once N`): open the lake, answer volatility once, print the ms. */
if (process.argv[2] === '--once') {
  const started = performance.now();
  const engine = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: lakeOf(Number(process.argv[3])) }));
  await engine.run('volatility', {});
  await engine.close();
  process.stdout.write(String(performance.now() - started));
  process.exit(0);
}

/** Writes the lake as ingest would: batches of 1,000 records, one object per symbol-day per batch. */
async function ensureLake(ticks: number): Promise<string> {
  const LAKE = lakeOf(ticks);
  const marker = join(LAKE, 'COMPLETE');
  if (existsSync(marker)) return LAKE;
  await rm(LAKE, { recursive: true, force: true });
  const lake = new FolderLake(LAKE);
  const now = Date.UTC(2030, 0, 1);
  const source = new SimulatedTickSource({ ticks, seed: 42, duplicateRate: 0.01 });
  let batch: EnrichedTick[] = [];
  let n = 0;
  const flush = async () => {
    const groups = new Map<string, EnrichedTick[]>();
    for (const t of batch) {
      const key = `${t.symbol} ${t.partition.day}`;
      const g = groups.get(key);
      if (g) g.push(t);
      else groups.set(key, [t]);
    }
    await Promise.all(
      [...groups.values()].map((g) => {
        const first = g[0] as EnrichedTick;
        return lake.writeSymbolDay(`shard-0_${first.sequence}`, first.symbol, first.partition, g);
      }),
    );
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
  return LAKE;
}

/** The peer: the same volatility in TypeScript, reading every object (applied ticks only). */
function volatilityInTypeScript(LAKE: string): Map<string, number> {
  const bySymbol = new Map<string, { last: number; prev: number; n: number; mean: number; m2: number }>();
  const files = readdirSync(join(LAKE, 'raw'), { recursive: true, withFileTypes: true }).filter(
    (f) => f.isFile() && f.name.endsWith('.ndjson.gz'),
  );
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

async function timeRuns(runs: number, before: () => Promise<void>, work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const started = performance.now();
    await work();
    out.push(performance.now() - started);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const nothing = async () => undefined;

/** The measurements of row 4 for one lake size, in milliseconds (medians). */
export interface AnalyticsRow {
  ticks: number;
  objects: number;
  volatilityMs: { warmEngineOpen: number; warmNewProcess: number; coldCache: number; noCache: number; typescriptPeer: number };
}

/** Measures `volatility` on a lake of `ticks` ticks (generated once and reused). */
export async function analyticsRow(ticks: number, log: (line: string) => void = () => {}): Promise<AnalyticsRow> {
  log(`preparing a lake of ${ticks.toLocaleString('en-US')} ticks at ${lakeOf(ticks)} (once) …`);
  const LAKE = await ensureLake(ticks);
  const objects = readdirSync(join(LAKE, 'raw'), { recursive: true }).filter((f) => String(f).endsWith('.ndjson.gz')).length;
  const cacheDir = join(LAKE, '.cache');
  const cold = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE }));
  const coldRuns = await timeRuns(
    2,
    async () => {
      await cold.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
    () => cold.run('volatility', {}),
  );
  await cold.close();
  const warm = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE }));
  await warm.run('volatility', {});
  const warmRuns = await timeRuns(7, nothing, () => warm.run('volatility', {}));
  await warm.close();
  const script = await bundled(fileURLToPath(import.meta.url));
  const run = promisify(execFile);
  const newProcess = await timeRuns(3, nothing, () => run(process.execPath, [script, '--once', String(ticks)]));
  const direct = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: LAKE, cache: false }));
  const noCache = await timeRuns(2, nothing, () => direct.run('volatility', {}));
  await direct.close();
  const peer = await timeRuns(2, nothing, async () => volatilityInTypeScript(LAKE));
  return {
    ticks,
    objects,
    volatilityMs: {
      warmEngineOpen: median(warmRuns),
      warmNewProcess: median(newProcess),
      coldCache: median(coldRuns),
      noCache: median(noCache),
      typescriptPeer: median(peer),
    },
  };
}

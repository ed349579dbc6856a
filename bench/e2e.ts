/**
 * Row 3: `replay` of simulated ticks over 100 symbols through the whole local flow, ticks/s,
 * CPU time and peak RSS, each run in a process of its own so its peak memory is its own; and
 * beside the lake rows their floor, the lake alone: the same objects written by the
 * `FolderLake` with nothing else running.
 *
 * As a child: `e2e.ts --run <ticks> <lake folder|off>` prints one run's figures;
 * `e2e.ts --lake-alone <ticks> <lake folder>` prints the floor's.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FolderLake } from '../src/adapters/local/folder-lake.js';
import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { replay } from '../src/container/replay.js';
import { enrich } from '../src/domain/enrich.js';
import { validateTick } from '../src/domain/validate-tick.js';
import type { EnrichedTick } from '../src/ports/model.js';
import { bundled } from './bundle.js';
import { median } from './util.js';

const SYMBOLS = Array.from({ length: 100 }, (_, i) => `SYM${i}`);
/** Records per ingest batch in `replay` (its default): one lake object per symbol-day per batch. */
const INGEST_BATCH = 10_000;
/** A memory-backed folder (Linux): the same lake with the disk's file-creation latency taken out. */
export const TMPFS = '/dev/shm';

const source = (ticks: number) => new SimulatedTickSource({ symbols: SYMBOLS, ticks, seed: 1 });
/** CPU seconds of the whole process (every thread: the flow, the lake writer, the libuv pool) since `from`. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

if (process.argv[2] === '--run') {
  const ticks = Number(process.argv[3]);
  const lake = process.argv[4] === 'off' ? false : (process.argv[4] as string);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { stats } = await replay(source(ticks), { lake, collectAlerts: false });
  const ms = performance.now() - started;
  process.stdout.write(
    JSON.stringify({
      ticksPerSecond: Math.round((ticks / ms) * 1000),
      cpuSeconds: cpuSeconds(cpu),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      alerts: stats.alerts.GOLDEN_CROSS + stats.alerts.DEATH_CROSS,
      accepted: stats.accepted,
    }),
  );
  process.exit(0);
}

if (process.argv[2] === '--lake-alone') {
  const ticks = Number(process.argv[3]);
  const lake = new FolderLake(process.argv[4] as string);
  // The ticks as ingest archives them (validated, enriched with sequence numbers shaped as
  // the in-memory stream's: clock, then position; grouped per symbol-day of each ingest
  // batch), made before the clock starts: only the lake's own work is timed.
  const now = Date.now();
  const batches: EnrichedTick[][][] = [];
  let groups = new Map<string, EnrichedTick[]>();
  let inBatch = 0;
  let sequence = 0;
  for await (const item of source(ticks).items()) {
    if (item.kind !== 'record') continue;
    const result = validateTick(item.record, { now });
    if (!result.ok) throw new Error(result.message);
    const tick = enrich(result.tick, {
      ingestedAt: now,
      sequence: `${String(now).padStart(15, '0')}${String(sequence++).padStart(12, '0')}`,
      source: 'stream',
    });
    const key = `${tick.symbol}/${tick.partition.year}-${tick.partition.month}-${tick.partition.day}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [tick]);
    else group.push(tick);
    if (++inBatch === INGEST_BATCH) {
      batches.push([...groups.values()]);
      groups = new Map();
      inBatch = 0;
    }
  }
  if (groups.size > 0) batches.push([...groups.values()]);
  const cpu = process.cpuUsage();
  const started = performance.now();
  // One batch in flight at a time, as one shard's ingest writes them.
  for (const [b, objects] of batches.entries())
    await Promise.all(objects.map((t) => lake.writeSymbolDay(`b${b}`, (t[0] as EnrichedTick).symbol, (t[0] as EnrichedTick).partition, t)));
  const ms = performance.now() - started;
  process.stdout.write(
    JSON.stringify({
      ticksPerSecond: Math.round((ticks / ms) * 1000),
      cpuSeconds: cpuSeconds(cpu),
      objects: batches.reduce((n, objects) => n + objects.length, 0),
    }),
  );
  process.exit(0);
}

/** Where a lake goes: a temporary folder on the disk, on tmpfs, or no lake. */
export type LakePlace = 'disk' | 'tmpfs' | false;

/** One scenario's figures: the median run's, with the range over the runs. */
export interface E2eRun {
  ticks: number;
  lake: LakePlace;
  runs: number;
  ticksPerSecond: number;
  /** Lowest and highest ticks/s over the runs. */
  range: [number, number];
  /** CPU seconds of the median run's process, all threads. */
  cpuSeconds: number;
  peakRssMb: number;
  alerts: number;
  /** Ticks the flow accepted: all of them, or the run is refused. */
  accepted: number;
}

/** The lake alone: the objects of a replay of `ticks` written by the `FolderLake`, nothing else running. */
export interface LakeAlone {
  ticks: number;
  lake: Exclude<LakePlace, false>;
  runs: number;
  objects: number;
  /** Ticks/s the lake alone keeps up with: a ceiling for the replay with that lake. */
  ticksPerSecond: number;
  range: [number, number];
  cpuSeconds: number;
}

/**
 * The most any schedule of the replay with a lake can reach on `cores` processors, in
 * ticks/s: each tick needs at least the CPU the flow spends on it with the lake off plus the
 * CPU the lake alone spends on it, and `cores` processors give at most `cores` CPU-seconds a
 * second. A ceiling, not a forecast: it assumes the two overlap perfectly and cost nothing
 * more together than apart.
 *
 * @example
 * cpuCeiling(2, { ticks: 1e6, cpuSeconds: 2.96 }, { ticks: 1e6, cpuSeconds: 2.76 }); // 349,650
 */
export function cpuCeiling(
  cores: number,
  flow: { readonly ticks: number; readonly cpuSeconds: number },
  lake: { readonly ticks: number; readonly cpuSeconds: number },
): number {
  return cores / (flow.cpuSeconds / flow.ticks + lake.cpuSeconds / lake.ticks);
}

/**
 * The lake folders of this bench's runs. They are removed only by `removeLakes`, after the
 * last run: on an ext4 file system without a journal (this machine's), creating a file
 * just after thousands were deleted scans the recently freed inodes, and one run's
 * clean-up measurably slowed the next run's 10,000 file creations.
 */
const lakes: string[] = [];

async function lakeFolder(lake: Exclude<LakePlace, false>): Promise<string> {
  const dir = await mkdtemp(join(lake === 'tmpfs' ? TMPFS : tmpdir(), 'tickflow-bench-e2e-'));
  lakes.push(dir);
  return dir;
}

/** Removes every lake folder the runs made. */
export async function removeLakes(): Promise<void> {
  await Promise.all(lakes.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

async function child<T>(args: string[]): Promise<T> {
  const script = await bundled(fileURLToPath(import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as T;
}

/** The run with the median ticks/s, and the range. */
function medianRun<T extends { ticksPerSecond: number }>(runs: T[]): T & { runs: number; range: [number, number] } {
  const speeds = runs.map((r) => r.ticksPerSecond);
  const mid = median(speeds);
  const chosen = runs.reduce((best, r) => (Math.abs(r.ticksPerSecond - mid) < Math.abs(best.ticksPerSecond - mid) ? r : best));
  return { ...chosen, runs: runs.length, range: [Math.min(...speeds), Math.max(...speeds)] };
}

/** Runs one scenario `runs` times, each in a child process. */
export async function e2eRun(ticks: number, lake: LakePlace, runs: number): Promise<E2eRun> {
  const results: Omit<E2eRun, 'ticks' | 'lake' | 'runs' | 'range'>[] = [];
  for (let i = 0; i < runs; i++) results.push(await child(['--run', String(ticks), lake === false ? 'off' : await lakeFolder(lake)]));
  // A rate is only a rate of the whole input: a run that lost ticks is an error, not a figure.
  const short = results.find((r) => r.accepted !== ticks);
  if (short !== undefined) throw new Error(`a replay of ${ticks} ticks accepted ${short.accepted}`);
  return { ticks, lake, ...medianRun(results) };
}

/** Times the lake alone `runs` times, each in a child process. */
export async function lakeAlone(ticks: number, lake: Exclude<LakePlace, false>, runs: number): Promise<LakeAlone> {
  const results: Omit<LakeAlone, 'ticks' | 'lake' | 'runs' | 'range'>[] = [];
  for (let i = 0; i < runs; i++) results.push(await child(['--lake-alone', String(ticks), await lakeFolder(lake)]));
  return { ticks, lake, ...medianRun(results) };
}

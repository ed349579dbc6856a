/**
 * Row 3: `replay` of simulated ticks over 100 symbols through the whole local flow, ticks/s
 * and peak RSS, each scenario in a process of its own so its peak memory is its own.
 *
 * As a child: `e2e.ts --run <ticks> <lake|off>` prints `{ ticksPerSecond, peakRssMb, alerts }`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { replay } from '../src/container/replay.js';

const SYMBOLS = Array.from({ length: 100 }, (_, i) => `SYM${i}`);
/** A memory-backed folder (Linux): the same lake with the disk's file-creation latency taken out. */
export const TMPFS = '/dev/shm';

if (process.argv[2] === '--run') {
  const ticks = Number(process.argv[3]);
  const where = process.argv[4];
  const lakeDir = where === 'off' ? false : await mkdtemp(join(where === 'tmpfs' ? TMPFS : tmpdir(), 'tickflow-bench-e2e-'));
  const started = performance.now();
  const { stats } = await replay(new SimulatedTickSource({ symbols: SYMBOLS, ticks, seed: 1 }), { lake: lakeDir, collectAlerts: false });
  const ms = performance.now() - started;
  if (lakeDir !== false) await rm(lakeDir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      ticksPerSecond: Math.round((ticks / ms) * 1000),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      alerts: stats.alerts.GOLDEN_CROSS + stats.alerts.DEATH_CROSS,
      accepted: stats.accepted,
    }),
  );
  process.exit(0);
}

/** One scenario's figures. */
export interface E2eRun {
  ticks: number;
  /** Where the folder lake was: the temporary folder's disk, tmpfs, or no lake. */
  lake: 'disk' | 'tmpfs' | false;
  ticksPerSecond: number;
  peakRssMb: number;
  alerts: number;
}

/** Runs one scenario in a child process. */
export async function e2eRun(ticks: number, lake: 'disk' | 'tmpfs' | false): Promise<E2eRun> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, script, '--run', String(ticks), lake === false ? 'off' : lake],
    {
      maxBuffer: 1 << 20,
    },
  );
  return { ticks, lake, ...(JSON.parse(stdout) as Omit<E2eRun, 'ticks' | 'lake'>) };
}

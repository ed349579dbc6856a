/**
 * `replay()` (and the local stack under it) refuses options that would otherwise stall the
 * flow, drop its output, or fail every batch far from the cause — before reading a tick; and
 * a source that fails mid-way loses none of what it read.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { decodeLines } from '../../../src/adapters/shared/lake-codec.js';
import { CsvTickSource } from '../../../src/adapters/sources/file-tick-source.js';
import { type ReplayOptions, replay } from '../../../src/container/replay.js';
import { SourceError } from '../../../src/ports/errors.js';
import { writeCutGzipCsv } from '../../support/cut-gzip.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-replay-options-'));
  await writeFile(join(dir, 'a-file'), 'not a folder');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** 200 ticks of one symbol that cross several times with the default periods. */
const ticks = Array.from({ length: 200 }, (_, i) => ({
  symbol: 'AAPL',
  timestamp: 1_704_205_800_000 + i * 1000,
  price: Math.round((100 + Math.sin(i / 5) * 3) * 100) / 100,
  volume: 1,
}));

describe('replay options', () => {
  it('refuses each bad option with a RangeError naming it, and reads no tick', async () => {
    const cases: [Partial<ReplayOptions> | Record<string, unknown>, RegExp][] = [
      [{ trendBatchSize: 0 }, /^trendBatchSize must be a whole number from 1 to 10000, got 0$/],
      [{ ingestBatchSize: 0 }, /^ingestBatchSize must be a whole number from 1 to 10000, got 0$/],
      [{ ingestBatchSize: Number.NaN }, /^ingestBatchSize .* got NaN$/],
      [{ ingestBatchSize: 10_001 }, /^ingestBatchSize .* got 10001$/],
      [{ chunkSize: -5 }, /^chunkSize must be a whole number ≥ 1, got -5$/],
      [{ chunkSize: 2.5 }, /^chunkSize .* got 2.5$/],
      [{ streamTag: '12a' }, /^streamTag must be a string of at most 6 digits, got "12a"$/],
      [{ streamTag: '1234567' }, /^streamTag must be a string of at most 6 digits, got "1234567"$/],
      [{ lake: join(dir, 'lake'), gzipLevel: 42 }, /^gzipLevel must be a whole number from 0 to 9, got 42$/],
      [{ lake: true }, /^lake must be a folder path, 'memory' or false, got true$/],
      [{ lake: '' }, /^lake must be a folder path, 'memory' or false, got ""$/],
      [{ lake: join(dir, 'a-file') }, /^lake must be a folder, but .*a-file is not one$/],
      [{ lake: join(dir, 'a-file', 'sub') }, /^lake must be a folder, but .*a-file\/sub cannot be one \(ENOTDIR\)$/],
      [{ lake: false, gzipLevel: 42 }, /^gzipLevel must be a whole number from 0 to 9, got 42$/],
      // Where the kernel refuses every mkdir (mkdir { recursive } would never return there).
      [{ lake: '/proc/tickflow-lake' }, /^lake must be a folder replay can write, but \/proc\/tickflow-lake cannot be created \(ENOENT\)$/],
      [{ transport: 'carrier-pigeon' }, /^transport must be 'lambda' or 'direct', got "carrier-pigeon"$/],
    ];
    for (const [options, message] of cases) {
      let read = 0;
      const counted = (function* () {
        for (const t of ticks) {
          read++;
          yield t;
        }
      })();
      const error = await replay(counted, { lake: false, ...(options as ReplayOptions) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(message);
      expect(read).toBe(0);
    }
  });

  it('runs the same ticks to the same alerts at any valid batch and chunk size', async () => {
    const reference = await replay(ticks, { lake: false });
    expect(reference.alerts.length).toBeGreaterThan(4);
    for (const sizes of [
      { ingestBatchSize: 1, trendBatchSize: 1, chunkSize: 1 },
      { ingestBatchSize: 7, trendBatchSize: 3, chunkSize: 11 },
      { ingestBatchSize: 10_000, trendBatchSize: 10_000, chunkSize: 100_000 },
    ]) {
      const run = await replay(ticks, { lake: false, ...sizes });
      expect(run.alerts).toEqual(reference.alerts);
      expect(run.stats.accepted).toBe(200);
    }
  });
});

describe('a source that fails mid-way', () => {
  it('still puts every record it read through the flow, then reports its error', async () => {
    // A gzip'd CSV cut in half: the rows before the cut are whole, the rest is gone.
    const path = join(dir, 'cut.csv.gz');
    const whole = await writeCutGzipCsv(path);
    expect(whole).toBeGreaterThan(10_000); // more than one replay chunk (10,000 records) was read
    const lake = join(dir, 'cut-lake');
    await expect(replay(new CsvTickSource({ path, clock: new ManualClock(Date.UTC(2024, 5, 1)) }), { lake })).rejects.toThrow(
      new SourceError(`cannot read ${path}: unexpected end of file`),
    );
    let archived = 0;
    for (const name of await readdir(join(lake, 'raw'), { recursive: true })) {
      if (name.endsWith('.gz')) archived += (await decodeLines(await readFile(join(lake, 'raw', name)))).length;
    }
    expect(archived).toBe(whole);
  });
});

describe('replays side by side into one lake', () => {
  it('keep each other’s objects, also when both start in the same millisecond', async () => {
    const lake = join(dir, 'shared-lake');
    const clock = new ManualClock(Date.UTC(2024, 5, 1)); // both runs start at the same time
    const later = ticks.map((t) => ({ ...t, timestamp: t.timestamp + 1_000_000 }));
    await Promise.all([replay(ticks, { lake, clock }), replay(later, { lake, clock })]);
    let archived = 0;
    for (const name of await readdir(join(lake, 'raw'), { recursive: true })) {
      if (name.endsWith('.gz')) archived += (await decodeLines(await readFile(join(lake, 'raw', name)))).length;
    }
    expect(archived).toBe(ticks.length + later.length);
  });
});

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FolderLake } from '../../../src/adapters/local/folder-lake.js';
import type { LakePlace, LakeWriter } from '../../../src/adapters/local/lake-writer.js';
import { MemoryLake } from '../../../src/adapters/local/memory-lake.js';
import { decodeLines } from '../../../src/adapters/shared/lake-codec.js';
import type { EnrichedTick } from '../../../src/ports/model.js';
import { lakeContract } from '../../contracts/lake.contract.js';

lakeContract('memory', async () => {
  const lake = new MemoryLake();
  return {
    lake,
    read: async (key) => lake.objects.get(key),
    list: async (prefix) => [...lake.objects.keys()].filter((k) => k.startsWith(prefix)),
  };
});

const roots: string[] = [];
afterAll(async () => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

lakeContract('folder', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tickflow-lake-'));
  roots.push(root);
  const lake = new FolderLake(root);
  return {
    lake,
    read: async (key) => {
      try {
        return await decodeLines(await readFile(lake.pathOf(key)));
      } catch {
        return undefined;
      }
    },
    list: async (prefix) => {
      const dir = lake.pathOf(prefix);
      // Temporary files of an interrupted write would be listed here too: there must be none.
      return (await readdir(dir)).map((f) => `${prefix}${f}`);
    },
  };
});

describe('FolderLake keys', () => {
  it("a symbol or a key that would climb out of the lake's folder is refused, and nothing is written", async () => {
    const base = await mkdtemp(join(tmpdir(), 'tickflow-lake-escape-'));
    roots.push(base);
    const lake = new FolderLake(join(base, 'lake'));
    const p = { year: 2024, month: 1, day: 2 };
    await expect(lake.writeSymbolDay('b1', '../../../../escaped', p, [tickOf()])).rejects.toThrow(RangeError);
    for (const key of ['raw/../../escaped/b1.ndjson.gz', '/etc/x', 'raw//x', 'raw/./x', 'raw\\..\\x']) {
      expect(() => lake.pathOf(key)).toThrow(new RangeError(`not a lake key: ${JSON.stringify(key)}`));
    }
    expect(lake.pathOf('raw/symbol=AAPL/')).toBe(join(base, 'lake', 'raw', 'symbol=AAPL', ''));
    expect(await readdir(base, { recursive: true })).toEqual([]);
  });
});

describe('FolderLake temporary names', () => {
  it('differ between processes with the same pid (containers on one volume, each pid 1)', async () => {
    // A module loaded afresh is what a second process with this pid would run.
    const tmps: string[] = [];
    const writer = {
      writeLines: async (place: LakePlace) => void tmps.push(place.tmp),
    } as unknown as LakeWriter;
    for (let i = 0; i < 2; i++) {
      vi.resetModules();
      const { FolderLake: Fresh } = await import('../../../src/adapters/local/folder-lake.js');
      await new Fresh('/lake', {}, writer).writeSymbolDay('b1', 'AAPL', { year: 2024, month: 1, day: 2 }, [tickOf()]);
    }
    expect(tmps).toHaveLength(2);
    expect(tmps[0]).toMatch(new RegExp(`^/lake/raw/symbol=AAPL/year=2024/month=01/day=02/\\.${process.pid}-[0-9a-f]{12}\\.1\\.tmp$`));
    expect(tmps[1]).not.toBe(tmps[0]);
  });
});

function tickOf(): EnrichedTick {
  const timestamp = Date.UTC(2024, 0, 2, 14, 30);
  return {
    symbol: 'AAPL',
    timestamp,
    units: 187_430_000,
    price: 187.43,
    volume: 100,
    source: 'test',
    ingestedAt: timestamp,
    sequence: '1',
    partition: { year: 2024, month: 1, day: 2 },
  };
}

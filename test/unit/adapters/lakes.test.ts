import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FolderLake } from '../../../src/adapters/local/folder-lake.js';
import { MemoryLake } from '../../../src/adapters/local/memory-lake.js';
import { decodeLines } from '../../../src/adapters/shared/lake-codec.js';
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

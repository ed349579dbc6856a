/** A CSV market for prices at 8 decimals, shared by the tests of --decimals 8. */
import { writeFile } from 'node:fs/promises';

/**
 * Writes 200 seeded ticks of symbol X whose prices (around 1) move only in the 7th and 8th
 * decimals, so at 6 decimals they all read 1. Returns the path.
 *
 * @example
 * const csv = await writeEightDecimalCsv(join(dir, 'eight.csv'), 7);
 */
export async function writeEightDecimalCsv(path: string, seed: number): Promise<string> {
  let units = 100_000_000;
  let state = seed;
  const lines = ['symbol,timestamp,price,volume'];
  for (let i = 0; i < 200; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    units += (state % 7) - 3 || 1;
    lines.push(`X,${1704205800000 + i * 1000},${(units / 1e8).toFixed(8)},1`);
  }
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

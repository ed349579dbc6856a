/** A gzip'd CSV cut in half, as a damaged download or a copy stopped mid-way leaves one. */
import { writeFile } from 'node:fs/promises';
import { constants, gunzipSync, gzipSync } from 'node:zlib';

/**
 * Writes to `path` the first half of a gzip'd CSV of 30,000 valid AAPL ticks, and returns how
 * many of its rows are whole before the cut: the rows a reader can take from it.
 */
export async function writeCutGzipCsv(path: string): Promise<number> {
  const rows = Array.from({ length: 30_000 }, (_, i) => `AAPL,${1_704_205_800_000 + i * 1000},${100 + (i % 7)},1`);
  const zipped = gzipSync(`symbol,timestamp,price,volume\n${rows.join('\n')}\n`);
  const cut = zipped.subarray(0, zipped.length >> 1);
  await writeFile(path, cut);
  // What inflates from the cut, less the header and the cut last line.
  return gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).toString().split('\n').length - 2;
}

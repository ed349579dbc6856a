import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type LakeEncoding, ObjectLake } from '../shared/object-lake.js';

/** Default folder of the local data lake. */
export const DEFAULT_LAKE_DIR = '.tickflow/lake';

/**
 * The data lake as a local folder with the S3 key layout (DESIGN.md §4), gzip NDJSON.
 * Each object is written to a temporary name and renamed, so a reader (DuckDB) never sees
 * half an object and a redelivered batch replaces its objects atomically.
 *
 * @example
 * const lake = new FolderLake('.tickflow/lake');
 * await lake.writeSymbolDay('b1', 'AAPL', { year: 2024, month: 1, day: 2 }, ticks);
 */
export class FolderLake extends ObjectLake {
  private readonly made = new Set<string>();
  private counter = 0;

  constructor(
    readonly root: string = DEFAULT_LAKE_DIR,
    encoding: LakeEncoding = {},
  ) {
    super(encoding);
  }

  /** The local path of a key. */
  pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  protected async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    // A dot-name DuckDB's globs skip; unique per write so concurrent writes never collide.
    const tmp = join(dir, `.${process.pid}.${++this.counter}.tmp`);
    await writeFile(tmp, body);
    await rename(tmp, path);
  }
}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EnrichedTick } from '../../ports/model.js';
import { type LakeEncoding, ObjectLake } from '../shared/object-lake.js';
import { type LakePlace, type LakeWriter, sharedLakeWriter } from './lake-writer.js';

/**
 * This process in temporary names: its pid and random bits, since two processes writing one
 * lake may have the same pid (containers on one volume, each pid 1).
 */
const PROCESS_TAG = `${process.pid}-${randomBytes(6).toString('hex')}`;

/** Default folder of the local data lake. */
export const DEFAULT_LAKE_DIR = '.tickflow/lake';

/**
 * Why `root` cannot hold a folder lake — it is a file, or a path through one (ENOTDIR) or
 * out of reach (EACCES) — or `undefined` when it can: a folder, or nothing there yet.
 *
 * @example
 * folderLakeProblem('package.json'); // 'package.json is not one'
 */
export function folderLakeProblem(root: string): string | undefined {
  let found: ReturnType<typeof statSync>;
  try {
    found = statSync(root, { throwIfNoEntry: false });
  } catch (error) {
    return `${root} cannot be one (${(error as NodeJS.ErrnoException).code})`;
  }
  return found !== undefined && !found.isDirectory() ? `${root} is not one` : undefined;
}

/**
 * Makes a lake folder about to be written (one level at a time) and writes and removes a
 * probe file in it, and in its `raw/` and `rejected/` if they are there: why it cannot be
 * written, or `undefined` when it can. Run before any
 * tick is read, so an unwritable lake stops a run at once instead of failing every batch.
 *
 * @example
 * prepareFolderLake('/proc/lake'); // '/proc/lake cannot be created (ENOENT)'
 */
export function prepareFolderLake(root: string): string | undefined {
  const problem = folderLakeProblem(root);
  if (problem !== undefined) return problem;
  // Level by level: mkdir { recursive } never returns where every mkdir answers ENOENT (/proc).
  const missing: string[] = [];
  for (let at = resolve(root); !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  try {
    for (const dir of missing) mkdirSync(dir);
  } catch (error) {
    return `${root} cannot be created (${(error as NodeJS.ErrnoException).code})`;
  }
  // The lake's own folders too, where an earlier run made them: every object goes in one.
  for (const dir of [root, join(root, 'raw'), join(root, 'rejected')]) {
    const found = statSync(dir, { throwIfNoEntry: false });
    if (found === undefined) continue;
    if (!found.isDirectory()) return `${dir} is not a folder`;
    const probe = join(dir, `.probe-${PROCESS_TAG}.tmp`);
    try {
      writeFileSync(probe, '', { flag: 'wx' });
      rmSync(probe);
    } catch (error) {
      return `${dir} cannot be written (${(error as NodeJS.ErrnoException).code})`;
    }
  }
  return undefined;
}

/**
 * The file in a folder lake that records the price decimals its objects were written with,
 * as the Glue table's DECIMAL(18, d) records them on AWS: queries read prices at those
 * decimals, and a replay at others is refused (a query could not read both right).
 */
export const LAKE_SETTINGS_FILE = '.tickflow-lake.json';

/**
 * The price decimals a folder lake's objects were written with, from its settings file, or
 * `undefined` when it has none (nothing written yet, or written before the file was kept).
 *
 * @example
 * lakeDecimals('.tickflow/lake'); // 6
 */
export function lakeDecimals(root: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, LAKE_SETTINGS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let decimals: unknown;
  try {
    decimals = (JSON.parse(text) as { priceDecimals?: unknown }).priceDecimals;
  } catch {
    decimals = undefined;
  }
  if (!Number.isInteger(decimals) || (decimals as number) < 0 || (decimals as number) > 9) {
    throw new RangeError(
      `${join(root, LAKE_SETTINGS_FILE)} does not say the lake's price decimals (0-9): ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return decimals as number;
}

/**
 * Records the price decimals of a folder lake about to be written (a folder that
 * `prepareFolderLake` accepted): `undefined` when it may be written at them (a lake without
 * the file gets one), else the other decimals its objects were written with.
 *
 * @example
 * claimLakeDecimals('.tickflow/lake', 8); // 6: the lake holds prices written with 6 decimals
 */
export function claimLakeDecimals(root: string, decimals: number): number | undefined {
  const held = lakeDecimals(root);
  if (held !== undefined) return held === decimals ? undefined : held;
  writeFileSync(join(root, LAKE_SETTINGS_FILE), `${JSON.stringify({ priceDecimals: decimals })}\n`);
  return undefined;
}

/** Writes started in this process: numbers temporary names, unique across `FolderLake`s. */
let writes = 0;

/**
 * The data lake as a local folder with the S3 key layout (DESIGN.md §4), gzip NDJSON.
 * Each object is written to a temporary name and renamed, so a reader (DuckDB) never sees
 * half an object and a redelivered batch replaces its objects atomically. Compression and
 * the file system run on a writer thread (`LakeWriter`), beside the flow.
 *
 * @example
 * const lake = new FolderLake('.tickflow/lake');
 * await lake.writeSymbolDay('b1', 'AAPL', { year: 2024, month: 1, day: 2 }, ticks);
 */
export class FolderLake extends ObjectLake {
  constructor(
    readonly root: string = DEFAULT_LAKE_DIR,
    encoding: LakeEncoding = {},
    private readonly writer: LakeWriter = sharedLakeWriter(),
  ) {
    super(encoding);
  }

  /** The local path of a key; throws a RangeError for a key that would leave the lake's folder. */
  pathOf(key: string): string {
    const parts = key.split('/');
    // A prefix's trailing '/' is the one empty part allowed.
    if (parts.some((p, i) => (p === '' && i < parts.length - 1) || p === '.' || p === '..' || p.includes('\\') || p.includes('\0')))
      throw new RangeError(`not a lake key: ${JSON.stringify(key)}`);
    return join(this.root, ...parts);
  }

  protected override putLines(key: string, ticks: readonly EnrichedTick[]): Promise<void> {
    return this.writer.writeLines(this.where(key), ticks, this.priceDecimals, this.gzipLevel);
  }

  protected put(key: string, body: Uint8Array): Promise<void> {
    return this.writer.write(this.where(key), body);
  }

  private where(key: string): LakePlace {
    const path = this.pathOf(key);
    const dir = dirname(path);
    // A dot-name DuckDB's globs skip; unique per write so concurrent writes never collide.
    return { path, dir, tmp: join(dir, `.${PROCESS_TAG}.${++writes}.tmp`) };
  }
}

import { createHash } from 'node:crypto';
import { type Dirent, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { DEFAULT_PRICE_DECIMALS } from '../../domain/price.js';
import { normaliseSymbol } from '../../domain/symbol.js';
import type { Catalog } from '../../ports/catalog.port.js';
import { EmptyLakeError, QueryError } from '../../ports/errors.js';
import { type AppliedSource, appliedTicksSql, bindQuery, type SqlValue } from '../shared/analytics-sql.js';
import { duckDbType, LAKE_COLUMNS, LAKE_PARTITION_KEYS } from '../shared/lake-schema.js';
import { DEFAULT_LAKE_DIR } from './folder-lake.js';

type DuckDb = typeof import('@duckdb/node-api');

/** Options of the DuckDB catalog. */
export interface DuckDbCatalogOptions {
  /** The folder lake (default `.tickflow/lake`). */
  readonly lake?: string;
  /** The lake's price decimals: prices are read as DECIMAL(18, d) (default 6). */
  readonly priceDecimals?: number;
  /**
   * The cache database: a file (default `<lake>/.cache/analytics.duckdb`), `':memory:'`, or
   * `false` for none (a view that reads every object on every query).
   */
  readonly cache?: string | false;
}

/** What a refresh found: the lake's symbols, and where queries read applied ticks. */
export interface LakeSnapshot {
  readonly symbols: readonly string[];
  readonly source: AppliedSource;
}

/** Bumped whenever the cache tables change shape: an older cache is rebuilt. */
const CACHE_VERSION = '2';
const OBJECT_PATH = /[/\\]raw[/\\]symbol=([^/\\]+)[/\\]year=\d{4}[/\\]month=\d{2}[/\\]day=\d{2}[/\\][^/\\.][^/\\]*\.ndjson\.gz$/;

/**
 * The DuckDB rendering of the lake schema (`LAKE_COLUMNS`): one row per line of the raw
 * objects in `source` (a `read_ndjson_objects` argument). Partition keys come from the path,
 * as Athena's projection takes them; `hive_partitioning` cannot be used because a value like
 * `symbol=EURUSD=X` holds a second `=`, which DuckDB's Hive parser refuses. The price is cut
 * from the line's text and cast to DECIMAL: DuckDB's JSON reader parses numbers as doubles,
 * which would turn 9007199254.740991 into …992.
 *
 * @example
 * lakeSelectSql("'lake/raw/*\/*\/*\/*\/*.ndjson.gz'", 6, false); // 'SELECT "fields"[\'timestamp\'] AS "timestamp",\n  CAST(NULLIF(regexp_extract(…'
 */
export function lakeSelectSql(source: string, priceDecimals: number, withObject: boolean): string {
  const plain = LAKE_COLUMNS.filter((c) => c.type !== 'price');
  // One JSON parse per line for all plain fields (json_transform), not one per field.
  const shape = JSON.stringify(Object.fromEntries(plain.map((c) => [c.name, duckDbType(c.type, priceDecimals)])));
  const columns = LAKE_COLUMNS.map((c) =>
    c.type === 'price'
      ? `CAST(NULLIF(regexp_extract(CAST("json" AS VARCHAR), '"${c.name}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)', 1), '') AS ${duckDbType(c.type, priceDecimals)}) AS "${c.name}"`
      : `"fields"['${c.name}'] AS "${c.name}"`,
  );
  const keys = LAKE_PARTITION_KEYS.map((k) => `CAST("key"['${k.name}'] AS ${duckDbType(k.type, priceDecimals)}) AS "${k.name}"`);
  const names = LAKE_PARTITION_KEYS.map((k) => `'${k.name}'`).join(', ');
  return `SELECT ${[...columns, ...keys, ...(withObject ? ['"filename" AS "object"'] : [])].join(',\n  ')}
FROM (
  SELECT "json", "filename", json_transform("json", '${shape}') AS "fields",
    regexp_extract("filename", '[/\\\\]symbol=([^/\\\\]+)[/\\\\]year=([0-9]+)[/\\\\]month=([0-9]+)[/\\\\]day=([0-9]+)[/\\\\][^/\\\\]+$', [${names}]) AS "key"
  FROM read_ndjson_objects(${source}, filename = true)
)`;
}

/**
 * The lake table for DuckDB (the local `Catalog`). With a cache (the default), a DuckDB
 * database next to the lake holds the parsed ticks and the applied ticks of every symbol;
 * each refresh compares the lake's objects with what it loaded (path, size, mtime, inode)
 * and loads only what changed, then recomputes the applied ticks of the symbols touched.
 * Without a cache, `lake_ticks` is a view over the files, read on every query. DuckDB itself
 * is loaded on the first refresh, not before.
 *
 * @example
 * const catalog = new DuckDbCatalog({ lake: '.tickflow/lake' });
 * await catalog.ensureTable();
 * await catalog.close();
 */
export class DuckDbCatalog implements Catalog {
  readonly root: string;
  readonly priceDecimals: number;
  private readonly cache: string | false;
  private opened: Promise<{ duckdb: DuckDb; instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: DuckDbCatalogOptions = {}) {
    this.root = options.lake ?? DEFAULT_LAKE_DIR;
    this.priceDecimals = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
    duckDbType('price', this.priceDecimals); // checks the decimals now, not at the first query
    this.cache = options.cache === undefined ? join(this.root, '.cache', 'analytics.duckdb') : options.cache;
  }

  async ensureTable(): Promise<void> {
    await this.withLake(async () => undefined);
  }

  /**
   * Brings the table up to date with the lake, then runs `work` with the connection, one
   * caller at a time (a DuckDB connection runs one statement at a time).
   */
  withLake<T>(
    work: (connection: DuckDBConnection, snapshot: LakeSnapshot, duckdb: DuckDb) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const run = this.queue.then(async () => {
      signal?.throwIfAborted();
      const objects = listObjects(this.root);
      const { duckdb, connection } = await this.open();
      // An abort interrupts the statement running (the refresh's or the work's), and again every
      // 10 ms until the work settles: DuckDB drops an interrupt that comes while a statement is
      // being prepared. An interrupted refresh's transaction is rolled back: the cache stays as it was.
      let again: NodeJS.Timeout | undefined;
      const interrupt = () => {
        connection.interrupt();
        again = setInterval(() => connection.interrupt(), 10);
      };
      signal?.addEventListener('abort', interrupt, { once: true });
      try {
        const snapshot = await this.refresh(duckdb, connection, objects, signal);
        signal?.throwIfAborted();
        return await work(connection, snapshot, duckdb);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw unreadable(error, this.root);
      } finally {
        clearInterval(again);
        signal?.removeEventListener('abort', interrupt);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the database (the cache file is checkpointed); a later use opens it again. */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await this.queue;
    if (opened === undefined) return;
    const { connection, instance } = await opened.catch(() => ({ connection: undefined, instance: undefined }));
    connection?.closeSync();
    instance?.closeSync();
  }

  private open(): Promise<{ duckdb: DuckDb; instance: DuckDBInstance; connection: DuckDBConnection }> {
    this.opened ??= (async () => {
      // Without the cache DuckDB reads the lake's path as a glob, which has no escape for its
      // pattern characters: a lake at `g*` would also read `gX`. The cache lists the files
      // itself and binds their paths.
      if (this.cache === false && /[*?[]/.test(resolve(this.root)))
        throw new QueryError(
          `the data lake at ${this.root} cannot be read without the cache: its path holds * ? or [, which DuckDB would read as a pattern (leave the cache on, or move the lake)`,
        );
      const duckdb = await import('@duckdb/node-api');
      let instance: DuckDBInstance;
      if (this.cache === false || this.cache === ':memory:') {
        instance = await duckdb.DuckDBInstance.create(':memory:');
      } else {
        try {
          mkdirSync(dirname(this.cache), { recursive: true });
          instance = await duckdb.DuckDBInstance.create(this.cache);
        } catch (error) {
          // Another process holds the cache (DuckDB allows one writer), or the lake is read-only
          // to this user (no cache folder, or no right to the file): a private cache in memory answers the same.
          if ((error as NodeJS.ErrnoException).syscall === undefined && !/lock|permission|read-only/i.test(String(error))) throw error;
          instance = await duckdb.DuckDBInstance.create(':memory:');
        }
      }
      const connection = await instance.connect();
      if (this.cache === false)
        await connection.run(`CREATE OR REPLACE VIEW "lake_ticks" AS ${lakeSelectSql(globLiteral(this.root), this.priceDecimals, false)}`);
      else await this.createCacheTables(connection);
      return { duckdb, instance, connection };
    })();
    this.opened.catch(() => {
      this.opened = undefined;
    });
    return this.opened;
  }

  private async createCacheTables(connection: DuckDBConnection): Promise<void> {
    await connection.run('CREATE TABLE IF NOT EXISTS "cache_meta" ("key" VARCHAR PRIMARY KEY, "value" VARCHAR)');
    const meta = await connection.runAndReadAll('SELECT "key", "value" FROM "cache_meta"');
    const found = Object.fromEntries(meta.getRowsJson().map(([k, v]) => [String(k), String(v)]));
    const wanted = { version: CACHE_VERSION, price_decimals: String(this.priceDecimals) };
    if (found.version !== wanted.version || found.price_decimals !== wanted.price_decimals) {
      for (const table of ['lake_objects', 'lake_ticks', 'applied_ticks']) await connection.run(`DROP TABLE IF EXISTS "${table}"`);
      await connection.run('DELETE FROM "cache_meta"');
      for (const [key, value] of Object.entries(wanted)) await connection.run('INSERT INTO "cache_meta" VALUES ($1, $2)', [key, value]);
    }
    const d = this.priceDecimals;
    const columns = [...LAKE_COLUMNS, ...LAKE_PARTITION_KEYS].map((c) => `"${c.name}" ${duckDbType(c.type, d)}`);
    await connection.run('CREATE TABLE IF NOT EXISTS "lake_objects" ("path" VARCHAR PRIMARY KEY, "signature" VARCHAR NOT NULL)');
    await connection.run(`CREATE TABLE IF NOT EXISTS "lake_ticks" (${columns.join(', ')}, "object" VARCHAR)`);
    await connection.run(
      `CREATE TABLE IF NOT EXISTS "applied_ticks" ("symbol" VARCHAR, "timestamp" BIGINT, "price" ${duckDbType('price', d)}, "volume" BIGINT, "year" INTEGER, "month" INTEGER, "day" INTEGER, "prev_price" ${duckDbType('price', d)}, "prev_day" INTEGER)`,
    );
  }

  private async refresh(
    duckdb: DuckDb,
    connection: DuckDBConnection,
    objects: readonly LakeObject[],
    signal?: AbortSignal,
  ): Promise<LakeSnapshot> {
    const symbols = [...new Set(objects.map((o) => o.symbol))].sort();
    if (this.cache === false) return { symbols, source: { kind: 'lake', table: '"lake_ticks"' } };

    const source: AppliedSource = { kind: 'materialised', table: '"applied_ticks"' };
    // One digest of every object's version: when it matches, nothing changed and the
    // per-object comparison (tens of thousands of rows) is skipped.
    const digest = createHash('sha256');
    for (const o of objects) digest.update(`${o.path}\t${o.signature}\n`);
    const lakeDigest = digest.digest('hex');
    const stored = await connection.runAndReadAll('SELECT "value" FROM "cache_meta" WHERE "key" = \'lake_digest\'');
    if (stored.getRowsJson()[0]?.[0] === lakeDigest) return { symbols, source };

    const known = new Map<string, string>();
    for (const [path, signature] of (await connection.runAndReadAll('SELECT "path", "signature" FROM "lake_objects"')).getRowsJson()) {
      known.set(String(path), String(signature));
    }
    const changed = objects.filter((o) => known.get(o.path) !== o.signature);
    const present = new Set(objects.map((o) => o.path));
    const removed = [...known.keys()].filter((p) => !present.has(p));
    const touched = [...new Set([...changed.map((o) => o.symbol), ...removed.map(symbolOfPath)])].filter(
      (s): s is string => s !== undefined,
    );
    const list = (items: readonly string[]) => duckdb.listValue([...items]);
    const listType = duckdb.LIST(duckdb.VARCHAR);
    const gone = [...changed.map((o) => o.path), ...removed];
    // An interrupt between two statements is lost (DuckDB keeps none for the next): look first.
    const run = (sql: string, ...rest: Parameters<DuckDBConnection['run']> extends [string, ...infer R] ? R : never) => {
      signal?.throwIfAborted();
      return connection.run(sql, ...rest);
    };
    await connection.run('BEGIN TRANSACTION');
    try {
      await run('DELETE FROM "lake_ticks" WHERE list_contains($1, "object")', [list(gone)], [listType]);
      await run('DELETE FROM "lake_objects" WHERE list_contains($1, "path")', [list(gone)], [listType]);
      if (changed.length > 0) {
        await run(
          `INSERT INTO "lake_ticks" ${lakeSelectSql('$1', this.priceDecimals, true)}`,
          [list(changed.map((o) => o.path))],
          [listType],
        );
        await run(
          'INSERT INTO "lake_objects" SELECT unnest($1), unnest($2)',
          [list(changed.map((o) => o.path)), list(changed.map((o) => o.signature))],
          [listType, listType],
        );
      }
      if (touched.length > 0) {
        await run('DELETE FROM "applied_ticks" WHERE list_contains($1, "symbol")', [list(touched)], [listType]);
        // The same rule the queries use over the lake, materialised for the touched symbols.
        const bound = bindQuery(appliedTicksSql('"lake_ticks"'), {
          symbols: touched.map((value): SqlValue => ({ type: 'varchar', value })),
          from_year: { type: 'bigint', value: 0 },
          max_year: { type: 'bigint', value: 9999 },
          from_day: { type: 'bigint', value: 0 },
          to_day: { type: 'bigint', value: 99_991_231 },
        });
        await run(`INSERT INTO "applied_ticks" ${bound.sql}`, ...duckDbValues(duckdb, bound.values));
      }
      await run('INSERT OR REPLACE INTO "cache_meta" VALUES (\'lake_digest\', $1)', [lakeDigest]);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
    return { symbols, source };
  }
}

/**
 * A query's bound values as DuckDB values and types (BIGINT or VARCHAR).
 *
 * @example
 * await connection.run(sql, ...duckDbValues(duckdb, bound.values));
 */
export function duckDbValues(duckdb: DuckDb, values: readonly SqlValue[]): [DuckDBValue[], DuckDBType[]] {
  return [
    values.map((v) => (v.type === 'bigint' ? BigInt(v.value) : v.value)),
    values.map((v) => (v.type === 'bigint' ? duckdb.BIGINT : duckdb.VARCHAR)),
  ];
}

interface LakeObject {
  readonly path: string;
  readonly symbol: string;
  readonly signature: string;
}

function symbolOfPath(path: string): string | undefined {
  const m = OBJECT_PATH.exec(path);
  return m?.[1] !== undefined && normaliseSymbol(m[1]) === m[1] ? m[1] : undefined;
}

/** The raw objects of the lake with a valid symbol folder, and what identifies each version. */
function listObjects(root: string): LakeObject[] {
  const raw = join(resolve(root), 'raw');
  let entries: Dirent[];
  try {
    entries = readdirSync(raw, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new EmptyLakeError(`no data lake at ${root} (it has no raw/ folder)`);
    throw error;
  }
  const objects: LakeObject[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const symbol = symbolOfPath(path);
    if (symbol === undefined) continue;
    // A rewrite renames a new file into place: the inode changes even when size and mtime do not.
    const s = statSync(path, { bigint: true });
    objects.push({ path, symbol, signature: `${s.size}:${s.mtimeNs}:${s.ino}` });
  }
  if (objects.length === 0) throw new EmptyLakeError(`the data lake at ${root} holds no ticks yet (raw/ has no objects)`);
  return objects.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function globLiteral(root: string): string {
  const glob = join(resolve(root), 'raw', '*', '*', '*', '*', '*.ndjson.gz');
  return `'${glob.replace(/'/g, "''")}'`;
}

/**
 * A lake object DuckDB cannot read (not gzip, not JSON lines: written by something else, or
 * damaged) as a `QueryError` naming the lake, not an internal error; any other error as it is.
 */
function unreadable(error: unknown, root: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!/^(IO Error|Invalid Input Error)\b/.test(message)) return error;
  return new QueryError(`an object in the data lake at ${root} cannot be read: ${message.split('\n')[0]}`);
}

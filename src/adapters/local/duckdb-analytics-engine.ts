import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resultKey } from '../../domain/lake-layout.js';
import { checkQuery } from '../../domain/query-params.js';
import type { AnalyticsEngine, QueryName, QueryParams, QueryResult, ResultRow, RunOptions } from '../../ports/analytics-engine.port.js';
import { QueryError } from '../../ports/errors.js';
import { bindQuery, querySql, queryValues, rowsToKeep, rowTyper, takeRows } from '../shared/analytics-sql.js';
import { type DuckDbCatalog, duckDbValues } from './duckdb-catalog.js';

/** Options of the DuckDB engine. */
export interface DuckDbEngineOptions {
  /** Makes query ids (default: random UUIDs, like Athena's). */
  readonly newId?: () => string;
}

/**
 * The named queries over the folder lake with DuckDB (embedded, no server): the same SQL
 * texts as Athena, parameters bound through prepared statements, the result written as CSV
 * to `<lake>/results/<query>/<id>.csv` as Athena writes its own.
 *
 * @example
 * const engine = new DuckDbAnalyticsEngine(new DuckDbCatalog({ lake: '.tickflow/lake' }));
 * const { rows, location } = await engine.run('volatility', { symbols: ['AAPL'] });
 */
export class DuckDbAnalyticsEngine implements AnalyticsEngine {
  /** Where results go when the lake cannot take them (made on first need). */
  private elsewhere: string | undefined;

  constructor(
    readonly catalog: DuckDbCatalog,
    private readonly options: DuckDbEngineOptions = {},
  ) {}

  async run(name: QueryName, params: QueryParams = {}, options: RunOptions = {}): Promise<QueryResult> {
    const checked = checkQuery(name, params);
    const keep = rowsToKeep(options);
    const { onRows, signal } = options;
    const queryId = (this.options.newId ?? randomUUID)();
    // Opened once the query runs, not before: a lake that is not there gets no results folder.
    let out: ResultFile | undefined;
    try {
      signal?.throwIfAborted();
      const read = await this.catalog.withLake(async (connection, snapshot, duckdb) => {
        // Ctrl-C while DuckDB computes stops the statement (withLake interrupts it, the cache's
        // refresh too); between chunks, the loop stops.
        signal?.throwIfAborted();
        const symbols = checked.symbols ?? snapshot.symbols;
        const bound = bindQuery(querySql(name, snapshot.source), queryValues(checked, symbols, this.catalog.priceDecimals));
        // Streamed a chunk at a time: a result can be far larger than memory (a row per tick).
        const result = await connection.stream(bound.sql, ...duckDbValues(duckdb, bound.values));
        const types = result.columnTypes().map((t) => t.toString().toLowerCase());
        const columns = result.columnNames().map((columnName, i) => ({ name: columnName, type: types[i] ?? 'unknown' }));
        const typed = rowTyper(columns);
        const rows: ResultRow[] = [];
        let rowCount = 0;
        const file = await this.openResult(resultKey(name, queryId));
        out = file;
        await file.write(
          toCsv(
            columns.map((c) => c.name),
            [],
          ),
        );
        for await (const chunk of result.yieldRowsJson()) {
          signal?.throwIfAborted();
          // JSON form: decimals and big integers as exact text, doubles as numbers.
          const cells = chunk.map((row) => row.map((v) => (v === null ? null : typeof v === 'number' ? v : String(v))));
          await file.write(csvRows(cells));
          rowCount += cells.length;
          await takeRows(cells, typed, rows, keep, onRows);
        }
        signal?.throwIfAborted();
        return { columns, rows, rowCount, location: await file.finish() };
      }, signal);
      return { name, queryId, ...read };
    } catch (error) {
      await out?.abandon();
      // An interrupted statement fails with DuckDB's own words: the caller asked to stop.
      if (signal?.aborted) throw signal.reason;
      // DuckDB refusing the data (a sum past BIGINT, a value out of a type's range) is this
      // query's failure, said as such, not an unexpected error.
      if (error instanceof Error && !(error instanceof QueryError) && DUCKDB_ERROR.test(error.message)) {
        throw new QueryError(`${name} failed in DuckDB: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Opens the result CSV of `key` for writing: under the lake's `results/`, or, in a lake
   * this user may read but not write (shared, archived), under a folder of this process's
   * own in the temporary folder (a fixed name there would be whoever made it first's, and
   * open to a planted link). It is written under a temporary name and renamed when done.
   */
  private async openResult(key: string): Promise<ResultFile> {
    const inLakeAt = join(this.catalog.root, ...key.split('/'));
    try {
      return await ResultFile.open(inLakeAt);
    } catch (inLake) {
      try {
        this.elsewhere ??= await mkdtemp(join(tmpdir(), 'tickflow-results-'));
        return await ResultFile.open(join(this.elsewhere, ...key.split('/')));
      } catch (inTemp) {
        throw new QueryError(
          `cannot write the result CSV, neither under ${join(this.catalog.root, 'results')} (${codeOf(inLake)}) nor under ${tmpdir()} (${codeOf(inTemp)})`,
        );
      }
    }
  }

  /** Closes the catalog's database. */
  close(): Promise<void> {
    return this.catalog.close();
  }
}

/**
 * RFC 4180 CSV with a header row; numbers in their shortest round-trip form, decimals as
 * their exact text, NULL as an empty field.
 *
 * @example
 * toCsv(['symbol', 'close'], [['AAPL', '187.430000']]); // 'symbol,close\r\nAAPL,187.430000\r\n'
 */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return csvRows([header, ...rows]);
}

/** Rows as RFC 4180 CSV lines (see `toCsv`). */
function csvRows(rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null) => {
    if (v === null) return '';
    const text = String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return rows.map((r) => `${r.map(cell).join(',')}\r\n`).join('');
}

/** A result CSV being written: a temporary file beside its final path, renamed into it by `finish`. */
class ResultFile {
  private constructor(
    private readonly path: string,
    private readonly tmp: string,
    private readonly file: FileHandle,
  ) {}

  static async open(path: string): Promise<ResultFile> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${process.pid}.${randomUUID()}.tmp`);
    const file = new ResultFile(path, tmp, await open(tmp, 'wx'));
    unfinished.add(tmp);
    if (unfinished.size === 1) process.on('exit', removeUnfinished);
    return file;
  }

  async write(text: string): Promise<void> {
    try {
      await this.file.write(text);
    } catch (error) {
      throw new QueryError(`cannot write the result CSV ${this.path} (${codeOf(error)})`);
    }
  }

  /** Closes the file and renames it into place; returns its path. */
  async finish(): Promise<string> {
    try {
      await this.file.close();
      await rename(this.tmp, this.path);
    } catch (error) {
      await this.abandon();
      throw new QueryError(`cannot write the result CSV ${this.path} (${codeOf(error)})`);
    }
    this.settled();
    return this.path;
  }

  /** Closes and removes the unfinished file. */
  async abandon(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.tmp, { force: true }).catch(() => undefined);
    this.settled();
  }

  private settled(): void {
    unfinished.delete(this.tmp);
    if (unfinished.size === 0) process.off('exit', removeUnfinished);
  }
}

/** How DuckDB words the errors of a statement: `Conversion Error: …`, `Out of Range Error: …`. */
const DUCKDB_ERROR = /^[A-Z][A-Za-z]*( [A-Z][A-Za-z]*)* Error: /;

/** Temporary names of result files being written: removed if the process exits first (`query --json | head`). */
const unfinished = new Set<string>();

function removeUnfinished(): void {
  for (const tmp of unfinished) rmSync(tmp, { force: true });
}

/** An error's code (`EACCES`) or, without one, its message. */
function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

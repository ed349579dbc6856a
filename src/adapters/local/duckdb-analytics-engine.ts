import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resultKey } from '../../domain/lake-layout.js';
import { checkQuery } from '../../domain/query-params.js';
import type { AnalyticsEngine, QueryName, QueryParams, QueryResult } from '../../ports/analytics-engine.port.js';
import { QueryError } from '../../ports/errors.js';
import { bindQuery, querySql, queryValues, typedValue } from '../shared/analytics-sql.js';
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

  async run(name: QueryName, params: QueryParams = {}): Promise<QueryResult> {
    const checked = checkQuery(name, params);
    const queryId = (this.options.newId ?? randomUUID)();
    const location = join(this.catalog.root, ...resultKey(name, queryId).split('/'));

    const { columns, cells } = await this.catalog.withLake(async (connection, snapshot, duckdb) => {
      const symbols = checked.symbols ?? snapshot.symbols;
      const bound = bindQuery(querySql(name, snapshot.source), queryValues(checked, symbols, this.catalog.priceDecimals));
      const reader = await connection.runAndReadAll(bound.sql, ...duckDbValues(duckdb, bound.values));
      const types = reader.columnTypes().map((t) => t.toString().toLowerCase());
      return {
        columns: reader.columnNames().map((columnName, i) => ({ name: columnName, type: types[i] ?? 'unknown' })),
        // JSON form: decimals and big integers as exact text, doubles as numbers.
        cells: reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : typeof v === 'number' ? v : String(v)))),
      };
    });

    const rows = cells.map((row) =>
      Object.fromEntries(
        columns.map((c, i) => [c.name, typeof row[i] === 'number' ? (row[i] as number) : typedValue(c.type, row[i] ?? null)]),
      ),
    );
    const csv = toCsv(
      columns.map((c) => c.name),
      cells,
    );
    try {
      await writeAtomically(location, csv);
      return { name, queryId, columns, rows, location };
    } catch (inLake) {
      // A lake this user may read but not write (shared, archived): the result goes to a
      // folder of this process's own in the temporary folder (a fixed name there would be
      // whoever made it first's, and open to a planted link).
      try {
        this.elsewhere ??= await mkdtemp(join(tmpdir(), 'tickflow-results-'));
        const elsewhere = join(this.elsewhere, ...resultKey(name, queryId).split('/'));
        await writeAtomically(elsewhere, csv);
        return { name, queryId, columns, rows, location: elsewhere };
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
  const cell = (v: string | number | null) => {
    if (v === null) return '';
    const text = String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((r) => `${r.map(cell).join(',')}\r\n`).join('');
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** An error's code (`EACCES`) or, without one, its message. */
function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * The schema of the lake table, registered where the SQL engine looks for it (Glue, or a
 * DuckDB view). Idempotent: creates or updates.
 *
 * @example
 * await catalog.ensureTable();
 */
export interface Catalog {
  ensureTable(): Promise<void>;
}
/** DI token of the `Catalog`. */
export const CATALOG = Symbol.for('tickflow.Catalog');

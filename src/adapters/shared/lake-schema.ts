import { checkPriceDecimals } from '../../domain/price.js';

/** The type of a lake column, independent of any engine. */
export type LakeColumnType = 'bigint' | 'int' | 'string' | 'price';

/** A column of the lake table. */
export interface LakeColumn {
  readonly name: string;
  readonly type: LakeColumnType;
  readonly comment: string;
}

/**
 * The data columns of the lake table: the fields of each NDJSON line (DESIGN.md §4) except
 * `symbol`, which is a partition key (Hive forbids a data column of the same name; the
 * line's own `symbol` equals the folder's).
 *
 * @example
 * LAKE_COLUMNS.map((c) => c.name); // ['timestamp', 'price', 'volume', 'source', 'ingested_at', 'sequence']
 */
export const LAKE_COLUMNS: readonly LakeColumn[] = [
  { name: 'timestamp', type: 'bigint', comment: 'epoch milliseconds, UTC' },
  { name: 'price', type: 'price', comment: 'the quantised price, exact: decimal(18, priceDecimals)' },
  { name: 'volume', type: 'bigint', comment: 'traded volume' },
  { name: 'source', type: 'string', comment: 'where the tick came from' },
  { name: 'ingested_at', type: 'bigint', comment: 'epoch ms the ingest step handled it' },
  { name: 'sequence', type: 'string', comment: 'stream sequence number: arrival order within a shard; compare as lpad(sequence, 64, 0)' },
];

/**
 * The Hive partition keys, in folder order: `raw/symbol=…/year=…/month=…/day=…/`.
 *
 * @example
 * LAKE_PARTITION_KEYS.map((c) => c.name); // ['symbol', 'year', 'month', 'day']
 */
export const LAKE_PARTITION_KEYS: readonly LakeColumn[] = [
  { name: 'symbol', type: 'string', comment: 'upper-case symbol, e.g. AAPL, BRK-B, ^GSPC, EURUSD=X' },
  { name: 'year', type: 'int', comment: 'UTC year of the tick' },
  { name: 'month', type: 'int', comment: 'UTC month, 1-12 (folder: two digits)' },
  { name: 'day', type: 'int', comment: 'UTC day of month, 1-31 (folder: two digits)' },
];

/**
 * The Hive/Glue type of a column (as Athena DDL and Glue `TableInput` spell it).
 *
 * @example
 * hiveType('price', 6); // 'decimal(18,6)'
 */
export function hiveType(type: LakeColumnType, priceDecimals: number): string {
  return type === 'price' ? `decimal(18,${checkPriceDecimals(priceDecimals)})` : type;
}

/**
 * The DuckDB type of a column.
 *
 * @example
 * duckDbType('string', 6); // 'VARCHAR'
 */
export function duckDbType(type: LakeColumnType, priceDecimals: number): string {
  switch (type) {
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return 'INTEGER';
    case 'string':
      return 'VARCHAR';
    case 'price':
      return `DECIMAL(18,${checkPriceDecimals(priceDecimals)})`;
  }
}

import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  type GlueClient,
  type Table,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { DEFAULT_PRICE_DECIMALS } from '../../domain/price.js';
import type { Catalog } from '../../ports/catalog.port.js';
import { hiveType, LAKE_COLUMNS, LAKE_PARTITION_KEYS } from '../shared/lake-schema.js';

/** Where the lake table lives and how it is read. */
export interface LakeTableOptions {
  /** Glue database and table names (lower case letters, digits, `_`). */
  readonly database: string;
  readonly table: string;
  /** The lake bucket: objects under `s3://<bucket>/raw/`. */
  readonly bucket: string;
  /** Price decimals of the lake: `price` is `decimal(18, d)` (default 6). */
  readonly priceDecimals?: number;
  /** Range of years the `year` partition projects (default 1970–2100). */
  readonly years?: readonly [number, number];
}

const NAME = /^[a-z0-9_]{1,255}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Checks a Glue database or table name: it is written into SQL as a quoted identifier.
 *
 * @example
 * checkGlueName('tickflow'); // 'tickflow'
 */
export function checkGlueName(name: string): string {
  if (!NAME.test(name)) throw new RangeError(`a Glue name must be 1–255 of a–z 0–9 _, got ${JSON.stringify(name)}`);
  return name;
}

/**
 * Checks an S3 bucket name (it is written into table locations).
 *
 * @example
 * checkBucketName('my-lake'); // 'my-lake'
 */
export function checkBucketName(bucket: string): string {
  if (!BUCKET.test(bucket)) throw new RangeError(`not an S3 bucket name: ${JSON.stringify(bucket)}`);
  return bucket;
}

/**
 * The table properties for Athena partition projection, so no crawler or `MSCK REPAIR` is
 * needed. `symbol` is `injected`: Athena takes its values from the query's `WHERE symbol IN
 * (…)` and builds the paths from the template with the value as it is — `symbol=EURUSD=X`
 * works because nothing parses the path. (An `enum` would have to list every symbol in the
 * table and be updated as new ones arrive; the engine always names the symbols instead.)
 * `year`, `month` and `day` are integer ranges, month and day with two digits.
 *
 * @example
 * projectionProperties({ database: 'tickflow', table: 'ticks', bucket: 'lake' })['projection.symbol.type']; // 'injected'
 */
export function projectionProperties(options: LakeTableOptions): Record<string, string> {
  const [from, to] = options.years ?? [1970, 2100];
  return {
    'projection.enabled': 'true',
    'projection.symbol.type': 'injected',
    'projection.year.type': 'integer',
    'projection.year.range': `${from},${to}`,
    'projection.month.type': 'integer',
    'projection.month.range': '1,12',
    'projection.month.digits': '2',
    'projection.day.type': 'integer',
    'projection.day.range': '1,31',
    'projection.day.digits': '2',
    'storage.location.template': `s3://${checkBucketName(options.bucket)}/raw/symbol=\${symbol}/year=\${year}/month=\${month}/day=\${day}/`,
  };
}

/**
 * The Hive JSON SerDe, not OpenX's: Athena documents that with the OpenX SerDe "the number of
 * results and their values can be non-deterministic" (more rows, fewer rows, unexpected
 * nulls) and names the Hive one as the way round it.
 */
const SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';
const INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/**
 * The Glue rendering of the lake schema (`LAKE_COLUMNS`): an external table over gzip NDJSON
 * read by the Hive JSON SerDe — which reads a JSON number into a DECIMAL column from its text,
 * so `price` keeps its decimal digits — partitioned by symbol/year/month/day with projection.
 * The lake's lines are written by tickflow alone, all valid JSON: a line that is not fails
 * the query rather than being skipped.
 *
 * @example
 * const input = lakeTableInput({ database: 'tickflow', table: 'ticks', bucket: 'my-lake' });
 */
export function lakeTableInput(options: LakeTableOptions): TableInput {
  const d = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
  return {
    Name: checkGlueName(options.table),
    Description: 'tickflow raw ticks: gzip NDJSON, one object per symbol-day per batch',
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      EXTERNAL: 'TRUE',
      classification: 'json',
      compressionType: 'gzip',
      'tickflow.price_decimals': String(d),
      ...projectionProperties(options),
    },
    PartitionKeys: LAKE_PARTITION_KEYS.map((c) => ({ Name: c.name, Type: hiveType(c.type, d), Comment: c.comment })),
    StorageDescriptor: {
      Columns: LAKE_COLUMNS.map((c) => ({ Name: c.name, Type: hiveType(c.type, d), Comment: c.comment })),
      Location: `s3://${checkBucketName(options.bucket)}/raw/`,
      InputFormat: INPUT_FORMAT,
      OutputFormat: OUTPUT_FORMAT,
      Compressed: true,
      SerdeInfo: { SerializationLibrary: SERDE },
    },
  };
}

/**
 * The same table as Athena DDL, for those who create it by hand or in IaC.
 *
 * @example
 * console.log(athenaCreateTableDdl({ database: 'tickflow', table: 'ticks', bucket: 'my-lake' }));
 */
export function athenaCreateTableDdl(options: LakeTableOptions): string {
  const d = options.priceDecimals ?? DEFAULT_PRICE_DECIMALS;
  const input = lakeTableInput(options);
  const column = (c: { name: string; type: Parameters<typeof hiveType>[0]; comment: string }) =>
    `\`${c.name}\` ${hiveType(c.type, d)} COMMENT '${c.comment.replace(/'/g, "\\'")}'`;
  const properties = Object.entries(input.Parameters ?? {})
    .filter(([k]) => k !== 'EXTERNAL')
    .map(([k, v]) => `  '${k}' = '${v}'`);
  return `CREATE EXTERNAL TABLE IF NOT EXISTS \`${checkGlueName(options.database)}\`.\`${checkGlueName(options.table)}\` (
  ${LAKE_COLUMNS.map(column).join(',\n  ')}
)
PARTITIONED BY (
  ${LAKE_PARTITION_KEYS.map(column).join(',\n  ')}
)
ROW FORMAT SERDE '${SERDE}'
STORED AS INPUTFORMAT '${INPUT_FORMAT}' OUTPUTFORMAT '${OUTPUT_FORMAT}'
LOCATION '${input.StorageDescriptor?.Location}'
TBLPROPERTIES (
${properties.join(',\n')}
)`;
}

/** Options of `GlueCatalog`. */
export interface GlueCatalogOptions extends LakeTableOptions {
  readonly glue: GlueClient;
}

/**
 * The lake table in the Glue Data Catalog (the AWS `Catalog`): creates the database and the
 * table if missing, updates the table if its definition differs, and otherwise does
 * nothing — safe to call on every deployment or cold start.
 *
 * @example
 * await new GlueCatalog({ glue: new GlueClient({}), database: 'tickflow', table: 'ticks', bucket: 'my-lake' }).ensureTable();
 */
export class GlueCatalog implements Catalog {
  constructor(private readonly options: GlueCatalogOptions) {
    checkGlueName(options.database);
    lakeTableInput(options);
  }

  async ensureTable(): Promise<void> {
    const { glue, database } = this.options;
    const wanted = lakeTableInput(this.options);
    try {
      await glue.send(new GetDatabaseCommand({ Name: database }));
    } catch (error) {
      if (nameOf(error) !== 'EntityNotFoundException') throw error;
      await ignoring('AlreadyExistsException', () =>
        glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database, Description: 'tickflow data lake' } })),
      );
    }
    let existing: Table | undefined;
    try {
      existing = (await glue.send(new GetTableCommand({ DatabaseName: database, Name: wanted.Name }))).Table;
    } catch (error) {
      if (nameOf(error) !== 'EntityNotFoundException') throw error;
    }
    if (existing === undefined) {
      try {
        await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: wanted }));
        return;
      } catch (error) {
        // Another deployment created it meanwhile: make it ours.
        if (nameOf(error) !== 'AlreadyExistsException') throw error;
      }
    } else if (sameTable(existing, wanted)) {
      return;
    }
    await glue.send(new UpdateTableCommand({ DatabaseName: database, TableInput: wanted }));
  }
}

/** Whether the table already has what we would write (extra parameters Glue adds are fine). */
function sameTable(existing: Table, wanted: TableInput): boolean {
  const columns = (cs: readonly { Name?: string; Type?: string }[] | undefined) => JSON.stringify((cs ?? []).map((c) => [c.Name, c.Type]));
  const s = existing.StorageDescriptor;
  const w = wanted.StorageDescriptor;
  return (
    existing.TableType === wanted.TableType &&
    columns(existing.PartitionKeys) === columns(wanted.PartitionKeys) &&
    columns(s?.Columns) === columns(w?.Columns) &&
    s?.Location === w?.Location &&
    s?.InputFormat === w?.InputFormat &&
    s?.OutputFormat === w?.OutputFormat &&
    s?.SerdeInfo?.SerializationLibrary === w?.SerdeInfo?.SerializationLibrary &&
    Object.entries(wanted.Parameters ?? {}).every(([k, v]) => existing.Parameters?.[k] === v)
  );
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

async function ignoring(name: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (nameOf(error) !== name) throw error;
  }
}

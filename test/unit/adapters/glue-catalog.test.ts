import {
  AlreadyExistsException,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTableCommand,
  GlueClient,
  type Table,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { athenaCreateTableDdl, GlueCatalog, lakeTableInput } from '../../../src/adapters/aws/glue-catalog.js';
import { LAKE_COLUMNS, LAKE_PARTITION_KEYS } from '../../../src/adapters/shared/lake-schema.js';

const OPTIONS = { database: 'tickflow', table: 'ticks', bucket: 'my-lake' };
const notFound = () => new EntityNotFoundException({ message: 'not found', $metadata: {} });

function setup(priceDecimals = 6) {
  const client = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  return { catalog: new GlueCatalog({ glue: client, ...OPTIONS, priceDecimals }), glue: mockClient(client) };
}

/** What Glue answers for a table created from `input` (plus fields Glue adds itself). */
function tableAsGlueReturnsIt(priceDecimals = 6): Table {
  const input = lakeTableInput({ ...OPTIONS, priceDecimals });
  return {
    ...input,
    Name: 'ticks',
    DatabaseName: 'tickflow',
    CreateTime: new Date(),
    Parameters: { ...input.Parameters, transient_lastDdlTime: '1704189600' },
  } as Table;
}

describe('GlueCatalog', () => {
  it('creates the database and the table when neither exists', async () => {
    const { catalog, glue } = setup();
    glue.on(GetDatabaseCommand).rejects(notFound());
    glue.on(GetTableCommand).rejects(notFound());
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(CreateTableCommand).resolves({});

    await catalog.ensureTable();

    expect(glue.commandCalls(CreateDatabaseCommand)[0]?.args[0].input.DatabaseInput?.Name).toBe('tickflow');
    const input = glue.commandCalls(CreateTableCommand)[0]?.args[0].input;
    expect(input?.DatabaseName).toBe('tickflow');
    expect(input?.TableInput).toEqual(lakeTableInput(OPTIONS));
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('does nothing on a second call when the table is as wanted (Glue may add its own parameters)', async () => {
    const { catalog, glue } = setup();
    glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'tickflow' } });
    glue.on(GetTableCommand).resolves({ Table: tableAsGlueReturnsIt() });

    await catalog.ensureTable();
    await catalog.ensureTable();

    expect(glue.commandCalls(CreateDatabaseCommand)).toHaveLength(0);
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('updates a table whose definition differs (here: the price decimals)', async () => {
    const { catalog, glue } = setup(2);
    glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'tickflow' } });
    glue.on(GetTableCommand).resolves({ Table: tableAsGlueReturnsIt(6) });
    glue.on(UpdateTableCommand).resolves({});

    await catalog.ensureTable();

    const input = glue.commandCalls(UpdateTableCommand)[0]?.args[0].input;
    expect(input?.TableInput?.StorageDescriptor?.Columns?.find((c) => c.Name === 'price')?.Type).toBe('decimal(18,2)');
  });

  it('treats a table or database created meanwhile by someone else as its own', async () => {
    const { catalog, glue } = setup();
    glue.on(GetDatabaseCommand).rejects(notFound());
    glue.on(CreateDatabaseCommand).rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    glue.on(GetTableCommand).rejects(notFound());
    glue.on(CreateTableCommand).rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    glue.on(UpdateTableCommand).resolves({});

    await catalog.ensureTable();
    expect(glue.commandCalls(UpdateTableCommand)[0]?.args[0].input.TableInput).toEqual(lakeTableInput(OPTIONS));
  });

  it('passes on other errors', async () => {
    const { catalog, glue } = setup();
    glue.on(GetDatabaseCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(catalog.ensureTable()).rejects.toThrow('denied');
  });
});

describe('the lake table definition', () => {
  it('projects every partition, symbol injected, so no crawler or MSCK REPAIR is needed', () => {
    const input = lakeTableInput(OPTIONS);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.symbol.type': 'injected',
      'projection.year.type': 'integer',
      'projection.month.range': '1,12',
      'projection.month.digits': '2',
      'projection.day.range': '1,31',
      'projection.day.digits': '2',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholders
      'storage.location.template': 's3://my-lake/raw/symbol=${symbol}/year=${year}/month=${month}/day=${day}/',
    });
    expect(input.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe('org.apache.hive.hcatalog.data.JsonSerDe');
    // The OpenX SerDe can return more or fewer rows than the objects hold (Athena's own warning).
    expect(athenaCreateTableDdl(OPTIONS)).toContain("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'");
    expect(input.StorageDescriptor?.Location).toBe('s3://my-lake/raw/');
  });

  it('the Glue table and the Athena DDL render the same schema, the one defined in LAKE_COLUMNS', () => {
    const input = lakeTableInput({ ...OPTIONS, priceDecimals: 4 });
    expect(input.StorageDescriptor?.Columns?.map((c) => [c.Name, c.Type])).toEqual(
      LAKE_COLUMNS.map((c) => [c.name, c.type === 'price' ? 'decimal(18,4)' : c.type]),
    );
    expect(input.PartitionKeys?.map((c) => [c.Name, c.Type])).toEqual(LAKE_PARTITION_KEYS.map((c) => [c.name, c.type]));
    const ddl = athenaCreateTableDdl({ ...OPTIONS, priceDecimals: 4 });
    for (const c of [...(input.StorageDescriptor?.Columns ?? []), ...(input.PartitionKeys ?? [])])
      expect(ddl).toContain(`\`${c.Name}\` ${c.Type} `);
    for (const [k, v] of Object.entries(input.Parameters ?? {})) if (k !== 'EXTERNAL') expect(ddl).toContain(`'${k}' = '${v}'`);
    expect(ddl).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `tickflow`\.`ticks`/);
    expect(ddl).toContain("LOCATION 's3://my-lake/raw/'");
  });

  it('refuses names that could break out of an identifier or a location', () => {
    expect(() => lakeTableInput({ ...OPTIONS, table: 'ticks"; drop' })).toThrow(RangeError);
    expect(() => lakeTableInput({ ...OPTIONS, bucket: "lake'/x" })).toThrow(RangeError);
  });
});

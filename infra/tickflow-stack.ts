/**
 * The example deployment of tickflow (AWS CDK v2): Kinesis → ingest → S3 lake + DynamoDB →
 * table stream → trend → SNS; a scheduled producer; Athena and Glue over the lake for the
 * query function. Every function runs its prebuilt bundle from dist/lambda with a role that
 * holds only the actions and resources its code uses. Environment-agnostic (no lookups), so
 * `cdk synth` needs no account, no Docker and no network.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Column, TableInput } from '@aws-sdk/client-glue';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, Node } from 'constructs';
import { checkGlueName, lakeTableInput } from '../src/adapters/aws/glue-catalog.js';
import { TICK_INSERT_FILTER } from '../src/adapters/lambda-events/dynamodb-stream-event.js';
import { awsConfigFromEnv } from '../src/container/aws-config.js';
import { parseSymbolList } from '../src/domain/symbol.js';

/**
 * The bundles `npm run build` writes, which the functions run.
 *
 * @example
 * new TickflowStack(app, 'Tickflow', { bundleDir: DEFAULT_BUNDLE_DIR });
 */
export const DEFAULT_BUNDLE_DIR = fileURLToPath(new URL('../dist/lambda/', import.meta.url));

/**
 * The Lambda functions of the stack, named as their bundles.
 *
 * @example
 * const fn = stack.functions['ingest' satisfies FunctionName];
 */
export type FunctionName = 'ingest' | 'trend' | 'produce' | 'query';

/**
 * What can be set (in `cdk.json` or with `cdk synth -c name=value`); every field has a default.
 *
 * @example
 * const options: TickflowOptions = { alertEmail: 'me@example.com', produceEnabled: true };
 */
export interface TickflowOptions {
  /** The CloudFormation stack name (default `Tickflow`). */
  readonly stackName?: string;
  /** An address subscribed to the alerts topic (it must confirm by mail). Default: none. */
  readonly alertEmail?: string;
  /** Whether the producer's schedule is on (default false: nothing polls until you say so). */
  readonly produceEnabled?: boolean;
  /** EventBridge schedule of the producer (default `rate(1 minute)`). */
  readonly produceSchedule?: string;
  /** `yahoo` (default) or `simulated`. */
  readonly produceSource?: 'yahoo' | 'simulated';
  /** Symbols the producer polls (default `AAPL,MSFT,GOOG,AMZN,TSLA`). */
  readonly symbols?: string;
  /** Glue database and table of the lake (default `tickflow`, `ticks`). */
  readonly glueDatabase?: string;
  readonly glueTable?: string;
  /** Athena workgroup (default `tickflow`) and its per-query scan limit in GiB (default 10). */
  readonly athenaWorkgroup?: string;
  readonly athenaScanLimitGb?: number;
  /** Days Athena's result files are kept under `results/` (default 30). */
  readonly resultsRetentionDays?: number;
  /** Price decimals of the lake and store (default 6), and the SMA periods (default 5 and 20). */
  readonly priceDecimals?: number;
  readonly smaShort?: number;
  readonly smaLong?: number;
}

/**
 * The stack's properties: the options, and where the bundles are.
 *
 * @example
 * const props: TickflowStackProps = { ...tickflowOptions(app.node), bundleDir: 'node_modules/tickflow/dist/lambda' };
 */
export interface TickflowStackProps extends StackProps, TickflowOptions {
  /** Folder of `ingest.mjs`, `trend.mjs`, `produce.mjs`, `query.mjs` (default: this repository's `dist/lambda`). */
  readonly bundleDir?: string;
}

const OPTION_KEYS = [
  'stackName',
  'alertEmail',
  'produceEnabled',
  'produceSchedule',
  'produceSource',
  'symbols',
  'glueDatabase',
  'glueTable',
  'athenaWorkgroup',
  'athenaScanLimitGb',
  'resultsRetentionDays',
  'priceDecimals',
  'smaShort',
  'smaLong',
] as const;

/**
 * Reads the options from the CDK context (`cdk.json`, or `-c key=value`, where every value
 * is a string), checked: an error names the context key and what it should hold.
 *
 * @example
 * const options = tickflowOptions(app.node); // cdk synth -c alertEmail=me@example.com -c produceEnabled=true
 */
export function tickflowOptions(node: Node): TickflowOptions {
  const raw: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const text = (key: string) => (raw[key] === undefined ? undefined : String(raw[key]));
  const flag = (key: string) => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
    return value === 'true';
  };
  const whole = (key: string, min: number, max: number) => {
    const value = text(key);
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max))
      throw new Error(`context ${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
  const source = text('produceSource');
  if (source !== undefined && source !== 'yahoo' && source !== 'simulated')
    throw new Error(`context produceSource must be yahoo or simulated, got ${JSON.stringify(source)}`);
  return {
    stackName: text('stackName'),
    alertEmail: text('alertEmail'),
    produceEnabled: flag('produceEnabled'),
    produceSchedule: text('produceSchedule'),
    produceSource: source,
    symbols: text('symbols'),
    glueDatabase: text('glueDatabase'),
    glueTable: text('glueTable'),
    athenaWorkgroup: text('athenaWorkgroup'),
    athenaScanLimitGb: whole('athenaScanLimitGb', 1, 1_000_000),
    resultsRetentionDays: whole('resultsRetentionDays', 1, 3650),
    priceDecimals: whole('priceDecimals', 0, 9),
    smaShort: whole('smaShort', 1, 1000),
    smaLong: whole('smaLong', 2, 1000),
  };
}

/**
 * The whole tickflow deployment in one stack. The constructs a test or a larger app needs
 * are public.
 *
 * @example
 * new TickflowStack(app, 'Tickflow', { alertEmail: 'me@example.com', produceEnabled: true });
 */
export class TickflowStack extends Stack {
  readonly stream: kinesis.Stream;
  readonly lake: s3.Bucket;
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  /**
   * Where batches go once their retries are spent. Ingest's is a bucket: Lambda writes the
   * whole invocation record there, the ticks included (a queue would get their shard and
   * sequence numbers only, and the stream keeps the records for 24 hours). Trend's is a
   * queue: its records are ticks already in the table and the lake, which the next tick of
   * the symbol reads again.
   */
  readonly deadLetters: { readonly ingest: s3.Bucket; readonly trend: sqs.Queue };
  readonly workgroup: athena.CfnWorkGroup;
  readonly glueTable: glue.CfnTable;
  readonly produceSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: TickflowStackProps = {}) {
    super(scope, id, props);
    const bundleDir = props.bundleDir ?? DEFAULT_BUNDLE_DIR;
    const databaseName = checkGlueName(props.glueDatabase ?? 'tickflow');
    const tableName = checkGlueName(props.glueTable ?? 'ticks');
    const workgroupName = props.athenaWorkgroup ?? 'tickflow';
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(workgroupName)) throw new Error(`athenaWorkgroup is not a workgroup name: ${workgroupName}`);
    const schedule = props.produceSchedule ?? 'rate(1 minute)';
    if (!/^(rate|cron)\(.+\)$/.test(schedule))
      throw new Error(`produceSchedule must be rate(…) or cron(…), got ${JSON.stringify(schedule)}`);
    const symbols = parseSymbolList(props.symbols ?? 'AAPL,MSFT,GOOG,AMZN,TSLA');
    if (!symbols.ok) throw new Error(`symbols: ${symbols.message}`);
    if (props.alertEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.alertEmail))
      throw new Error(`alertEmail is not an e-mail address: ${JSON.stringify(props.alertEmail)}`);
    const priceDecimals = props.priceDecimals ?? 6;
    const trendSettings = {
      TICKFLOW_PRICE_DECIMALS: String(priceDecimals),
      TICKFLOW_SHORT: String(props.smaShort ?? 5),
      TICKFLOW_LONG: String(props.smaLong ?? 20),
    };
    // The check each function makes at its cold start, made here: settings they would all
    // refuse (smaShort ≥ smaLong, say) fail the synth rather than every invocation.
    try {
      awsConfigFromEnv({ AWS_REGION: 'us-east-1', ...trendSettings });
    } catch (error) {
      throw new Error(`priceDecimals / smaShort / smaLong: ${(error as Error).message}`);
    }

    // ── Storage ────────────────────────────────────────────────────────────────────────
    this.stream = new kinesis.Stream(this, 'Ticks', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
    });

    this.lake = new s3.Bucket(this, 'Lake', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireQueryResults',
          prefix: 'results/',
          expiration: Duration.days(props.resultsRetentionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.table = new dynamodb.Table(this, 'Market', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const tableStreamArn = this.table.tableStreamArn;
    if (tableStreamArn === undefined) throw new Error('the table has no stream');

    this.topic = new sns.Topic(this, 'Alerts', {
      displayName: 'tickflow alerts',
      // The AWS managed key: publishers in the account need no KMS permission of their own.
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    if (props.alertEmail !== undefined) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));

    const deadLetters = (id: string) =>
      new sqs.Queue(this, id, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.deadLetters = {
      ingest: new s3.Bucket(this, 'IngestFailures', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        removalPolicy: RemovalPolicy.RETAIN,
      }),
      trend: deadLetters('TrendFailures'),
    };

    // ── Analytics: the Glue table is the library's own schema, the Athena workgroup caps scans ──
    const database = new glue.CfnDatabase(this, 'GlueDatabase', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: databaseName, description: 'tickflow data lake' },
    });
    this.glueTable = new glue.CfnTable(this, 'GlueTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName,
      tableInput: cfnTableInput(
        lakeTableInput({ database: databaseName, table: tableName, bucket: BUCKET_PLACEHOLDER, priceDecimals }),
        this.lake.bucketName,
      ),
    });
    this.glueTable.node.addDependency(database);
    const resultsLocation = `s3://${this.lake.bucketName}/results/`;
    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: workgroupName,
      description: 'tickflow named queries over the lake',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        bytesScannedCutoffPerQuery: (props.athenaScanLimitGb ?? 10) * 1024 ** 3,
        // Not enforced: the query function writes each query's results under results/<query>/
        // (DESIGN.md §4), which an enforced workgroup would override. The scan cutoff applies either way.
        enforceWorkGroupConfiguration: false,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: { outputLocation: resultsLocation, encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
      },
    });

    // ── Functions, each with its own role ─────────────────────────────────────────────────
    const ingest = this.function('ingest', bundleDir, {
      description: 'tickflow ingest: Kinesis batches → validate, enrich → S3 lake and DynamoDB',
      memorySize: 512,
      // 90 s: its clients stop starting attempts 35 s (an attempt's worst case) before the end,
      // so a stalled service ends in reported failures, not a timeout (InvocationDeadline).
      timeout: Duration.seconds(90),
      environment: { TICKFLOW_BUCKET: this.lake.bucketName, TICKFLOW_TABLE: this.table.tableName, ...trendSettings },
    });
    const trend = this.function('trend', bundleDir, {
      description: 'tickflow trend: tick INSERTs → SMA crossovers → alerts on SNS',
      memorySize: 256,
      // 2 minutes: it claims alerts only with the time to claim, publish and record them left
      // (80 s at worst), and its publish stops in time to record what it sent before the claim ends.
      timeout: Duration.minutes(2),
      environment: { TICKFLOW_TABLE: this.table.tableName, TICKFLOW_TOPIC_ARN: this.topic.topicArn, ...trendSettings },
    });
    const produce = this.function('produce', bundleDir, {
      description: 'tickflow produce: one round of quotes per schedule → Kinesis',
      memorySize: 256,
      timeout: Duration.minutes(1),
      environment: {
        TICKFLOW_STREAM: this.stream.streamName,
        TICKFLOW_SYMBOLS: symbols.symbols.join(','),
        TICKFLOW_SOURCE: props.produceSource ?? 'yahoo',
        TICKFLOW_BUCKET: this.lake.bucketName,
      },
    });
    const query = this.function('query', bundleDir, {
      description: 'tickflow query: a named analytics query on Athena (direct invoke)',
      memorySize: 256,
      // The engine gives up on a query after 5 minutes; the function outlives it to say so.
      timeout: Duration.minutes(6),
      environment: {
        TICKFLOW_BUCKET: this.lake.bucketName,
        TICKFLOW_ATHENA_WORKGROUP: workgroupName,
        TICKFLOW_ATHENA_OUTPUT: resultsLocation,
        TICKFLOW_GLUE_DATABASE: databaseName,
        TICKFLOW_GLUE_TABLE: tableName,
        ...trendSettings,
      },
    });
    this.functions = { ingest, trend, produce, query };

    // ingest: reads the stream (its event source mapping uses the function's role), writes the
    // lake's raw/ and rejected/, and the store's ticks and LATEST items.
    allow(ingest, 'ReadTickStream', KINESIS_READ, [this.stream.streamArn]);
    allow(ingest, 'WriteLake', ['s3:PutObject'], [this.lake.arnForObjects('raw/*'), this.lake.arnForObjects('rejected/*')]);
    allow(ingest, 'WriteTicksAndLatest', ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], [this.table.tableArn]);

    // trend: reads the table's stream; reads recent ticks and TREND, writes TREND and the alert
    // outbox (its transactions are authorised as the PutItem and UpdateItem they hold); publishes.
    allow(trend, 'ReadTableStream', ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], [tableStreamArn]);
    // The one statement on "*": ListStreams has no resource-level permission (it lists the
    // account's streams and reads none); Lambda's DynamoDB Streams mapping asks for it.
    allow(trend, 'ListTableStreams', ['dynamodb:ListStreams'], ['*']);
    allow(
      trend,
      'TrendStateAndAlerts',
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [this.table.tableArn],
    );
    allow(trend, 'PublishAlerts', ['sns:Publish'], [this.topic.topicArn]);

    // produce: publishes to the stream, quarantines rows its source cannot read.
    allow(produce, 'PublishTicks', ['kinesis:PutRecords'], [this.stream.streamArn]);
    allow(produce, 'QuarantineSourceRows', ['s3:PutObject'], [this.lake.arnForObjects('rejected/*')]);

    // query: runs Athena queries in its workgroup; Athena reads the catalog and the lake and
    // writes the results with the caller's permissions, so the role holds those too.
    const workgroupArn = this.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workgroupName });
    allow(
      query,
      'RunQueries',
      [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetQueryRuntimeStatistics',
        'athena:StopQueryExecution',
      ],
      [workgroupArn],
    );
    allow(
      query,
      'ReadLakeTable',
      ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
      [
        this.formatArn({ service: 'glue', resource: 'catalog' }),
        this.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
        this.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName}/${tableName}` }),
      ],
    );
    allow(query, 'ListLake', ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], [this.lake.bucketArn]);
    allow(query, 'ReadLake', ['s3:GetObject'], [this.lake.arnForObjects('raw/*'), this.lake.arnForObjects('results/*')]);
    allow(
      query,
      'WriteResults',
      ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      [this.lake.arnForObjects('results/*')],
    );

    // ── Triggers ────────────────────────────────────────────────────────────────────────────
    new lambda.EventSourceMapping(this, 'IngestFromKinesis', {
      target: ingest,
      eventSourceArn: this.stream.streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      onFailure: new S3Failures(this.deadLetters.ingest),
    });
    new lambda.EventSourceMapping(this, 'TrendFromTableStream', {
      target: trend,
      eventSourceArn: tableStreamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      filters: [lambda.FilterCriteria.filter(TICK_INSERT_FILTER)],
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      onFailure: new SqsDlq(this.deadLetters.trend),
    });
    this.produceSchedule = new events.Rule(this, 'ProduceSchedule', {
      description: 'tickflow: one round of quotes into the stream',
      schedule: events.Schedule.expression(schedule),
      enabled: props.produceEnabled ?? false,
      // A missed round is not retried: the next one brings fresher quotes.
      targets: [new targets.LambdaFunction(produce, { retryAttempts: 0 })],
    });
    // The schedule invokes produce asynchronously, and Lambda retries a failed asynchronous call twice on its own.
    produce.configureAsyncInvoke({ retryAttempts: 0 });

    new CfnOutput(this, 'StreamName', { value: this.stream.streamName });
    new CfnOutput(this, 'LakeBucket', { value: this.lake.bucketName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AlertsTopic', { value: this.topic.topicArn });
    new CfnOutput(this, 'QueryFunction', { value: query.functionName });
    new CfnOutput(this, 'IngestFailuresBucket', { value: this.deadLetters.ingest.bucketName });
    new CfnOutput(this, 'TrendFailuresQueue', { value: this.deadLetters.trend.queueUrl });
  }

  /** A function running its bundle, with a role of its own that holds nothing yet but its logs. */
  private function(
    name: FunctionName,
    bundleDir: string,
    options: { description: string; memorySize: number; timeout: Duration; environment: Record<string, string> },
  ): lambda.Function {
    const bundle = join(bundleDir, `${name}.mjs`);
    if (!existsSync(bundle)) {
      throw new Error(
        `${bundle} is missing: run \`npm run build\` at the repository root first (it builds the Lambda bundles this app deploys)`,
      );
    }
    const id = name.charAt(0).toUpperCase() + name.slice(1);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `tickflow ${name} function: only what its code uses`,
    });
    const fn = new lambda.Function(this, id, {
      description: options.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      // The folder holds every bundle; each function's asset is its own bundle and source map.
      code: lambda.Code.fromAsset(bundleDir, { exclude: ['*', `!${name}.mjs`, `!${name}.mjs.map`] }),
      handler: `${name}.handler`,
      role,
      logGroup,
      memorySize: options.memorySize,
      timeout: options.timeout,
      environment: { ...options.environment, TICKFLOW_LOG_LEVEL: 'info', NODE_OPTIONS: '--enable-source-maps' },
    });
    allow(fn, 'WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    return fn;
  }
}

/** What Lambda's Kinesis event source mapping calls with the function's role. */
const KINESIS_READ = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
];

function allow(fn: lambda.IFunction, sid: string, actions: string[], resources: string[]): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources }));
}

/**
 * An S3 on-failure destination that grants the function what Lambda's documentation asks
 * for it (`s3:PutObject`, `s3:ListBucket`) and no more: CDK's own `S3OnFailureDestination`
 * grants reading and writing the whole bucket.
 */
class S3Failures implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_target: lambda.IEventSourceMapping, fn: lambda.IFunction): lambda.DlqDestinationConfig {
    allow(fn, 'KeepFailedBatches', ['s3:PutObject'], [this.bucket.arnForObjects('*')]);
    allow(fn, 'ListFailedBatches', ['s3:ListBucket'], [this.bucket.bucketArn]);
    return { destination: this.bucket.bucketArn };
  }
}

/**
 * `lakeTableInput` checks the bucket name it writes into the table's locations, but at
 * synth time the name is a token resolved on deploy: the input is built with a placeholder,
 * then the placeholder is replaced by the token in every string.
 */
const BUCKET_PLACEHOLDER = 'tickflow-bucket-placeholder';

/**
 * The Glue API's `TableInput` (what `lakeTableInput` returns, PascalCase) as the CDK's
 * `CfnTable` property (camelCase), with the lake bucket's name put in.
 *
 * @example
 * new glue.CfnTable(this, 'Table', { catalogId, databaseName, tableInput: cfnTableInput(lakeTableInput(options), bucket.bucketName) });
 */
export function cfnTableInput(input: TableInput, bucketName: string): glue.CfnTable.TableInputProperty {
  const put = (text: string | undefined) => text?.split(BUCKET_PLACEHOLDER).join(bucketName);
  const column = (c: Column): glue.CfnTable.ColumnProperty => ({ name: c.Name ?? '', type: c.Type, comment: c.Comment });
  const sd = input.StorageDescriptor;
  return {
    name: input.Name,
    description: input.Description,
    tableType: input.TableType,
    parameters: Object.fromEntries(Object.entries(input.Parameters ?? {}).map(([k, v]) => [k, put(v)])),
    partitionKeys: input.PartitionKeys?.map(column),
    storageDescriptor: sd && {
      columns: sd.Columns?.map(column),
      location: put(sd.Location),
      inputFormat: sd.InputFormat,
      outputFormat: sd.OutputFormat,
      compressed: sd.Compressed,
      serdeInfo: sd.SerdeInfo && { serializationLibrary: sd.SerdeInfo.SerializationLibrary, parameters: sd.SerdeInfo.Parameters },
    },
  };
}

/**
 * The example CDK app's template, checked with aws-cdk-lib/assertions: every property the
 * deployment promises (DESIGN.md §5, the README's "Deploy to AWS"), the Glue table equal to
 * the library's own schema, the environment each function gets accepted by the library's own
 * configuration parser, and least privilege: each role's statements, exactly, and no `*`
 * anywhere but the one documented exception. The app is built with the context of
 * infra/cdk.json — what `cdk synth` uses — and a folder of stand-in bundles.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { type FunctionName, TickflowStack, type TickflowStackProps, tickflowOptions } from '../../infra/tickflow-stack.js';
import { lakeTableInput } from '../../src/adapters/aws/glue-catalog.js';
import { TICK_INSERT_FILTER } from '../../src/adapters/lambda-events/dynamodb-stream-event.js';
import { ingestContainer } from '../../src/container/ingest-container.js';
import { produceContainer } from '../../src/container/produce-container.js';
import { queryContainer } from '../../src/container/query-container.js';
import { DETECT_TRENDS, INGEST_BATCH, PRODUCE_TICKS } from '../../src/container/tokens.js';
import { trendContainer } from '../../src/container/trend-container.js';
import { ANALYTICS_ENGINE } from '../../src/ports/analytics-engine.port.js';

const CDK_JSON = JSON.parse(readFileSync(new URL('../../infra/cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const NAMES: readonly FunctionName[] = ['ingest', 'trend', 'produce', 'query'];

// Stand-in bundles (the real ones are the smoke test's business), and a file no function may carry.
const bundles = mkdtempSync(join(tmpdir(), 'tickflow-bundles-'));
for (const name of NAMES) {
  writeFileSync(join(bundles, `${name}.mjs`), `export const handler = async () => '${name}';\n`);
  writeFileSync(join(bundles, `${name}.mjs.map`), '{}');
  writeFileSync(join(bundles, `${name}.d.mts`), '');
}
writeFileSync(join(bundles, 'notes.txt'), 'not deployed');
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of [bundles, ...outdirs]) rmSync(dir, { recursive: true, force: true });
});

/** A CDK output folder of this test file's, removed after it (an App without one makes its own in /tmp and leaves it). */
function tempOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'tickflow-cdk-'));
  outdirs.push(outdir);
  return outdir;
}

/** The stack as `cdk synth` builds it, with extra context (`-c key=value` gives strings) and props. */
function synth(context: Record<string, string> = {}, props: TickflowStackProps = {}) {
  const app = new App({ outdir: tempOutdir(), context: { ...CDK_JSON.context, ...context } });
  const stack = new TickflowStack(app, 'Tickflow', { bundleDir: bundles, ...tickflowOptions(app.node), ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

const base = synth();
const { stack, template } = base;
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: id(construct) });
const arnOf = (construct: { node: { defaultChild?: unknown } }, attribute = 'Arn') => ({ 'Fn::GetAtt': [id(construct), attribute] });
const resolve = (value: unknown) => stack.resolve(value);

/** The one resource of a type (failing if there is not exactly one). */
function only(type: string): { id: string; properties: Record<string, unknown> } {
  const all = Object.entries(template.findResources(type));
  expect(all, type).toHaveLength(1);
  const [first] = all;
  return { id: first?.[0] ?? '', properties: (first?.[1].Properties ?? {}) as Record<string, unknown> };
}

/** Turns CloudFormation intrinsics into text: `{ Ref: X }` → names[X], joins joined. */
function render(value: unknown, names: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => render(v, names));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return names[o.Ref] ?? `\${${o.Ref}}`;
  if (Array.isArray(o['Fn::GetAtt'])) {
    const [target, attribute] = o['Fn::GetAtt'] as [string, string];
    return names[`${target}.${attribute}`] ?? `\${${target}.${attribute}}`;
  }
  if (Array.isArray(o['Fn::Join'])) {
    const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => render(p, names)).join(separator);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, render(v, names)]));
}

/** What every bucket of the stack holds to: public access blocked, SSE-S3. */
const PRIVATE_AND_ENCRYPTED = {
  PublicAccessBlockConfiguration: {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  },
  BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
};

describe('the stack', () => {
  it('synthesises environment-agnostic, with no context lookups (so no account and no network)', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    expect(base.app.synth().manifest.missing).toBeUndefined();
  });

  it('refuses to synthesise without the bundles, saying to run npm run build', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tickflow-nobundles-'));
    outdirs.push(empty);
    expect(() => new TickflowStack(new App({ outdir: tempOutdir() }), 'Tickflow', { bundleDir: empty })).toThrow(
      `${join(empty, 'ingest.mjs')} is missing: run \`npm run build\` at the repository root first`,
    );
  });

  it('reads its options from the context, with an error naming a bad one', () => {
    expect(tickflowOptions(new App({ outdir: tempOutdir(), context: CDK_JSON.context }).node)).toMatchObject({
      stackName: 'Tickflow',
      produceEnabled: false,
      produceSchedule: 'rate(1 minute)',
      glueDatabase: 'tickflow',
      athenaScanLimitGb: 10,
      alertEmail: undefined,
    });
    const options = (context: Record<string, string>) => () => tickflowOptions(new App({ outdir: tempOutdir(), context }).node);
    expect(options({ produceEnabled: 'yes' })).toThrow('context produceEnabled must be true or false, got "yes"');
    expect(options({ athenaScanLimitGb: '0' })).toThrow('context athenaScanLimitGb must be a whole number from 1 to 1000000');
    expect(options({ produceSource: 'csv' })).toThrow('context produceSource must be yahoo or simulated, got "csv"');
    expect(() => synth({ symbols: 'AAPL,../etc' })).toThrow(/^symbols: not a valid symbol/);
    expect(() => synth({ glueTable: 'Ticks' })).toThrow(/a Glue name must be/);
    expect(() => synth({ alertEmail: 'me' })).toThrow('alertEmail is not an e-mail address: "me"');
    // What every function would refuse at its cold start fails the synth instead.
    expect(() => synth({ smaShort: '30' })).toThrow(
      /^priceDecimals \/ smaShort \/ smaLong: TICKFLOW_SHORT \/ TICKFLOW_LONG: .*1 ≤ short < long/,
    );
    expect(() => synth({ smaShort: '1000', smaLong: '1000' })).toThrow(/^priceDecimals \/ smaShort \/ smaLong: TICKFLOW_SHORT is "1000"/);
    expect(() => new TickflowStack(new App({ outdir: tempOutdir() }), 'Direct', { bundleDir: bundles, smaLong: 5000 })).toThrow(
      /TICKFLOW_LONG is "5000"/,
    );
  });
});

describe('ingest path', () => {
  it('a Kinesis stream on demand, encrypted with the AWS managed key', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('the ingest function on the stream: batch and window, ReportBatchItemFailures, bisect, bounded retries and age, failed batches kept whole in S3', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(stack.functions.ingest),
      EventSourceArn: arnOf(stack.stream),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.deadLetters.ingest) } },
    });
    // Lambda writes the whole invocation record to an S3 destination (a queue gets metadata only).
    expect(template.toJSON().Resources[id(stack.deadLetters.ingest)]).toMatchObject({
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      Properties: PRIVATE_AND_ENCRYPTED,
    });
  });

  it('the lake bucket: public access blocked, encrypted, TLS only, query results expiring', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ...PRIVATE_AND_ENCRYPTED,
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Prefix: 'results/',
            ExpirationInDays: 30,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(stack.lake),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [arnOf(stack.lake), { 'Fn::Join': ['', [arnOf(stack.lake), '/*']] }],
          }),
        ]),
      },
    });
    expect(synth({ resultsRetentionDays: '7' }).template.toJSON()).toMatchObject({
      Resources: { [id(stack.lake)]: { Properties: { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7 }] } } } },
    });
  });

  it('the DynamoDB table: on demand, stream NEW_AND_OLD_IMAGES, TTL on expiresAt, point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('DLQs encrypted and TLS only', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(1);
    for (const q of queues) expect(q.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    expect(Object.values(template.findResources('AWS::SQS::QueuePolicy')).map((p) => p.Properties.PolicyDocument.Statement[0])).toEqual(
      queues.map(() => expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })),
    );
  });
});

describe('trend path', () => {
  it('the trend function on the table stream, filtered by the library’s TICK_INSERT_FILTER, with partial failures, bisect and a DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(stack.functions.trend),
      EventSourceArn: arnOf(stack.table, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(TICK_INSERT_FILTER) }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.deadLetters.trend) } },
    });
    // DynamoDB event source mappings filter on the `dynamodb` key only (Lambda developer guide).
    expect(Object.keys(TICK_INSERT_FILTER)).toEqual(['dynamodb']);
  });

  it('the alerts topic: encrypted, TLS only, an e-mail subscription only when the context names an address', () => {
    const pseudo = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012' };
    expect(render(only('AWS::SNS::Topic').properties.KmsMasterKeyId, pseudo)).toBe('arn:aws:kms:eu-west-1:123456789012:alias/aws/sns');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synth({ alertEmail: 'trader@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'trader@example.com',
      TopicArn: ref(stack.topic),
    });
  });
});

describe('producer', () => {
  it('runs on an EventBridge schedule that is off unless the context turns it on', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'DISABLED',
      Targets: [Match.objectLike({ Arn: arnOf(stack.functions.produce), RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(stack.produceSchedule),
    });
    // Nor does Lambda retry the asynchronous invocation (by default it would, twice).
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: Match.anyValue(),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
    });
    expect(template.findResources('AWS::Lambda::EventInvokeConfig')).toSatisfy((r: object) => Object.keys(r).length === 1);
    // Off also for an app that passes no options at all.
    Template.fromStack(new TickflowStack(new App({ outdir: tempOutdir() }), 'Bare', { bundleDir: bundles })).hasResourceProperties(
      'AWS::Events::Rule',
      { State: 'DISABLED' },
    );
    synth({ produceEnabled: 'true', produceSchedule: 'rate(5 minutes)' }).template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
    });
  });
});

describe('analytics', () => {
  it('the Glue table is the library’s lakeTableInput — columns, partition projection, location — over the lake bucket', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'tickflow' } });
    const table = only('AWS::Glue::Table').properties;
    expect(table.DatabaseName).toBe('tickflow');
    const names = { [id(stack.lake)]: 'the-lake-bucket' };
    expect(render(table.TableInput, names)).toEqual(lakeTableInput({ database: 'tickflow', table: 'ticks', bucket: 'the-lake-bucket' }));
    const decimals = synth({ priceDecimals: '2' }).template;
    expect(JSON.stringify(decimals.findResources('AWS::Glue::Table'))).toContain('"Type":"decimal(18,2)"');
  });

  it('the Athena workgroup: results under results/ of the lake, a bytes-scanned cutoff per query', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'tickflow',
      WorkGroupConfiguration: {
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        EnforceWorkGroupConfiguration: false,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', ref(stack.lake), '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
    synth({ athenaScanLimitGb: '1' }).template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1024 ** 3 }),
    });
  });
});

describe('the functions', () => {
  const fnProps = (name: FunctionName) => template.toJSON().Resources[id(stack.functions[name])].Properties;

  it('run their bundle on nodejs22.x, each with its own log group and nothing but its bundle and source map in its asset', () => {
    const assembly = base.app.synth();
    for (const name of NAMES) {
      const fn = template.toJSON().Resources[id(stack.functions[name])];
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Handler: `${name}.handler`,
        Architectures: ['arm64'],
        LoggingConfig: { LogGroup: ref(stack.functions[name].logGroup) },
      });
      const assetDir = join(assembly.directory, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      expect(readdirSync(assetDir).sort()).toEqual([`${name}.mjs`, `${name}.mjs.map`]);
    }
    expect(Object.values(template.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.RetentionInDays)).toEqual([30, 30, 30, 30]);
    // Ingest's last attempt (35 s at worst) ends before it does: its deadline stops them at 55 s.
    // Trend claims alerts while 80 s are left: in its first 40 s.
    expect(Object.fromEntries(NAMES.map((name) => [name, fnProps(name).Timeout]))).toEqual({
      ingest: 90,
      trend: 120,
      produce: 60,
      query: 360,
    });
  });

  it('get exactly the variables the library’s configuration reads, which its function containers accept', () => {
    const names = {
      [id(stack.lake)]: 'tickflow-lake',
      [id(stack.table)]: 'tickflow',
      [id(stack.topic)]: 'arn:aws:sns:eu-west-1:123456789012:tickflow-alerts',
      [id(stack.stream)]: 'tickflow-ticks',
    };
    const env = (name: FunctionName) => ({
      AWS_REGION: 'eu-west-1',
      ...(render(fnProps(name).Environment.Variables, names) as Record<string, string>),
    });
    const common = ['AWS_REGION', 'NODE_OPTIONS', 'TICKFLOW_LOG_LEVEL'];
    const sma = ['TICKFLOW_LONG', 'TICKFLOW_PRICE_DECIMALS', 'TICKFLOW_SHORT'];
    expect(Object.keys(env('ingest')).sort()).toEqual([...common, ...sma, 'TICKFLOW_BUCKET', 'TICKFLOW_TABLE'].sort());
    expect(Object.keys(env('trend')).sort()).toEqual([...common, ...sma, 'TICKFLOW_TABLE', 'TICKFLOW_TOPIC_ARN'].sort());
    expect(Object.keys(env('produce')).sort()).toEqual(
      [...common, 'TICKFLOW_BUCKET', 'TICKFLOW_SOURCE', 'TICKFLOW_STREAM', 'TICKFLOW_SYMBOLS'].sort(),
    );
    // The query function gets the periods too: a request's `crossovers` checks the trend function's alerts.
    expect(Object.keys(env('query')).sort()).toEqual(
      [
        ...common,
        ...sma,
        'TICKFLOW_BUCKET',
        'TICKFLOW_ATHENA_WORKGROUP',
        'TICKFLOW_ATHENA_OUTPUT',
        'TICKFLOW_GLUE_DATABASE',
        'TICKFLOW_GLUE_TABLE',
      ].sort(),
    );
    expect(env('query')).toMatchObject({
      TICKFLOW_BUCKET: 'tickflow-lake',
      TICKFLOW_ATHENA_WORKGROUP: 'tickflow',
      TICKFLOW_ATHENA_OUTPUT: 's3://tickflow-lake/results/',
      TICKFLOW_GLUE_DATABASE: 'tickflow',
      TICKFLOW_GLUE_TABLE: 'ticks',
    });
    expect(ingestContainer(env('ingest')).get(INGEST_BATCH)).toBeDefined();
    expect(trendContainer(env('trend')).get(DETECT_TRENDS)).toBeDefined();
    expect(produceContainer(env('produce')).get(PRODUCE_TICKS)).toBeDefined();
    expect(queryContainer(env('query')).get(ANALYTICS_ENGINE)).toBeDefined();
  });
});

describe('least privilege', () => {
  type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };
  const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
  const policies = () => Object.values(template.findResources('AWS::IAM::Policy'));

  /** Each statement of a function's role, by Sid (CDK's own DLQ grant has none: `SendToDeadLetters`). */
  function statementsOf(name: FunctionName): Record<string, { actions: string[]; resources: unknown[] }> {
    const role = ref(stack.functions[name].role as unknown as { node: { defaultChild?: unknown } });
    const out: Record<string, { actions: string[]; resources: unknown[] }> = {};
    for (const p of policies().filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([role]))) {
      for (const s of p.Properties.PolicyDocument.Statement as Statement[]) {
        expect(s.Effect).toBe('Allow');
        out[s.Sid ?? 'SendToDeadLetters'] = { actions: list(s.Action).sort(), resources: list(s.Resource) };
      }
    }
    return out;
  }
  const objects = (prefix: string) => resolve(stack.lake.arnForObjects(prefix));
  const logs = (name: FunctionName) => ({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [arnOf(stack.functions[name].logGroup)],
  });
  const failedBatches = {
    KeepFailedBatches: { actions: ['s3:PutObject'], resources: [resolve(stack.deadLetters.ingest.arnForObjects('*'))] },
    ListFailedBatches: { actions: ['s3:ListBucket'], resources: [arnOf(stack.deadLetters.ingest)] },
  };
  const deadLetters = (queue: { node: { defaultChild?: unknown } }) => ({
    actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    resources: [arnOf(queue)],
  });

  it('ingest: read its stream, put raw/ and rejected/ objects, batch-read and write the table; its failed-batch bucket and logs', () => {
    expect(statementsOf('ingest')).toEqual({
      WriteLogs: logs('ingest'),
      ReadTickStream: {
        actions: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ],
        resources: [arnOf(stack.stream)],
      },
      WriteLake: { actions: ['s3:PutObject'], resources: [objects('raw/*'), objects('rejected/*')] },
      WriteTicksAndLatest: {
        actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
        resources: [arnOf(stack.table)],
      },
      ...failedBatches,
    });
  });

  it('trend: read the table stream, read and write its state and alerts, publish to the topic; its DLQ and logs', () => {
    expect(statementsOf('trend')).toEqual({
      WriteLogs: logs('trend'),
      ReadTableStream: {
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [arnOf(stack.table, 'StreamArn')],
      },
      ListTableStreams: { actions: ['dynamodb:ListStreams'], resources: ['*'] },
      TrendStateAndAlerts: {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resources: [arnOf(stack.table)],
      },
      PublishAlerts: { actions: ['sns:Publish'], resources: [ref(stack.topic)] },
      SendToDeadLetters: deadLetters(stack.deadLetters.trend),
    });
  });

  it('produce: put records on its stream, quarantine to rejected/; its logs', () => {
    expect(statementsOf('produce')).toEqual({
      WriteLogs: logs('produce'),
      PublishTicks: { actions: ['kinesis:PutRecords'], resources: [arnOf(stack.stream)] },
      QuarantineSourceRows: { actions: ['s3:PutObject'], resources: [objects('rejected/*')] },
    });
  });

  it('query: run queries in its workgroup, read the lake table’s catalog and raw/, write and read results/; its logs', () => {
    const arn = (service: string, resource: string, resourceName?: string) =>
      resolve(Stack.of(stack).formatArn({ service, resource, ...(resourceName ? { resourceName } : {}) }));
    expect(statementsOf('query')).toEqual({
      WriteLogs: logs('query'),
      RunQueries: {
        actions: [
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:GetQueryRuntimeStatistics',
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
        ],
        resources: [arn('athena', 'workgroup', 'tickflow')],
      },
      ReadLakeTable: {
        actions: ['glue:GetDatabase', 'glue:GetPartitions', 'glue:GetTable'],
        resources: [arn('glue', 'catalog'), arn('glue', 'database', 'tickflow'), arn('glue', 'table', 'tickflow/ticks')],
      },
      ListLake: { actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [arnOf(stack.lake)] },
      ReadLake: { actions: ['s3:GetObject'], resources: [objects('raw/*'), objects('results/*')] },
      WriteResults: {
        actions: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject'],
        resources: [objects('results/*')],
      },
    });
  });

  it('no statement anywhere grants a wildcard action, and none a "*" resource but ListStreams (no resource-level permission exists)', () => {
    const documents = [
      ...policies().map((p) => p.Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) =>
        (r.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument),
      ),
    ];
    const statements = documents.flatMap((d) => d.Statement as Statement[]).filter((s) => s.Effect === 'Allow');
    expect(statements).toHaveLength(6 + 6 + 3 + 6); // every statement of the four roles above
    const wildcards = statements.flatMap((s) =>
      list(s.Action)
        .filter((a) => a.includes('*'))
        .map((a) => `${s.Sid}: ${a}`),
    );
    expect(wildcards).toEqual([]);
    const everything = statements.filter((s) =>
      list(s.Resource).some((r) => r === '*' || (typeof r === 'string' && /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r))),
    );
    expect(everything.map((s) => [s.Sid, list(s.Action)])).toEqual([['ListTableStreams', ['dynamodb:ListStreams']]]);
  });

  it('four roles, one per function, assumable by Lambda only, with no managed or inline policy', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(4);
    for (const role of roles) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });
});

/**
 * Clients and resources on the emulators the integration project's global setup started
 * (`test/integration/emulators.global.ts`): every client points at 127.0.0.1 explicitly.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateStreamCommand, DescribeStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createKinesisClient } from '../../src/adapters/aws/kinesis-tick-publisher.js';
import { decodeLines } from '../../src/adapters/shared/lake-codec.js';

export const REGION = 'us-east-1';
// DynamoDB Local keeps tables apart per access key (letters and digits only): every client uses
// these, and so does the integration project's env.
export const CREDENTIALS = { accessKeyId: 'tickflowtest', secretAccessKey: 'tickflowtest' };

/** The emulators' endpoints. */
export function endpoints() {
  return inject('emulators');
}

/** SDK clients on the emulators. */
export function awsClients(config: Partial<DynamoDBClientConfig> = {}) {
  const e = endpoints();
  const common = { region: REGION, credentials: CREDENTIALS };
  return {
    kinesis: createKinesisClient({ ...common, endpoint: e.kinesis }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: e.dynamodb, ...config }),
    streams: new DynamoDBStreamsClient({ ...common, endpoint: e.dynamodb }),
    s3: new S3Client({ ...common, endpoint: e.fauxqs }),
    sns: new SNSClient({ ...common, endpoint: e.fauxqs }),
    sqs: new SQSClient({ ...common, endpoint: e.fauxqs }),
  };
}

let counter = 0;
/** A resource name no other test (or worker) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}-${Date.now() % 1_000_000}`;
}

/**
 * Polls `check` until it returns a value that is not `undefined`/`false`, or fails after the
 * deadline saying what it waited for. For state that settles over the wire; never a fixed sleep.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

/** The tickflow table of DESIGN.md §4 (pk/sk, on demand, stream NEW_AND_OLD_IMAGES, TTL on expiresAt); returns its stream ARN. */
export async function createTable(client: DynamoDBClient, name: string): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }),
  );
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const arn = Table?.LatestStreamArn;
  if (arn === undefined) throw new Error(`table ${name} has no stream`);
  return arn;
}

/** A Kinesis stream with `shards` shards, ACTIVE; returns its ARN and shard ids. */
export async function createStream(client: KinesisClient, name: string, shards = 1): Promise<{ arn: string; shardIds: string[] }> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return until(`stream ${name} to be ACTIVE`, async () => {
    const { StreamDescription: d } = await client.send(new DescribeStreamCommand({ StreamName: name }));
    if (d?.StreamStatus !== 'ACTIVE' || d.StreamARN === undefined) return undefined;
    return { arn: d.StreamARN, shardIds: (d.Shards ?? []).map((s) => s.ShardId as string) };
  });
}

/** A bucket. */
export async function createBucket(client: S3Client, name: string): Promise<string> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** Every key under a prefix (all pages). */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return keys.sort();
}

/** An object's bytes, or undefined if there is none. */
export async function getObject(client: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Body ? await Body.transformToByteArray() : undefined;
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
    throw error;
  }
}

/** The NDJSON lines of a lake object. */
export async function objectLines(client: S3Client, bucket: string, key: string): Promise<string[] | undefined> {
  const body = await getObject(client, bucket, key);
  return body === undefined ? undefined : decodeLines(body);
}

/** A topic (FIFO when the name ends in .fifo). */
export async function createTopic(client: SNSClient, name: string): Promise<string> {
  const fifo = name.endsWith('.fifo');
  const { TopicArn } = await client.send(new CreateTopicCommand({ Name: name, ...(fifo ? { Attributes: { FifoTopic: 'true' } } : {}) }));
  if (TopicArn === undefined) throw new Error(`no ARN for topic ${name}`);
  return TopicArn;
}

/** A queue subscribed to a topic, optionally with a filter policy on message attributes and raw delivery. */
export async function subscribedQueue(
  clients: { sns: SNSClient; sqs: SQSClient },
  topicArn: string,
  name: string,
  options: { filterPolicy?: Record<string, unknown>; raw?: boolean } = {},
): Promise<string> {
  const fifo = name.endsWith('.fifo');
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }),
  );
  if (QueueUrl === undefined) throw new Error(`no URL for queue ${name}`);
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const attributes: Record<string, string> = {};
  if (options.filterPolicy) attributes.FilterPolicy = JSON.stringify(options.filterPolicy);
  if (options.raw) attributes.RawMessageDelivery = 'true';
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn, Attributes: attributes }),
  );
  return QueueUrl;
}

/** Every message waiting in a queue, received and deleted (a FIFO queue holds back a group's next message until then). */
export async function drainQueue(
  client: SQSClient,
  queueUrl: string,
): Promise<{ body: string; attributes: Record<string, string | undefined> }[]> {
  const out: { body: string; attributes: Record<string, string | undefined> }[] = [];
  for (;;) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!Messages || Messages.length === 0) return out;
    for (const m of Messages) {
      const attributes = Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      out.push({ body: m.Body ?? '', attributes });
    }
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoStreamsChangeFeed } from '../../../../src/adapters/aws/dynamo-streams-change-feed.js';

// DynamoDB Local never splits a stream's shard nor lets an iterator expire: those paths are checked here.
const streams = mockClient(DynamoDBStreamsClient);
afterEach(() => streams.reset());

const ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/tickflow/stream/2024-01-02T00:00:00.000';
const insert = (seq: string) => ({
  eventID: `e${seq}`,
  eventName: 'INSERT' as const,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: {
    ApproximateCreationDateTime: new Date(Date.UTC(2024, 0, 2, 14, 30)),
    Keys: { pk: { S: 'SYMBOL#AAPL' }, sk: { S: `TICK#${seq.padStart(15, '0')}` } },
    SequenceNumber: seq,
    SizeBytes: 50,
    StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
  },
});

describe('DynamoStreamsChangeFeed', () => {
  it('reads a parent shard to its end before its child, and gives records in the Lambda event shape', async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { Shards: [{ ShardId: 'child', ParentShardId: 'parent' }, { ShardId: 'parent' }] },
    });
    streams.on(GetShardIteratorCommand).callsFake((input: { ShardId: string }) => ({ ShardIterator: `it-${input.ShardId}` }));
    streams
      .on(GetRecordsCommand, { ShardIterator: 'it-parent' })
      .resolves({ Records: [insert('1'), insert('2')], NextShardIterator: undefined }) // closed
      .on(GetRecordsCommand, { ShardIterator: 'it-child' })
      .resolves({ Records: [insert('3')], NextShardIterator: 'it-child-2' })
      .on(GetRecordsCommand, { ShardIterator: 'it-child-2' })
      .resolves({ Records: [], NextShardIterator: 'it-child-2' });
    const feed = new DynamoStreamsChangeFeed({ client: new DynamoDBStreamsClient({}), streamArn: ARN });
    const first = await feed.readRecords(10);
    // The child comes first in the listing, but waits until its parent is read to the end.
    expect(first.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['1', '2']);
    expect(first[0]).toMatchObject({ eventSourceARN: ARN, dynamodb: { ApproximateCreationDateTime: 1_704_205_800 } });
    expect((await feed.take(10)).map((c) => c.sequenceNumber)).toEqual(['3']);
    expect(await feed.take(10)).toEqual([]);
  });

  it('picks up after the last record read when its iterator has expired', async () => {
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: 's' }] } });
    streams
      .on(GetShardIteratorCommand, { ShardIteratorType: 'TRIM_HORIZON' })
      .resolves({ ShardIterator: 'first' })
      .on(GetShardIteratorCommand, { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '1' })
      .resolves({ ShardIterator: 'after-1' });
    streams
      .on(GetRecordsCommand, { ShardIterator: 'first' })
      .resolves({ Records: [insert('1')], NextShardIterator: 'stale' })
      .on(GetRecordsCommand, { ShardIterator: 'stale' })
      .rejects(Object.assign(new Error('Iterator expired'), { name: 'ExpiredIteratorException' }))
      .on(GetRecordsCommand, { ShardIterator: 'after-1' })
      .resolves({ Records: [insert('2')], NextShardIterator: 'next' });
    const feed = new DynamoStreamsChangeFeed({ client: new DynamoDBStreamsClient({}), streamArn: ARN });
    expect((await feed.take(1)).map((c) => c.sequenceNumber)).toEqual(['1']);
    expect((await feed.take(1)).map((c) => c.sequenceNumber)).toEqual(['2']);
  });
});

import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KinesisTickPublisher } from '../../../../src/adapters/aws/kinesis-tick-publisher.js';
import { RetryPolicy } from '../../../../src/adapters/aws/retry-policy.js';

const kinesis = mockClient(KinesisClient);
afterEach(() => kinesis.reset());

const record = (partitionKey: string) => ({ partitionKey, data: new TextEncoder().encode(`{"symbol":"${partitionKey}"}`) });
const error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('RetryPolicy', () => {
  it('waits a random part of a ceiling that doubles from the base and stops at the cap', () => {
    const top = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 9].map((n) => top.delayMs(n))).toEqual([99, 199, 399, 799, 999, 999]);
    const half = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    expect(half.delayMs(3)).toBe(200);
  });

  it('retries throttling, 5xx and dropped connections, not validation or access errors', () => {
    expect(RetryPolicy.isTransient(error('ProvisionedThroughputExceededException', 400))).toBe(true);
    expect(RetryPolicy.isTransient(error('Whatever', 503))).toBe(true);
    expect(RetryPolicy.isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(RetryPolicy.isTransient(error('ValidationException', 400))).toBe(false);
    expect(RetryPolicy.isTransient(error('AccessDeniedException', 400))).toBe(false);
    expect(RetryPolicy.isTransient('not an error')).toBe(false);
  });

  it('retries any status from 500 up and 429 whatever the error is called, and no other 4xx', () => {
    expect(RetryPolicy.isTransient(error('Whatever', 500))).toBe(true);
    expect(RetryPolicy.isTransient(error('SomethingNewException', 429))).toBe(true);
    expect(RetryPolicy.isTransient(error('ResourceNotFoundException', 404))).toBe(false);
    expect(RetryPolicy.isTransient(error('ValidationException', 400))).toBe(false);
  });
});

describe('KinesisTickPublisher requests', () => {
  it('retries a throttled call with growing pauses, then delivers', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(error('ProvisionedThroughputExceededException', 400))
      .rejectsOnce(error('InternalFailure', 500))
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    const pauses: number[] = [];
    const publisher = new KinesisTickPublisher({
      client: new KinesisClient({}),
      stream: 'ticks',
      baseDelayMs: 100,
      random: () => 0.5,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(await publisher.publish([record('AAPL')])).toEqual({ sent: 1, undelivered: [] });
    expect(pauses).toEqual([50, 100]);
  });

  it('names the stream by ARN and by name in the request, and refuses what is neither', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
    const arn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/tickflow-ticks';
    await new KinesisTickPublisher({ client: new KinesisClient({}), stream: arn }).publish([record('AAPL')]);
    expect(kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input).toMatchObject({ StreamARN: arn, StreamName: 'tickflow-ticks' });
    expect(() => new KinesisTickPublisher({ client: new KinesisClient({}), stream: 'no spaces' })).toThrow(
      /not a Kinesis stream name or ARN/,
    );
  });

  it('returns the whole batch undelivered when the service keeps failing, after the configured attempts', async () => {
    kinesis.on(PutRecordsCommand).rejects(error('ServiceUnavailable', 503));
    const publisher = new KinesisTickPublisher({ client: new KinesisClient({}), stream: 'ticks', maxAttempts: 3, sleep: async () => {} });
    const report = await publisher.publish([record('A'), record('B')]);
    expect(report.sent).toBe(0);
    expect(report.undelivered.map((u) => u.errorCode)).toEqual(['ServiceUnavailable', 'ServiceUnavailable']);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(3);
  });
});

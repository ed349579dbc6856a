import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsAlertPublisher } from '../../../../src/adapters/aws/sns-alert-publisher.js';
import { ManualClock } from '../../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../../../src/adapters/local/memory-market-store.js';
import { FlowStats } from '../../../../src/domain/flow-stats.js';
import { DetectTrends } from '../../../../src/domain/usecases/detect-trends.js';
import { makeTrendHandler } from '../../../../src/handlers/trend.js';
import { nthAlert } from '../../../support/alerts.js';

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:tickflow-alerts';
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const alert = nthAlert;

describe('SnsAlertPublisher requests', () => {
  it('returns throttled alerts as failed, with the error, instead of throwing', async () => {
    sns.on(PublishBatchCommand).rejects(throttled());
    sns.on(PublishCommand).rejects(throttled());
    const publisher = new SnsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC });
    const two = await publisher.publish([alert(0), alert(1)]);
    expect(two.failed.map((f) => [f.alert.id, f.error])).toEqual([
      [alert(0).id, 'ThrottlingException: Rate exceeded'],
      [alert(1).id, 'ThrottlingException: Rate exceeded'],
    ]);
    expect((await publisher.publish([alert(2)])).failed).toHaveLength(1);
  });

  it('reports the entries PublishBatch refused, and only those', async () => {
    sns.on(PublishBatchCommand).resolves({
      Successful: [{ Id: 'a0', MessageId: 'm0' }],
      Failed: [{ Id: 'a1', Code: 'InternalError', Message: 'try again', SenderFault: false }],
    });
    const { failed } = await new SnsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC }).publish([alert(0), alert(1)]);
    expect(failed).toEqual([{ alert: alert(1), error: 'InternalError: try again' }]);
  });

  it('returns as failed an entry PublishBatch listed neither as successful nor as failed: only a listed success is sent', async () => {
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: 'a0', MessageId: 'm0' }], Failed: [] });
    const { failed } = await new SnsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC }).publish([alert(0), alert(1)]);
    expect(failed).toEqual([{ alert: alert(1), error: 'SNS reported neither success nor failure for this alert' }]);
  });

  it('sends at most 10 entries per PublishBatch, with ids SNS accepts, and FIFO group and deduplication ids', async () => {
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
      Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: e.Id })),
      Failed: [],
    }));
    const alerts = Array.from({ length: 23 }, (_, i) => alert(i));
    expect(await new SnsAlertPublisher({ client: new SNSClient({}), topicArn: `${TOPIC}.fifo` }).publish(alerts)).toEqual({ failed: [] });
    const calls = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    const first = calls[0]?.[0];
    expect(first?.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(first).toMatchObject({ MessageGroupId: 'AAPL', MessageDeduplicationId: alert(0).id });
    expect(first?.MessageAttributes?.signal).toEqual({ DataType: 'String', StringValue: 'GOLDEN_CROSS' });
    expect(SnsAlertPublisher.parseMessage(first?.Message ?? '')).toEqual(alert(0));
  });

  it('sends the PublishBatch calls one after another, in alert order, so a FIFO topic gets a symbol’s alerts in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { minLength: 2, maxLength: 5 }), async (delays) => {
        sns.reset();
        const events: string[] = [];
        let call = 0;
        sns.on(PublishBatchCommand).callsFake(async (input: { PublishBatchRequestEntries: { Id: string; Message: string }[] }) => {
          const c = call++;
          const first = SnsAlertPublisher.parseMessage(input.PublishBatchRequestEntries[0]?.Message ?? '')?.id;
          events.push(`start ${c} ${first}`);
          // Earlier calls answer later: a publisher that does not wait would overlap them.
          for (let i = 0; i < (delays[c] ?? 0); i++) await new Promise((resolve) => setImmediate(resolve));
          events.push(`end ${c}`);
          return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
        });
        const alerts = Array.from({ length: (delays.length - 1) * 10 + 1 }, (_, i) => alert(i));
        expect(await new SnsAlertPublisher({ client: new SNSClient({}), topicArn: `${TOPIC}.fifo` }).publish(alerts)).toEqual({
          failed: [],
        });
        expect(events).toEqual(delays.flatMap((_, c) => [`start ${c} ${alert(c * 10).id}`, `end ${c}`]));
      }),
      { numRuns: 50 },
    );
  });

  it('on a FIFO topic, stops at a failed PublishBatch: no later alert overtakes an earlier one', async () => {
    sns.on(PublishBatchCommand).rejectsOnce(throttled()).resolves({ Successful: [], Failed: [] });
    const alerts = Array.from({ length: 25 }, (_, i) => alert(i));
    const fifo = await new SnsAlertPublisher({ client: new SNSClient({}), topicArn: `${TOPIC}.fifo` }).publish(alerts);
    expect(fifo.failed.map((f) => f.alert.id)).toEqual(alerts.map((a) => a.id));
    expect(fifo.failed[10]?.error).toBe(
      'not sent: an earlier alert failed (ThrottlingException: Rate exceeded), and a FIFO topic must get them in order',
    );
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    // A standard topic promises no order: the later batches still go.
    sns.reset();
    sns
      .on(PublishBatchCommand)
      .rejectsOnce(throttled())
      .callsFake(async (input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })),
      }));
    const standard = await new SnsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC }).publish(alerts);
    expect(standard.failed).toHaveLength(10);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(3);
  });

  it('under the trend handler, a throttled publish is a retryable failure: the alert stays pending and goes out once on redelivery', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 3));
    const store = new MemoryMarketStore({ clock });
    const logger = new MemoryLogger();
    const publisher = new SnsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC, clock });
    const detect = new DetectTrends(
      { store, alerts: publisher, clock, observer: new FlowStats(), logger },
      { short: 1, long: 2, priceDecimals: 0 },
    );
    const handler = makeTrendHandler(detect, logger);
    // Prices 1, 2, 2, 1 → one death cross, at the fourth tick.
    await store.putTicks([1, 2, 2, 1].map((units, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units, volume: 1 })));
    const event: DynamoDBStreamEvent = {
      Records: [1000, 1001, 1002, 1003].map((ts, i) => ({
        eventName: 'INSERT',
        dynamodb: { Keys: { pk: { S: 'SYMBOL#AAPL' }, sk: { S: `TICK#${String(ts).padStart(15, '0')}` } }, SequenceNumber: String(10 + i) },
      })),
    };

    sns.on(PublishCommand).rejects(throttled());
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '10' }] });
    expect((await store.getTrend('AAPL')).pending.map((a) => a.id)).toEqual(['AAPL#1003#DEATH_CROSS']);

    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(sns.commandCalls(PublishCommand).map((c) => SnsAlertPublisher.parseMessage(c.args[0].input.Message ?? '')?.id)).toEqual([
      'AAPL#1003#DEATH_CROSS',
    ]);
    expect((await store.getTrend('AAPL')).pending).toEqual([]);
  });
});

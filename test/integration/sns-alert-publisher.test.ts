import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsAlertPublisher } from '../../src/adapters/aws/sns-alert-publisher.js';
import { makeAlert } from '../../src/domain/alert.js';
import type { Alert, Signal } from '../../src/ports/model.js';
import { awsClients, createTopic, drainQueue, subscribedQueue, uniqueName } from '../support/aws-emulators.js';

const T = Date.UTC(2024, 0, 2, 14, 30);
const alert = (symbol: string, i: number, signal: Signal): Alert =>
  makeAlert({ symbol, signal, timestamp: T + i * 1000, price: 187.43 + i, smaShort: 187.1 + i, smaLong: 186.9 + i });

/** The alert in an SQS message from an SNS subscription (enveloped unless raw). */
const alertOf = (body: string, raw = false) => SnsAlertPublisher.parseMessage(raw ? body : JSON.parse(body).Message);

describe('SnsAlertPublisher on fauxqs', () => {
  let sns: SNSClient;
  let sqs: SQSClient;
  beforeAll(() => {
    ({ sns, sqs } = awsClients());
  });
  afterAll(() => {
    sns.destroy();
    sqs.destroy();
  });

  it('delivers to a subscription filtering on signal exactly the matching alerts, with their attributes', async () => {
    const topicArn = await createTopic(sns, uniqueName('alerts'));
    const golden = await subscribedQueue({ sns, sqs }, topicArn, uniqueName('golden'), {
      filterPolicy: { signal: ['GOLDEN_CROSS'] },
      raw: true,
    });
    const all = await subscribedQueue({ sns, sqs }, topicArn, uniqueName('all'));
    const alerts = [
      alert('AAPL', 0, 'GOLDEN_CROSS'),
      alert('MSFT', 1, 'DEATH_CROSS'),
      ...Array.from({ length: 11 }, (_, i) => alert('BRK-B', 2 + i, i % 2 === 0 ? 'GOLDEN_CROSS' : 'DEATH_CROSS')),
    ];
    const publisher = new SnsAlertPublisher({ client: sns, topicArn });
    expect(await publisher.publish(alerts.slice(0, 1))).toEqual({ failed: [] }); // Publish
    expect(await publisher.publish(alerts.slice(1))).toEqual({ failed: [] }); // PublishBatch, 10 + 2

    const filtered = await drainQueue(sqs, golden);
    expect(filtered.map((m) => alertOf(m.body, true))).toEqual(alerts.filter((a) => a.signal === 'GOLDEN_CROSS'));
    expect(filtered[0]?.attributes).toEqual({ symbol: 'AAPL', signal: 'GOLDEN_CROSS', trend: 'UPTREND' });

    const everything = await drainQueue(sqs, all);
    expect(everything.map((m) => alertOf(m.body))).toEqual(alerts);
    const envelope = JSON.parse(everything[1]?.body ?? '{}');
    expect(envelope.Subject).toBe('tickflow: MSFT DEATH_CROSS (DOWNTREND)');
    expect(envelope.Message.split('\n')[0]).toBe(
      'MSFT: DEATH_CROSS (DOWNTREND) at 188.43 on 2024-01-02T14:30:01.000Z — SMA-short 188.1 crossed below SMA-long 187.9.',
    );
    expect(envelope.MessageAttributes.signal).toEqual({ Type: 'String', Value: 'DEATH_CROSS' });
  });

  it('on a FIFO topic, delivers a re-sent alert once (deduplication id = alert id)', async () => {
    const topicArn = await createTopic(sns, `${uniqueName('alerts')}.fifo`);
    const queue = await subscribedQueue({ sns, sqs }, topicArn, `${uniqueName('fifo')}.fifo`, { raw: true });
    const publisher = new SnsAlertPublisher({ client: sns, topicArn });
    const a = alert('AAPL', 0, 'GOLDEN_CROSS');
    const b = alert('AAPL', 1, 'DEATH_CROSS');
    expect(await publisher.publish([a])).toEqual({ failed: [] });
    expect(await publisher.publish([a, b])).toEqual({ failed: [] }); // a again: a retry after a lost response
    expect(await publisher.publish([a])).toEqual({ failed: [] });
    expect((await drainQueue(sqs, queue)).map((m) => alertOf(m.body, true)?.id)).toEqual([a.id, b.id]);
  });

  it('reports the alerts of a topic that does not exist as failed, without throwing', async () => {
    const a = alert('AAPL', 0, 'GOLDEN_CROSS');
    const publisher = new SnsAlertPublisher({ client: sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:no-such-topic' });
    const { failed } = await publisher.publish([a, alert('AAPL', 1, 'DEATH_CROSS')]);
    expect(failed.map((f) => f.alert.signal)).toEqual(['GOLDEN_CROSS', 'DEATH_CROSS']);
    expect(failed[0]?.error).toMatch(/^NotFound/);
  });
});

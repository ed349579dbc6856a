/**
 * A publish bounded by the claim on its alerts (`PublishOptions.withinMs`): the SNS publisher
 * starts no request attempt it could not finish in time, so a trend invocation's claim never
 * lapses while it may still be sending, however slow SNS is and however many alerts there are.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnsAlertPublisher } from '../../../../src/adapters/aws/sns-alert-publisher.js';
import { ManualClock } from '../../../../src/adapters/local/clocks.js';
import { MemoryLogger } from '../../../../src/adapters/local/loggers.js';
import { MemoryMarketStore } from '../../../../src/adapters/local/memory-market-store.js';
import { trendContainer } from '../../../../src/container/trend-container.js';
import { FlowStats } from '../../../../src/domain/flow-stats.js';
import { symbolKey, tickKey } from '../../../../src/domain/store-layout.js';
import { DetectTrends } from '../../../../src/domain/usecases/detect-trends.js';
import { ALERT_PUBLISHER, type AlertPublisher } from '../../../../src/ports/alert-publisher.port.js';
import type { MarketStore } from '../../../../src/ports/market-store.port.js';
import type { Alert, ChangeRecord } from '../../../../src/ports/model.js';
import { nthAlert } from '../../../support/alerts.js';
import { failingAwsServer } from '../../../support/failing-aws-server.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:tickflow-alerts';
const NOW = Date.UTC(2024, 0, 3);
const alert = nthAlert;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** SNS answering every request with a 500 after 20 s of the test's clock. */
async function failingSns(clock: ManualClock) {
  const server = await failingAwsServer(
    {
      contentType: 'text/xml',
      body: '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>try again</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    },
    () => clock.advance(20_000),
  );
  closers.push(server.close);
  return { client: new SNSClient(server.config), requests: server.requests };
}

describe('SnsAlertPublisher with `withinMs`', () => {
  it("starts no attempt, the SDK's retries included, that could end after `withinMs`; the alerts left come back failed", async () => {
    const clock = new ManualClock(NOW);
    const { client, requests } = await failingSns(clock);
    const publisher = new SnsAlertPublisher({ client, topicArn: TOPIC, clock });
    const alerts = Array.from({ length: 25 }, (_, i) => alert(i)); // three PublishBatch calls

    // Unbounded: each of the three calls makes the SDK's three attempts.
    expect((await publisher.publish(alerts)).failed).toHaveLength(25);
    expect(requests()).toBe(9);

    // Within 60 s: attempts may start in its first 25 s (an attempt's worst case is 35 s). The
    // first call's attempts at 0 and 20 s go; its third, at 40 s, and the other two calls do not.
    const { failed } = await publisher.publish(alerts, { withinMs: 60_000 });
    expect(requests()).toBe(11);
    expect(failed.map((f) => f.alert.id)).toEqual(alerts.map((a) => a.id));
    expect(failed[0]?.error).toBe(
      'InvocationDeadlineError: PublishBatchCommand not sent: too little of the claim on these alerts is left for another attempt; an earlier attempt of this publish failed: PublishBatchCommand: InternalErrorException: try again',
    );
    expect(failed[24]?.error).toMatch(/^InvocationDeadlineError: PublishBatch not sent: too little of the claim on these alerts is left/);

    // One alert goes out with Publish, bounded the same way.
    expect((await publisher.publish([alert(0)], { withinMs: 60_000 })).failed).toHaveLength(1);
    expect(requests()).toBe(13);
    // Within less than one attempt's worst case: nothing is sent at all.
    expect((await publisher.publish([alert(0)], { withinMs: 34_999 })).failed).toHaveLength(1);
    expect(requests()).toBe(13);
  });

  it("the trend container's publisher, its client already guarded by the invocation deadline, sends within a bound", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    vi.stubEnv('AWS_ENDPOINT_URL_SNS', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'k');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 's');
    try {
      const publisher = trendContainer({
        AWS_REGION: 'eu-west-1',
        TICKFLOW_TABLE: 'tickflow',
        TICKFLOW_TOPIC_ARN: TOPIC,
      }).get<AlertPublisher>(ALERT_PUBLISHER);
      expect(await publisher.publish([alert(1)], { withinMs: 120_000 })).toEqual({ failed: [] });
      expect(requests).toBe(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('checks the bound before each send too, for a client that runs no command middleware', async () => {
    let sends = 0;
    const bare = {
      send: async () => {
        sends++;
        return { MessageId: 'm' };
      },
    } as unknown as SNSClient;
    const publisher = new SnsAlertPublisher({ client: bare, topicArn: TOPIC, clock: new ManualClock(NOW) });
    expect((await publisher.publish([alert(0)], { withinMs: 35_000 })).failed).toHaveLength(1);
    expect((await publisher.publish([alert(0), alert(1)], { withinMs: 35_000 })).failed).toHaveLength(2);
    expect(sends).toBe(0);
    expect(await publisher.publish([alert(0)], { withinMs: 35_001 })).toEqual({ failed: [] });
    expect(sends).toBe(1);
  });

  it('under DetectTrends: a holder ended by its timeout mid-publish has sent nothing the next holder sends again', async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    // Prices 1, 2, 1, 2, … with SMA 1/2: a crossover at nearly every tick, 60 alerts (6 PublishBatch calls).
    const n = 62;
    await store.putTicks(Array.from({ length: n }, (_, i) => ({ symbol: 'AAPL', timestamp: 1000 + i, units: 1 + (i % 2), volume: 1 })));
    const records: ChangeRecord[] = Array.from({ length: n }, (_, i) => ({
      eventName: 'INSERT',
      sequenceNumber: String(1 + i),
      keys: { pk: symbolKey('AAPL'), sk: tickKey(1000 + i) },
    }));
    // The platform ends an invocation at its deadline: nothing it sends after that gets anywhere.
    let deadline = NOW + 120_000;
    const ended = () => clock.now() >= deadline;
    const frozen: MarketStore = Object.assign(Object.create(store) as MarketStore, {
      saveTrend: (...a: Parameters<MarketStore['saveTrend']>) => (ended() ? Promise.reject(new Error('ended')) : store.saveTrend(...a)),
      markAlertsSent: (...a: Parameters<MarketStore['markAlertsSent']>) =>
        ended() ? Promise.reject(new Error('ended')) : store.markAlertsSent(...a),
    });
    // SNS slow but answering: 25 s a PublishBatch (under an attempt's worst case, no retry).
    const delivered: string[] = [];
    let perRequestMs = 25_000;
    const slowSns = {
      send: async (command: { input: { PublishBatchRequestEntries?: { Message?: string }[]; Message?: string } }) => {
        if (ended()) throw new Error('ended');
        clock.advance(perRequestMs);
        if (ended()) throw new Error('ended'); // no answer: taken as not delivered
        const entries = command.input.PublishBatchRequestEntries ?? [{ Message: command.input.Message }];
        for (const e of entries) delivered.push((SnsAlertPublisher.parseMessage(e.Message ?? '') as Alert).id);
        return { Successful: entries.map((_, i) => ({ Id: `a${i}` })), Failed: [] };
      },
    } as unknown as SNSClient;
    const make = (s: MarketStore) =>
      new DetectTrends(
        {
          store: s,
          alerts: new SnsAlertPublisher({ client: slowSns, topicArn: TOPIC, clock }),
          clock,
          observer: new FlowStats(),
          logger: new MemoryLogger(),
        },
        { short: 1, long: 2, priceDecimals: 0 },
      );

    const first = await make(frozen).execute(records, { timeLeftMs: () => deadline - clock.now() });
    expect(first.firstFailure).toBe('1');
    const sentFirst = delivered.length;
    expect(sentFirst).toBeGreaterThan(0);
    expect(sentFirst).toBeLessThan(60);
    // It stopped in time to record what it sent, and gave the claim back.
    expect(await store.getTrend('AAPL')).toMatchObject({ claimedUntil: 0 });
    expect((await store.getTrend('AAPL')).pending).toHaveLength(60 - sentFirst);

    // Lambda delivers the batch again, to an invocation with its time ahead of it; SNS is well.
    perRequestMs = 100;
    deadline = clock.now() + 120_000;
    expect((await make(store).execute(records, { timeLeftMs: () => deadline - clock.now() })).firstFailure).toBeUndefined();
    expect(new Set(delivered).size).toBe(60);
    expect(delivered).toHaveLength(60); // each once
  });

  it('in a 3 s invocation, a publish of 500 alerts too long for it records what it got out; the redeliveries go on from there', async () => {
    const clock = new ManualClock(NOW);
    const store = new MemoryMarketStore({ clock });
    const pending = Array.from({ length: 500 }, (_, i) => alert(i));
    await store.saveTrend({ symbol: 'AAPL', last: -1, lastTimestamp: 1003, version: 1, pending, claimedUntil: 0 }, 0, pending);
    // 70 ms a PublishBatch (50 of them: 3.5 s); at its end the platform freezes the invocation.
    let end = 0;
    const delivered: string[] = [];
    const slowSns = {
      send: (command: { input: { PublishBatchRequestEntries?: { Message?: string }[]; Message?: string } }) => {
        clock.advance(70);
        if (clock.now() > end) return new Promise(() => {}); // timed out: no answer, ever
        const entries = command.input.PublishBatchRequestEntries ?? [{ Message: command.input.Message }];
        for (const e of entries) delivered.push((SnsAlertPublisher.parseMessage(e.Message ?? '') as Alert).id);
        return Promise.resolve({ Successful: entries.map((_, i) => ({ Id: `a${i}` })), Failed: [] });
      },
    } as unknown as SNSClient;
    const detect = new DetectTrends(
      {
        store,
        alerts: new SnsAlertPublisher({ client: slowSns, topicArn: TOPIC, clock }),
        clock,
        observer: new FlowStats(),
        logger: new MemoryLogger(),
      },
      { short: 1, long: 2, priceDecimals: 0 },
    );
    const record: ChangeRecord[] = [{ eventName: 'INSERT', sequenceNumber: '1', keys: { pk: symbolKey('AAPL'), sk: tickKey(1003) } }];
    for (let delivery = 0; delivery < 10 && (await store.getTrend('AAPL')).pending.length > 0; delivery++) {
      end = clock.now() + 3_000;
      const run = detect.execute(record, { timeLeftMs: () => end - clock.now() });
      await Promise.race([run, new Promise((resolve) => setTimeout(resolve, 20))]);
      clock.advance(61_000); // Lambda delivers the batch again
    }
    expect((await store.getTrend('AAPL')).pending).toEqual([]);
    expect(delivered).toEqual(pending.map((a) => a.id)); // each once, in order
  });
});

import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoMarketStore } from '../../../../src/adapters/aws/dynamo-market-store.js';
import {
  guardWithDeadline,
  InvocationDeadline,
  InvocationDeadlineError,
  withDeadline,
} from '../../../../src/adapters/aws/invocation-deadline.js';
import { RetryPolicy } from '../../../../src/adapters/aws/retry-policy.js';
import { ManualClock } from '../../../../src/adapters/local/clocks.js';
import { partitionOf } from '../../../../src/domain/enrich.js';
import { type FailingAwsServer, failingAwsServer } from '../../../support/failing-aws-server.js';

/** DynamoDB answering every request with a 500; each request moves the clock on 20 s (a slow service). */
async function failingDynamo(clock: { now: number }) {
  const server = await failingAwsServer(
    {
      contentType: 'application/x-amz-json-1.0',
      body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'try again' }),
    },
    () => {
      clock.now += 20_000;
    },
  );
  servers.push(server);
  return { client: new DynamoDBClient(server.config), requests: server.requests };
}

const servers: FailingAwsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const get = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } });

describe('InvocationDeadline', () => {
  it("stops a client's retries when the invocation has too little time left, and not outside an invocation", async () => {
    const clock = { now: 0 };
    const deadline = new InvocationDeadline(() => clock.now);
    const { client, requests } = await failingDynamo(clock);
    guardWithDeadline(client, deadline);

    // No invocation: the SDK's three attempts.
    expect(((await client.send(get).catch((e: unknown) => e)) as Error).name).toBe('InternalServerError');
    expect(requests()).toBe(3);

    // 60 s left: attempts may start until 30 s (an attempt's worst case is 35 s: half the time
    // is the later). The first at 0 s and the second at 20 s go; the third, at 40 s, is not sent.
    const handler = withDeadline(deadline, () => client.send(get));
    const error = await handler(undefined, { getRemainingTimeInMillis: () => 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationDeadlineError);
    expect((error as Error).message).toBe(
      'GetItemCommand not sent: too little of this invocation is left for another attempt; an earlier attempt of this invocation failed: GetItemCommand: InternalServerError: try again',
    );
    expect(requests()).toBe(5);
    // Not retryable, by the SDK or by the adapters: they stop and report what is left.
    expect(RetryPolicy.isTransient(error)).toBe(false);

    // The invocation over, no deadline holds.
    clock.now += 1_000_000;
    await client.send(get).catch(() => undefined);
    expect(requests()).toBe(8);
    // A short function (20 s): attempts start in its first half, 10 s.
    const short = withDeadline(deadline, () => client.send(get));
    await short(undefined, { getRemainingTimeInMillis: () => 20_000 }).catch(() => undefined);
    expect(requests()).toBe(9);
  });

  it('ends an adapter that retries on its own, instead of letting its attempts outlast the function', async () => {
    const clock = { now: 0 };
    const deadline = new InvocationDeadline(() => clock.now);
    const { client, requests } = await failingDynamo(clock);
    const store = new DynamoMarketStore({
      client: guardWithDeadline(client, deadline),
      table: 't',
      clock: new ManualClock(0),
      sleep: async () => {},
    });
    const timestamp = Date.UTC(2024, 0, 2, 14, 30);
    const tick = {
      symbol: 'AAPL',
      timestamp,
      units: 1,
      price: 0.000001,
      volume: 1,
      source: 't',
      ingestedAt: 0,
      sequence: '1',
      partition: partitionOf(timestamp),
    };
    // Unguarded, the store's 8 attempts of the SDK's 3 would take 24 requests (8 minutes at
    // 20 s each); within a 60 s invocation it stops after two.
    const error = await withDeadline(deadline, () => store.putTicks([tick]))(undefined, { getRemainingTimeInMillis: () => 60_000 }).catch(
      (e: unknown) => e,
    );
    // The refused attempt is a new call of the store's own retry: it still names an earlier failure.
    expect(String(error)).toMatch(
      /too little of this invocation is left for another attempt; an earlier attempt of this invocation failed: TransactWriteItemsCommand: InternalServerError/,
    );
    expect(requests()).toBe(2);
  });
});

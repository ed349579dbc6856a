import {
  BatchGetItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoMarketStore } from '../../../../src/adapters/aws/dynamo-market-store.js';
import { ManualClock } from '../../../../src/adapters/local/clocks.js';
import { advanceLatest } from '../../../../src/domain/latest-aggregate.js';
import { tickKey } from '../../../../src/domain/store-layout.js';
import type { Alert } from '../../../../src/ports/model.js';
import { goldenCrossAt } from '../../../support/alerts.js';

// What the emulator cannot be made to do on demand (cancel a transaction for a chosen reason,
// leave keys unprocessed, cut a page short): the requests and answers are checked here.
const ddb = mockClient(DynamoDBClient);
afterEach(() => ddb.reset());

const T = Date.UTC(2024, 0, 2, 14, 30);
const store = (maxAttempts = 4) =>
  new DynamoMarketStore({ client: new DynamoDBClient({}), table: 't', clock: new ManualClock(T), maxAttempts, sleep: async () => {} });
const ticks = (n: number, symbol = 'AAPL') =>
  Array.from({ length: n }, (_, i) => ({ symbol, timestamp: T + i, units: 1000 + i, volume: 1 }));

/** A cancelled transaction, one reason per action, as DynamoDB answers it. */
const cancelled = (codes: readonly string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const failure = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/** DynamoDB's documented cancellation reasons that a second attempt may get past. */
const RETRYABLE_REASONS = new Set(['None', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict']);

describe('DynamoMarketStore requests', () => {
  it('sends a tick transaction again only while every reason DynamoDB gave may pass on a retry, and a retryable error likewise (property)', async () => {
    const answerArb = fc.oneof(
      fc.constant({ ok: true as const }),
      fc
        .array(fc.constantFrom('None', 'ThrottlingError', 'TransactionConflict', 'ConditionalCheckFailed', 'ValidationError'), {
          minLength: 1,
          maxLength: 3,
        })
        .map((codes) => ({ codes })),
      fc
        .constantFrom('ThrottlingException', 'InternalServerError', 'ValidationException', 'AccessDeniedException')
        .map((name) => ({ name })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(answerArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        async (answers, maxAttempts) => {
          ddb.reset();
          let calls = 0;
          ddb.on(TransactWriteItemsCommand).callsFake(async () => {
            const a = answers[calls++] ?? { ok: true as const };
            if ('codes' in a) throw cancelled(a.codes);
            if ('name' in a) throw failure(a.name, a.name.endsWith('ServerError') ? 500 : 400);
            return {};
          });
          const outcome = await store(maxAttempts)
            .putTicks(ticks(3))
            .then(
              () => 'stored',
              () => 'failed',
            );
          // The oracle: attempt by attempt, go on while the answer is retryable and attempts remain.
          let expectedCalls = 0;
          let expected = 'stored';
          for (let attempt = 1; ; attempt++) {
            expectedCalls++;
            const a = answers[attempt - 1] ?? { ok: true as const };
            if ('ok' in a) break;
            const retryable =
              'codes' in a
                ? a.codes.every((c) => RETRYABLE_REASONS.has(c))
                : ['ThrottlingException', 'InternalServerError'].includes(a.name);
            if (!retryable || attempt >= maxAttempts) {
              expected = 'failed';
              break;
            }
          }
          expect({ outcome, calls }).toEqual({ outcome: expected, calls: expectedCalls });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes a symbol’s ticks in timestamp order, whatever order they are given in, 100 to a transaction (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(ticks(230), { minLength: 1 }), async (given) => {
        ddb.reset();
        const sent: string[][] = [];
        ddb.on(TransactWriteItemsCommand).callsFake(async (input: { TransactItems: { Put: { Item: { sk: { S: string } } } }[] }) => {
          sent.push(input.TransactItems.map((t) => t.Put.Item.sk.S));
          return {};
        });
        await store().putTicks(given);
        const inOrder = [...given].sort((a, b) => a.timestamp - b.timestamp).map((t) => tickKey(t.timestamp));
        expect(sent.flat()).toEqual(inOrder);
        expect(sent.every((s) => s.length <= 100)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('records any number of alerts in transactions of at most 100 actions, with the TREND put last (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 0, max: 250 }), fc.constantFrom(98, 99, 100, 101, 199, 200)), async (n) => {
        ddb.reset();
        const requests: string[][] = [];
        ddb.on(TransactWriteItemsCommand).callsFake(async (input: { TransactItems: { Put?: unknown; Update?: unknown }[] }) => {
          requests.push(input.TransactItems.map((t) => (t.Put ? 'TREND' : 'ALERT')));
          return {};
        });
        ddb.on(PutItemCommand).callsFake(async () => {
          requests.push(['TREND']);
          return {};
        });
        const alerts: Alert[] = Array.from({ length: n }, (_, i) => goldenCrossAt('AAPL', T + i));
        await store().saveTrend({ symbol: 'AAPL', last: 1, lastTimestamp: T + n, version: 1, pending: alerts, claimedUntil: 0 }, 0, alerts);
        expect(requests.every((r) => r.length <= 100)).toBe(true);
        expect(requests.flat().filter((a) => a === 'ALERT')).toHaveLength(n);
        expect(requests.flat().at(-1)).toBe('TREND');
        expect(requests.flat().filter((a) => a === 'TREND')).toHaveLength(1);
      }),
      { numRuns: 60 },
    );
  });

  it('reads again the LATEST keys DynamoDB left unprocessed', async () => {
    const latest = ['AAPL', 'MSFT'].map((s) => advanceLatest(undefined, ticks(2, s), 20));
    const items: Record<string, unknown>[] = [];
    ddb.on(PutItemCommand).callsFake(async (input: { Item: Record<string, unknown> }) => {
      items.push(input.Item);
      return {};
    });
    for (const l of latest) await store().putLatest(l);
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { t: [items[0] as never] },
        UnprocessedKeys: { t: { Keys: [{ pk: { S: 'SYMBOL#MSFT' }, sk: { S: 'LATEST' } }] } },
      })
      .resolves({ Responses: { t: [items[1] as never] } });
    const read = await store().getLatest(['AAPL', 'MSFT']);
    expect([...read.values()]).toEqual(latest);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(2);
  });

  it('reads the next page of recent ticks when DynamoDB cuts a Query short', async () => {
    const item = (ts: number) => ({ pk: { S: 'SYMBOL#AAPL' }, sk: { S: tickKey(ts) }, price: { N: '1.5' }, volume: { N: '1' } });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(T + 4), item(T + 3)], LastEvaluatedKey: { pk: { S: 'SYMBOL#AAPL' }, sk: { S: tickKey(T + 3) } } })
      .resolves({ Items: [item(T + 2)] });
    const read = await store().recentTicks('AAPL', T + 4, 3);
    expect(read.map((t) => t.timestamp)).toEqual([T + 2, T + 3, T + 4]);
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.Limit)).toEqual([3, 1]);
  });

  it('marking alerts SENT passes over an alert never recorded, and lets any other error through for the caller to log', async () => {
    const alert: Alert = {
      id: `AAPL#${T}#GOLDEN_CROSS`,
      symbol: 'AAPL',
      signal: 'GOLDEN_CROSS',
      trend: 'UPTREND',
      timestamp: T,
      price: 1,
      smaShort: 1,
      smaLong: 1,
    };
    ddb.on(UpdateItemCommand).rejectsOnce(failure('ConditionalCheckFailedException', 400)).rejects(failure('ThrottlingException', 400));
    await expect(store().markAlertsSent([alert])).resolves.toBeUndefined();
    await expect(store().markAlertsSent([alert])).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

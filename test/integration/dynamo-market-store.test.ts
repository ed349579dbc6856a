import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMarketStore } from '../../src/adapters/aws/dynamo-market-store.js';
import { DynamoStreamsChangeFeed } from '../../src/adapters/aws/dynamo-streams-change-feed.js';
import { matchesFilter, TICK_INSERT_FILTER } from '../../src/adapters/lambda-events/dynamodb-stream-event.js';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { advanceLatest } from '../../src/domain/latest-aggregate.js';
import { parseTickKeys } from '../../src/domain/store-layout.js';
import { ConflictError } from '../../src/ports/errors.js';
import type { Alert, StoredTick, TrendRecord } from '../../src/ports/model.js';
import { marketStoreContract } from '../contracts/market-store.contract.js';
import { goldenCrossAt } from '../support/alerts.js';
import { awsClients, createTable, uniqueName } from '../support/aws-emulators.js';
import { cancelTransactions, countCommands, loseAnswers } from '../support/sdk-middleware.js';

// The store's clock sets the TTL; DynamoDB Local really deletes expired items, in the
// background, so it must be now-ish: a clock in 2024 made ticks vanish mid-test.
const NOW = Date.now();
const T = Date.UTC(2024, 0, 2, 14, 30);
const noWait = { sleep: async () => {} };

let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let table: string;
let streamArn: string;
const extraClients: DynamoDBClient[] = [];

beforeAll(async () => {
  ({ dynamodb: ddb, streams } = awsClients());
  table = uniqueName('tickflow');
  streamArn = await createTable(ddb, table);
});
afterAll(() => {
  for (const c of [ddb, streams, ...extraClients]) c.destroy();
});

const clock = new ManualClock(NOW);
const storeOn = (client: DynamoDBClient, options: Partial<ConstructorParameters<typeof DynamoMarketStore>[0]> = {}) =>
  new DynamoMarketStore({ client, table, clock, ...options });
/** A client of its own, for tests that add middleware to it. */
const ownClient = () => {
  const c = awsClients().dynamodb;
  extraClients.push(c);
  return c;
};

/** Reads the table's stream from where the last call stopped. */
function streamReader() {
  const feed = new DynamoStreamsChangeFeed({ client: streams, streamArn });
  return async (): Promise<DynamoDBRecord[]> => {
    const out: DynamoDBRecord[] = [];
    for (;;) {
      const page = await feed.readRecords(1000);
      if (page.length === 0) return out;
      out.push(...page);
    }
  };
}

describe('DynamoMarketStore on DynamoDB Local', () => {
  let readStream: () => Promise<DynamoDBRecord[]>;
  beforeAll(() => {
    readStream = streamReader();
  });

  marketStoreContract('DynamoDB Local', async () => ({
    store: storeOn(ddb),
    tickInserts: async () =>
      (await readStream()).flatMap((r) => {
        const keys = r.eventName === 'INSERT' ? parseTickKeys(r.dynamodb?.Keys?.pk?.S ?? '', r.dynamodb?.Keys?.sk?.S ?? '') : undefined;
        return keys ? [keys] : [];
      }),
  }));

  it('stores a tick as its exact decimal price with a TTL, and reads it back to the unit', async () => {
    const store = storeOn(ddb, { tickTtlSeconds: 3600 });
    const tick: StoredTick = { symbol: 'EXACT', timestamp: T, units: 9_007_199_254_740_991, volume: 12 };
    await store.putTicks([tick]);
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'SYMBOL#EXACT' }, sk: { S: 'TICK#001704205800000' } } }),
    );
    expect(Item).toEqual({
      pk: { S: 'SYMBOL#EXACT' },
      sk: { S: 'TICK#001704205800000' },
      price: { N: '9007199254.740991' },
      volume: { N: '12' },
      expiresAt: { N: String(Math.floor(NOW / 1000) + 3600) },
    });
    expect(await store.recentTicks('EXACT', T, 1)).toEqual([tick]);
  });

  it('keeps LATEST with exact decimals and readable SMAs, and reads back exactly what was put', async () => {
    const store = storeOn(ddb, { short: 2, long: 3, priceDecimals: 2 });
    const first = advanceLatest(undefined, [{ symbol: 'LAT', timestamp: T, units: 1234, volume: 3 }], 3);
    await store.putLatest(first);
    const latest = advanceLatest(
      first,
      [1, 2, 3].map((i) => ({ symbol: 'LAT', timestamp: T + i, units: 1234 - 7 * i, volume: 10 ** 15 })),
      3,
    );
    await store.putLatest(latest);
    expect((await store.getLatest(['LAT'])).get('LAT')).toEqual(latest);
    const { Item } = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'SYMBOL#LAT' }, sk: { S: 'LATEST' } } }));
    expect(Item).toMatchObject({
      price: { N: '12.13' },
      change: { N: '-0.07' },
      window: { L: [{ N: '12.27' }, { N: '12.2' }, { N: '12.13' }] },
    });
    expect(Number(Item?.smaShort?.N)).toBeCloseTo(12.165, 10);
    expect(Number(Item?.smaLong?.N)).toBeCloseTo(12.2, 10);
  });

  it('keeps the TREND window as prices, so a store at other decimals reads the same prices (as it reads the ticks)', async () => {
    const at6 = storeOn(ddb, { priceDecimals: 6 });
    const trend: TrendRecord = {
      symbol: 'WINDOW',
      last: 1,
      lastTimestamp: T,
      version: 1,
      pending: [],
      claimedUntil: 0,
      window: [1_000_000, 1_250_000, 12_340_000],
    };
    await at6.saveTrend(trend, 0, []);
    expect(await at6.getTrend('WINDOW')).toEqual(trend);
    // Redeployed with TICKFLOW_PRICE_DECIMALS=2: the prices 1.00, 1.25 and 12.34 in units of 0.01.
    expect((await storeOn(ddb, { priceDecimals: 2 }).getTrend('WINDOW')).window).toEqual([100, 125, 1234]);
    // A price with more decimals than the store keeps is refused, as a tick's is.
    await at6.saveTrend({ ...trend, version: 2, window: [1_234_567] }, 1, []);
    await expect(storeOn(ddb, { priceDecimals: 2 }).getTrend('WINDOW')).rejects.toThrow(
      /window\[0\] is not a decimal with at most 2 places/,
    );
  });

  it('lets exactly one of two writers at the same TREND version win', async () => {
    const store = storeOn(ddb);
    const base: TrendRecord = { symbol: 'RACE', last: 1, lastTimestamp: T, version: 1, pending: [], claimedUntil: 0 };
    await store.saveTrend(base, 0, []);
    const results = await Promise.allSettled([
      store.saveTrend({ ...base, version: 2, last: -1 }, 1, []),
      store.saveTrend({ ...base, version: 2, lastTimestamp: T + 9 }, 1, []),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(ConflictError);
    expect((await store.getTrend('RACE')).version).toBe(2);
  });

  it('a put applied but whose answer was lost is done when the SDK sends it again; an equal put of another writer still conflicts', async () => {
    const client = ownClient();
    // The first attempt of every put reaches DynamoDB; its answer does not come back.
    const puts = loseAnswers(client, 'PutItemCommand', (call) => call % 2 === 0);
    const store = storeOn(client);
    const latest = advanceLatest(undefined, [{ symbol: 'LOST', timestamp: T, units: 187_430_000, volume: 5 }], 20);
    await store.putLatest(latest);
    expect((await store.getLatest(['LOST'])).get('LOST')).toEqual(latest);
    // The trend function's claim and clear: a lost answer must not lock it out of its own alerts.
    const claim: TrendRecord = { symbol: 'LOST', last: 1, lastTimestamp: T, version: 1, pending: [], claimedUntil: NOW + 60_000 };
    await store.saveTrend(claim, 0, []);
    const cleared: TrendRecord = { ...claim, version: 2, claimedUntil: 0 };
    await store.saveTrend(cleared, 1, []);
    expect(await store.getTrend('LOST')).toEqual(cleared);
    expect(puts.calls).toBe(6);
    // Two invocations on the same records make equal claims: only one may win.
    const racer = storeOn(ddb);
    const next: TrendRecord = { ...cleared, version: 3, claimedUntil: NOW + 60_000 };
    const results = await Promise.allSettled([racer.saveTrend(next, 2, []), racer.saveTrend(next, 2, [])]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason).toBeInstanceOf(ConflictError);
  });

  it('records an alert once: a retry leaves the first record (and its SENT status) as it is', async () => {
    const store = storeOn(ddb);
    const alert: Alert = {
      id: 'IDEM#1704205800000#DEATH_CROSS',
      symbol: 'IDEM',
      signal: 'DEATH_CROSS',
      trend: 'DOWNTREND',
      timestamp: T,
      price: 0.1,
      smaShort: 0.30000000000000004,
      smaLong: 0.3,
    };
    const key = { pk: { S: 'SYMBOL#IDEM' }, sk: { S: 'ALERT#001704205800000#DEATH_CROSS' } };
    await store.saveTrend({ symbol: 'IDEM', last: -1, lastTimestamp: T, version: 1, pending: [alert], claimedUntil: 1 }, 0, [alert]);
    expect((await ddb.send(new GetItemCommand({ TableName: table, Key: key }))).Item?.status).toEqual({ S: 'PENDING' });
    await store.markAlertsSent([alert]);
    await store.saveTrend({ symbol: 'IDEM', last: -1, lastTimestamp: T, version: 2, pending: [], claimedUntil: 0 }, 1, [
      { ...alert, price: 99 },
    ]);
    const { Item } = await ddb.send(new GetItemCommand({ TableName: table, Key: key }));
    expect(Item?.status).toEqual({ S: 'SENT' });
    expect(JSON.parse(Item?.alert?.S ?? '')).toEqual(alert);
    // Marking an alert that was never recorded creates nothing.
    await store.markAlertsSent([{ ...alert, timestamp: T + 1 }]);
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': { S: 'SYMBOL#IDEM' }, ':a': { S: 'ALERT#' } },
      }),
    );
    expect(Items).toHaveLength(1);
  });

  it('records more alerts than one transaction holds, then the TREND, and still detects a stale version', async () => {
    const store = storeOn(ddb);
    const alerts: Alert[] = Array.from({ length: 130 }, (_, i) => goldenCrossAt('MANY', T + i));
    const next: TrendRecord = { symbol: 'MANY', last: 1, lastTimestamp: T + 129, version: 1, pending: alerts, claimedUntil: 5 };
    await store.saveTrend(next, 0, alerts);
    expect(await store.getTrend('MANY')).toEqual(next);
    const { Count } = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': { S: 'SYMBOL#MANY' }, ':a': { S: 'ALERT#' } },
        Select: 'COUNT',
      }),
    );
    expect(Count).toBe(130);
    await expect(store.saveTrend({ ...next, version: 2 }, 0, alerts)).rejects.toBeInstanceOf(ConflictError);
  });

  it('writes a symbol’s ticks in transactions of up to 100 in timestamp order, again while DynamoDB cancels them for throttling', async () => {
    const client = ownClient();
    // Every other transaction is cancelled the first time it is sent.
    const calls = cancelTransactions(client, (call) => call % 2 === 0);
    const ticks = Array.from({ length: 250 }, (_, i) => ({ symbol: 'THROTTLED', timestamp: T + i, units: 100 + i, volume: 1 }));
    // Given out of order: they are written in order all the same.
    await storeOn(client, noWait).putTicks([...ticks].reverse());
    expect(calls).toEqual([100, 100, 100, 100, 50, 50]);
    expect(await storeOn(ddb).recentTicks('THROTTLED', T + 249, 300)).toEqual(ticks);
  });

  it('gives up, with an error for the use case to retry, when DynamoDB keeps cancelling, and stores nothing after the cancelled ticks', async () => {
    const client = ownClient();
    // The first transaction goes through; the second never does.
    const calls = cancelTransactions(client, (call) => call > 0);
    const ticks = Array.from({ length: 150 }, (_, i) => ({ symbol: 'NEVER', timestamp: T + i, units: 1 + i, volume: 1 }));
    await expect(storeOn(client, { ...noWait, maxAttempts: 3 }).putTicks(ticks)).rejects.toThrow(
      /^DynamoDB did not take 50 tick write\(s\) of SYMBOL#NEVER after 3 attempts \(ThrottlingError\)$/,
    );
    expect(calls).toEqual([100, 50, 50, 50]);
    expect(await storeOn(ddb).recentTicks('NEVER', T + 149, 200)).toEqual(ticks.slice(0, 100));
  });

  it('reads the newest N ticks before a time with a single Query', async () => {
    const client = ownClient();
    const counts = countCommands(client);
    const store = storeOn(client);
    const ticks = Array.from({ length: 40 }, (_, i) => ({ symbol: 'QUERY', timestamp: T + i * 10, units: 5000 + i, volume: i }));
    await store.putTicks(ticks);
    counts.clear();
    expect(await store.recentTicks('QUERY', T + 255, 21)).toEqual(ticks.slice(5, 26));
    expect([...counts]).toEqual([['QueryCommand', 1]]);
  });

  it("puts on the stream the tick writes the trend function's filter passes, and nothing for an unchanged rewrite", async () => {
    const read = streamReader();
    await read(); // skip what earlier tests wrote
    const store = storeOn(ddb);
    const ticks = [0, 1, 2].map((i) => ({ symbol: 'FEED', timestamp: T + i, units: 700 + i, volume: 1 }));
    await store.putTicks(ticks);
    await store.putLatest(advanceLatest(undefined, ticks, 20));
    await store.saveTrend({ symbol: 'FEED', last: 0, lastTimestamp: T + 2, version: 1, pending: [], claimedUntil: 0 }, 0, []);
    await store.putTicks(ticks); // unchanged: no record
    await store.putTicks([{ ...ticks[0], volume: 2 } as StoredTick]); // changed: a MODIFY, which the filter passes and the trend use case ignores
    // What TTL does to every tick after a week: a REMOVE, which the filter keeps out.
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'SYMBOL#FEED' }, sk: { S: 'TICK#001704205800001' } } }));
    const records = (await read()).filter((r) => r.dynamodb?.Keys?.pk?.S === 'SYMBOL#FEED');
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.sk?.S])).toEqual([
      ['INSERT', 'TICK#001704205800000'],
      ['INSERT', 'TICK#001704205800001'],
      ['INSERT', 'TICK#001704205800002'],
      ['INSERT', 'LATEST'],
      ['INSERT', 'TREND'],
      ['MODIFY', 'TICK#001704205800000'],
      ['REMOVE', 'TICK#001704205800001'],
    ]);
    const passed = records.filter((r) => matchesFilter(TICK_INSERT_FILTER, r));
    expect(passed.map((r) => [r.eventName, r.dynamodb?.Keys?.sk?.S])).toEqual([
      ['INSERT', 'TICK#001704205800000'],
      ['INSERT', 'TICK#001704205800001'],
      ['INSERT', 'TICK#001704205800002'],
      ['MODIFY', 'TICK#001704205800000'],
    ]);
    expect(passed[0]?.dynamodb?.NewImage).toEqual({
      pk: { S: 'SYMBOL#FEED' },
      sk: { S: 'TICK#001704205800000' },
      price: { N: '0.0007' },
      volume: { N: '1' },
      expiresAt: { N: String(Math.floor(NOW / 1000) + 7 * 86_400) },
    });
    expect(passed[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      dynamodb: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });
});

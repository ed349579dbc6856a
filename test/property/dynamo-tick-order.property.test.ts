/**
 * The order in which `DynamoMarketStore.putTicks` makes ticks visible, against a table that
 * throttles and answers concurrent requests in any order: a tick is never in the table
 * before an earlier tick of the same symbol and call. The trend function depends on it (it
 * applies the ticks up to the newest INSERT it is given; one committed later than a newer
 * one would be skipped).
 */
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoMarketStore } from '../../src/adapters/aws/dynamo-market-store.js';
import { ManualClock } from '../../src/adapters/local/clocks.js';
import { parseTickKeys } from '../../src/domain/store-layout.js';
import type { StoredTick } from '../../src/ports/model.js';

const TABLE = 'ticks';

/**
 * A table that, per request, takes the next step of `schedule`: how many turns of the event
 * loop it answers after (so concurrent requests finish in any order) and whether it is
 * throttled (a transaction cancelled whole; a BatchWriteItem that leaves a part unprocessed).
 * It checks the order of visibility on every commit.
 */
function throttlingTable(calls: readonly StoredTick[], schedule: readonly { delay: number; throttle: boolean; keep: number }[]) {
  const wanted = new Map<string, number[]>(); // per symbol, the call's timestamps ascending
  for (const t of calls) wanted.set(t.symbol, [...(wanted.get(t.symbol) ?? []), t.timestamp]);
  for (const [s, list] of wanted)
    wanted.set(
      s,
      [...new Set(list)].sort((a, b) => a - b),
    );
  const visible = new Map<string, Set<number>>();
  const violations: string[] = [];
  let step = 0;
  const commit = (pk: string, sk: string) => {
    const keys = parseTickKeys(pk, sk);
    if (keys === undefined) throw new Error(`not a tick key: ${pk} ${sk}`);
    const seen = visible.get(keys.symbol) ?? new Set<number>();
    seen.add(keys.timestamp);
    visible.set(keys.symbol, seen);
    // What is visible must be the oldest n of the call's ticks of that symbol.
    const prefix = (wanted.get(keys.symbol) ?? []).slice(0, seen.size);
    if (!prefix.every((ts) => seen.has(ts)))
      violations.push(`${keys.symbol}: ${keys.timestamp} visible before ${prefix.find((ts) => !seen.has(ts))}`);
  };
  const client = {
    async send(command: unknown) {
      const { delay, throttle, keep } = schedule[step++ % schedule.length] as (typeof schedule)[number];
      for (let i = 0; i < delay; i++) await Promise.resolve();
      if (command instanceof TransactWriteItemsCommand) {
        const items = command.input.TransactItems ?? [];
        if (throttle)
          throw new TransactionCanceledException({
            message: 'Transaction cancelled',
            $metadata: { httpStatusCode: 400 },
            CancellationReasons: items.map((_, i) => ({ Code: i === 0 ? 'ThrottlingError' : 'None' })),
          });
        for (const item of items) commit(item.Put?.Item?.pk?.S ?? '', item.Put?.Item?.sk?.S ?? '');
        return {};
      }
      if (command instanceof BatchWriteItemCommand) {
        // Not what putTicks sends: here so the property can tell the order BatchWriteItem gives.
        const requests = (command.input.RequestItems?.[TABLE] ?? []) as WriteRequest[];
        const cut = throttle ? Math.min(keep, requests.length) : requests.length;
        // DynamoDB processes a request's items in no promised order: the unprocessed ones may be any.
        const taken = requests.slice(requests.length - cut);
        for (const r of taken) commit(r.PutRequest?.Item?.pk?.S ?? '', r.PutRequest?.Item?.sk?.S ?? '');
        const rest = requests.slice(0, requests.length - cut);
        return rest.length > 0 ? { UnprocessedItems: { [TABLE]: rest } } : {};
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  } as unknown as DynamoDBClient;
  return { client, visible, violations, wanted };
}

const tickArb = fc.record({
  symbol: fc.constantFrom('AAPL', 'MSFT', 'TSLA'),
  timestamp: fc.integer({ min: 1, max: 2_000 }),
  units: fc.integer({ min: 1, max: 10_000_000 }),
  volume: fc.nat({ max: 1000 }),
});
const stepArb = fc.record({ delay: fc.nat({ max: 4 }), throttle: fc.boolean(), keep: fc.nat({ max: 25 }) });

describe('DynamoMarketStore.putTicks: the order ticks become visible in', () => {
  it('never shows a tick before an earlier one of the same symbol and call, however DynamoDB throttles and answers; all are stored once it lets them through', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tickArb, { minLength: 1, maxLength: 400 }),
        fc.array(stepArb, { minLength: 1, maxLength: 30 }),
        async (ticks, schedule) => {
          const table = throttlingTable(ticks, schedule);
          const store = new DynamoMarketStore({
            client: table.client,
            table: TABLE,
            clock: new ManualClock(Date.UTC(2024, 0, 2)),
            maxAttempts: 4,
            sleep: async () => {},
          });
          const outcome = await store.putTicks(ticks).then(
            () => 'stored',
            (error: Error) => error.message,
          );
          expect(table.violations).toEqual([]);
          if (outcome === 'stored') {
            for (const [symbol, list] of table.wanted) expect([...(table.visible.get(symbol) ?? [])].sort((a, b) => a - b)).toEqual(list);
          } else {
            expect(outcome).toMatch(
              /^DynamoDB did not take \d+ tick write\(s\) of SYMBOL#(AAPL|MSFT|TSLA) after 4 attempts \(ThrottlingError\)$/,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not send again a transaction cancelled for a reason it does not know (no reasons, a validation error)', async () => {
    for (const reasons of [undefined, [{ Code: 'ValidationError' }]]) {
      let calls = 0;
      const client = {
        async send() {
          calls++;
          throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
        },
      } as unknown as DynamoDBClient;
      const store = new DynamoMarketStore({ client, table: TABLE, clock: new ManualClock(0), maxAttempts: 4, sleep: async () => {} });
      await expect(store.putTicks([{ symbol: 'AAPL', timestamp: 1, units: 1, volume: 1 }])).rejects.toThrow('Transaction cancelled');
      expect(calls).toBe(1);
    }
  });
});

/**
 * Faults injected into a real SDK client's middleware stack, so the request that does go
 * out still crosses the wire to the emulator: the service "fails" only the parts chosen.
 */
import { type DynamoDBClient, TransactionCanceledException, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import type { KinesisClient, PutRecordsCommandInput, PutRecordsCommandOutput, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

type Output<T> = { output: T; response: unknown };

/**
 * PutRecords partial failures: entries for which `fail` returns an error code are taken out
 * of the request (the emulator never sees them) and come back failed with that code, in
 * place, with `FailedRecordCount` set — as Kinesis answers when a shard is over its limit.
 * Returns the entries of every PutRecords call, as sent by the caller.
 */
export function failPutRecordsEntries(
  client: KinesisClient,
  fail: (entry: PutRecordsRequestEntry, call: number) => string | undefined,
): PutRecordsRequestEntry[][] {
  const calls: PutRecordsRequestEntry[][] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const call = calls.push(records) - 1;
      const codes = records.map((entry) => fail(entry, call));
      const kept = records.filter((_, i) => codes[i] === undefined);
      let results: NonNullable<PutRecordsCommandOutput['Records']> = [];
      let response: unknown;
      if (kept.length > 0) {
        const out = (await next({ ...args, input: { ...input, Records: kept } })) as Output<PutRecordsCommandOutput>;
        results = out.output.Records ?? [];
        response = out.response;
      }
      let k = 0;
      const merged = codes.map((code) => (code === undefined ? results[k++] : { ErrorCode: code, ErrorMessage: `injected ${code}` }));
      const output: PutRecordsCommandOutput = {
        $metadata: { httpStatusCode: 200 },
        Records: merged.map((r) => r ?? {}),
        FailedRecordCount: merged.filter((r) => r?.ErrorCode !== undefined).length,
      };
      return { output, response } as never;
    },
    { step: 'initialize', name: 'failPutRecordsEntries' },
  );
  return calls;
}

/**
 * Transaction throttling: the TransactWriteItems calls `cancel` picks never reach the
 * emulator and fail as DynamoDB cancels a throttled transaction (TransactionCanceledException,
 * a ThrottlingError reason). Returns the number of actions in every call.
 */
export function cancelTransactions(client: DynamoDBClient, cancel: (call: number) => boolean): number[] {
  const calls: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const items = (args.input as TransactWriteItemsCommandInput).TransactItems ?? [];
      const call = calls.push(items.length) - 1;
      if (!cancel(call)) return next(args);
      throw new TransactionCanceledException({
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: items.map((_, i) => ({ Code: i === 0 ? 'ThrottlingError' : 'None' })),
      });
    },
    { step: 'initialize', name: 'cancelTransactions' },
  );
  return calls;
}

/**
 * Lost answers: the calls of `command` that `lose` picks reach the emulator and are applied,
 * but their answer never comes back (a retryable TimeoutError instead), so the SDK sends them
 * again. Placed after the SDK's retry, so each attempt counts as a call. Returns the count.
 */
export function loseAnswers(client: DynamoDBClient, command: string, lose: (call: number) => boolean): { calls: number } {
  const seen = { calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== command) return next(args);
      const call = seen.calls++;
      const out = await next(args);
      if (!lose(call)) return out;
      throw Object.assign(new Error('the answer was lost on the way back'), { name: 'TimeoutError', $metadata: {} });
    },
    { step: 'finalizeRequest', priority: 'low', name: 'loseAnswers' },
  );
  return seen;
}

/** Counts the calls of each command a client makes. */
export function countCommands(client: KinesisClient | DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  (client.middlewareStack as KinesisClient['middlewareStack']).add(
    (next, context) => async (args) => {
      counts.set(context.commandName as string, (counts.get(context.commandName as string) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

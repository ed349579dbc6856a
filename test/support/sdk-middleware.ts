/**
 * Faults injected into a real SDK client's middleware stack, so the request that does go
 * out still crosses the wire to the emulator: the service "fails" only the parts chosen.
 */
import type { BatchWriteItemCommandInput, BatchWriteItemCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
 * BatchWriteItem throttling: on the calls `unprocessed` picks, only the first `keep` write
 * requests are sent; the rest come back as `UnprocessedItems`, as DynamoDB answers when a
 * partition is over its limit. Returns the number of requests in every call.
 */
export function leaveWritesUnprocessed(client: DynamoDBClient, unprocessed: (call: number) => number | undefined): number[] {
  const calls: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      const input = args.input as BatchWriteItemCommandInput;
      const [table, requests = []] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      const call = calls.push(requests.length) - 1;
      const keep = unprocessed(call);
      if (table === undefined || keep === undefined) return next(args);
      const rest = requests.slice(keep);
      if (keep === 0)
        return { output: { $metadata: { httpStatusCode: 200 }, UnprocessedItems: { [table]: rest } }, response: undefined } as never;
      const out = (await next({
        ...args,
        input: { ...input, RequestItems: { [table]: requests.slice(0, keep) } },
      })) as Output<BatchWriteItemCommandOutput>;
      const output: BatchWriteItemCommandOutput = {
        ...out.output,
        UnprocessedItems:
          rest.length > 0 ? { [table]: [...(out.output.UnprocessedItems?.[table] ?? []), ...rest] } : out.output.UnprocessedItems,
      };
      return { output, response: out.response } as never;
    },
    { step: 'initialize', name: 'leaveWritesUnprocessed' },
  );
  return calls;
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

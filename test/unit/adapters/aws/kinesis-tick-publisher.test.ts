import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
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
    // Retried, then reported: the service may come back, so the caller goes on.
    expect(report.streamFailure).toBeUndefined();
  });

  it.each([
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 400],
    ['UnrecognizedClientException', 400],
    ['ExpiredTokenException', 400],
    ['InvalidSignatureException', 400],
    ['KMSAccessDeniedException', 400],
    ['KMSDisabledException', 400],
    ['KMSNotFoundException', 400],
  ])('stops at %s: one request, every record returned with that error, and a streamFailure', async (name, status) => {
    kinesis.on(PutRecordsCommand).rejects(error(name, status));
    const publisher = new KinesisTickPublisher({ client: new KinesisClient({}), stream: 'tickz', sleep: async () => {} });
    // Three requests' worth: the two after the first are never sent.
    const records = Array.from({ length: 1200 }, (_, i) => record(i % 2 === 0 ? 'AAPL' : 'MSFT'));
    const report = await publisher.publish(records);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(1);
    expect(report.sent).toBe(0);
    expect(report.streamFailure).toEqual({ errorCode: name, message: name });
    expect(report.undelivered.map((u) => u.record)).toEqual(records);
    expect(new Set(report.undelivered.map((u) => `${u.errorCode}: ${u.message}`))).toEqual(new Set([`${name}: ${name}`]));
  });

  it('keeps what went out before the stream failed, and refuses nothing for a ValidationException', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({ FailedRecordCount: 0, Records: Array.from({ length: 500 }, (_, i) => ({ SequenceNumber: String(i) })) })
      .rejectsOnce(error('ValidationException', 400))
      .rejectsOnce(error('ResourceNotFoundException', 400));
    const publisher = new KinesisTickPublisher({ client: new KinesisClient({}), stream: 'ticks', sleep: async () => {} });
    const report = await publisher.publish(Array.from({ length: 2000 }, () => record('AAPL')));
    // 500 sent; 500 refused as invalid, and the next request still tried; then the stream is gone.
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(3);
    expect(report.sent).toBe(500);
    expect(report.undelivered.map((u) => u.errorCode)).toEqual([
      ...Array<string>(500).fill('ValidationException'),
      ...Array<string>(1000).fill('ResourceNotFoundException'),
    ]);
    expect(report.streamFailure?.errorCode).toBe('ResourceNotFoundException');
  });
});

/** How the fake Kinesis answers one entry of one call: taken, throttled, refused for good, or left blank. */
type EntryAnswer = 'ok' | 'ProvisionedThroughputExceededException' | 'InternalFailure' | 'KMSDisabledException' | 'blank';
const TRANSIENT_ENTRY: ReadonlySet<EntryAnswer> = new Set(['ProvisionedThroughputExceededException', 'InternalFailure']);

describe('KinesisTickPublisher under partial failures (property)', () => {
  it('retries, after a pause, exactly the entries Kinesis throttled, in order; returns every other failure; counts as sent only what got a sequence number', async () => {
    const answerArb = fc.constantFrom<EntryAnswer>(
      'ok',
      'ok',
      'ProvisionedThroughputExceededException',
      'InternalFailure',
      'KMSDisabledException',
      'blank',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        // Per call: a whole-call error (retryable or not), or an answer per entry position.
        fc.array(
          fc.oneof(
            { weight: 4, arbitrary: fc.array(answerArb, { minLength: 12, maxLength: 12 }) },
            { weight: 1, arbitrary: fc.constantFrom('ThrottlingException', 'ValidationException') },
          ),
          { minLength: 5, maxLength: 5 },
        ),
        async (n, maxAttempts, answers) => {
          kinesis.reset();
          const calls: number[][] = [];
          kinesis.on(PutRecordsCommand).callsFake(async (input: { Records: { Data: Uint8Array }[] }) => {
            const ids = input.Records.map((r) => Number(JSON.parse(new TextDecoder().decode(r.Data)).i));
            const answer = answers[calls.push(ids) - 1] as EntryAnswer[] | string;
            if (typeof answer === 'string') throw error(answer, 400);
            return {
              FailedRecordCount: 0,
              Records: ids.map((_, k) => {
                const a = answer[k] as EntryAnswer;
                if (a === 'ok') return { SequenceNumber: String(k), ShardId: 's' };
                return a === 'blank' ? {} : { ErrorCode: a, ErrorMessage: 'x' };
              }),
            };
          });
          let pauses = 0;
          const publisher = new KinesisTickPublisher({
            client: new KinesisClient({}),
            stream: 'ticks',
            maxAttempts,
            sleep: async () => {
              pauses++;
            },
          });
          const records = Array.from({ length: n }, (_, i) => ({ partitionKey: 'AAPL', data: new TextEncoder().encode(`{"i":${i}}`) }));
          const report = await publisher.publish(records);

          // The oracle: what each call should carry, from the answer to the one before.
          const sent = new Set<number>();
          const lastError = new Map<number, string>();
          expect(calls[0]).toEqual(records.map((_, i) => i));
          calls.forEach((ids, c) => {
            const answer = answers[c] as EntryAnswer[] | string;
            let next: number[];
            if (typeof answer === 'string') {
              for (const id of ids) lastError.set(id, answer);
              next = answer === 'ThrottlingException' ? ids : [];
            } else {
              next = [];
              ids.forEach((id, k) => {
                const a = answer[k] as EntryAnswer;
                if (a === 'ok') sent.add(id);
                else lastError.set(id, a === 'blank' ? 'MissingResult' : a);
                if (TRANSIENT_ENTRY.has(a)) next.push(id);
              });
            }
            if (c + 1 < maxAttempts && next.length > 0) expect(calls[c + 1]).toEqual(next);
            else expect(calls).toHaveLength(c + 1);
          });
          expect(report.sent).toBe(sent.size);
          const undelivered = report.undelivered.map((u) => Number(JSON.parse(new TextDecoder().decode(u.record.data)).i));
          expect([...undelivered].sort((a, b) => a - b)).toEqual(records.map((_, i) => i).filter((i) => !sent.has(i)));
          for (const u of report.undelivered) {
            expect(u.errorCode).toBe(lastError.get(Number(JSON.parse(new TextDecoder().decode(u.record.data)).i)));
          }
          expect(pauses).toBe(calls.length - 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

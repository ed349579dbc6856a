import {
  KinesisClient,
  type KinesisClientConfig,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import type { Logger } from '../../ports/logger.port.js';
import type { OutgoingRecord, PublishReport, StreamFailure, TickPublisher, UndeliveredRecord } from '../../ports/tick-publisher.port.js';
import { awsHttpHandler } from './aws-http-handler.js';
import { type RetryOptions, RetryPolicy } from './retry-policy.js';

/** PutRecords limits (Kinesis Data Streams defaults). */
const MAX_RECORDS_PER_REQUEST = 500;
const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_PARTITION_KEY_CHARS = 256;

// Per-entry error codes of a partial failure that another attempt may get past.
const TRANSIENT_ENTRY_CODES = new Set(['ProvisionedThroughputExceededException', 'InternalFailure', 'KMSThrottlingException']);
// Errors of a whole request that no retry can get past and that every later request would meet
// too: the stream is not there (or not ACTIVE), or this caller may not write to it.
const STREAM_FAILURE_NAMES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  // The stream's KMS key refuses, or is gone or off (its throttling, KMSThrottlingException, is transient).
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
]);
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;

/**
 * A Kinesis client for tickflow: HTTP/1.1 (`NodeHttpHandler`, with `awsHttpHandler`'s
 * timeouts), which both AWS and the local emulators speak (the default HTTP/2 handler fails
 * against kinesalite and kinesis-mock).
 * The endpoint comes from the config, else from `AWS_ENDPOINT_URL_KINESIS`.
 *
 * @example
 * const client = createKinesisClient({ region: 'eu-west-1' });
 */
export function createKinesisClient(config: KinesisClientConfig = {}): KinesisClient {
  return new KinesisClient({ requestHandler: awsHttpHandler(), ...config });
}

/** Options of `KinesisTickPublisher`. */
export interface KinesisTickPublisherOptions extends RetryOptions {
  readonly client: KinesisClient;
  /** The stream's name or ARN (`arn:aws:kinesis:eu-west-1:123456789012:stream/ticks`). */
  readonly stream: string;
  /** Largest record, data plus partition key, in bytes (default 1 MiB, the Kinesis default). */
  readonly maxRecordBytes?: number;
  readonly logger?: Logger;
}

interface Pending {
  readonly record: OutgoingRecord;
  /** The code and message of its last failure, for the report. */
  errorCode: string;
  message: string;
}

/**
 * Publishes records to a Kinesis data stream with PutRecords: batches that respect every
 * limit (≤ 500 records, ≤ 5 MiB per request, ≤ 1 MiB per record including its partition key),
 * sent one after another so a partition key's records go out in order. After a partial
 * failure only the failed entries are sent again, in their order, with capped exponential
 * backoff and jitter; whatever still fails — or cannot be sent at all (too large, a
 * non-retryable error) — is returned as undelivered, never dropped. A missing stream or a
 * refusal of access (`ResourceNotFoundException`, `AccessDeniedException`, credentials the
 * service does not accept) ends the call at once: the report's `streamFailure` says why, and
 * the records not yet sent are returned undelivered with that error, without another request.
 *
 * Kinesis itself does not keep the order of a partition key across a partial failure (a
 * later record may succeed before an earlier one is retried): ingest then counts the
 * retried tick as late. Without partial failures, per-key order is kept.
 *
 * @example
 * const publisher = new KinesisTickPublisher({ client: createKinesisClient(), stream: 'ticks' });
 * const { sent, undelivered } = await publisher.publish([{ partitionKey: 'AAPL', data }]);
 */
export class KinesisTickPublisher implements TickPublisher {
  private readonly retry: RetryPolicy;
  private readonly target: { StreamName: string; StreamARN?: string };
  private readonly maxRecordBytes: number;

  constructor(private readonly options: KinesisTickPublisherOptions) {
    this.retry = new RetryPolicy({ maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5000, ...options });
    const arn = STREAM_ARN.exec(options.stream);
    if (arn) this.target = { StreamName: arn[1] as string, StreamARN: options.stream };
    else if (/^[a-zA-Z0-9_.-]{1,128}$/.test(options.stream)) this.target = { StreamName: options.stream };
    else throw new RangeError(`not a Kinesis stream name or ARN: ${JSON.stringify(options.stream)}`);
    this.maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  }

  async publish(records: readonly OutgoingRecord[]): Promise<PublishReport> {
    const undelivered: UndeliveredRecord[] = [];
    const sendable: OutgoingRecord[] = [];
    for (const record of records) {
      const problem = this.problemOf(record);
      if (problem === undefined) sendable.push(record);
      else undelivered.push({ record, ...problem });
    }
    let sent = 0;
    let streamFailure: StreamFailure | undefined;
    for (const batch of this.batches(sendable)) {
      if (streamFailure !== undefined) {
        // Every request to this stream would fail the same way: these are not sent, and not dropped.
        for (const record of batch) undelivered.push({ record, errorCode: streamFailure.errorCode, message: streamFailure.message });
        continue;
      }
      const report = await this.sendBatch(batch);
      sent += report.sent;
      undelivered.push(...report.undelivered);
      streamFailure = report.streamFailure;
    }
    if (undelivered.length > 0) {
      this.options.logger?.warn('kinesis: records not delivered', {
        stream: this.target.StreamName,
        count: undelivered.length,
        errorCode: undelivered[0]?.errorCode,
      });
    }
    return streamFailure === undefined ? { sent, undelivered } : { sent, undelivered, streamFailure };
  }

  private problemOf(record: OutgoingRecord): { errorCode: string; message: string } | undefined {
    const keyChars = [...record.partitionKey].length;
    if (keyChars < 1 || keyChars > MAX_PARTITION_KEY_CHARS) {
      return { errorCode: 'InvalidPartitionKey', message: `a partition key must have 1–256 characters, got ${keyChars}` };
    }
    const size = sizeOf(record);
    if (size > this.maxRecordBytes) {
      return {
        errorCode: 'RecordTooLarge',
        message: `a record (data + partition key) may have at most ${this.maxRecordBytes} bytes, this one has ${size}`,
      };
    }
    return undefined;
  }

  /** Consecutive runs of records within the request limits. */
  private *batches(records: readonly OutgoingRecord[]): Generator<OutgoingRecord[]> {
    let batch: OutgoingRecord[] = [];
    let bytes = 0;
    for (const record of records) {
      const size = sizeOf(record);
      if (batch.length > 0 && (batch.length === MAX_RECORDS_PER_REQUEST || bytes + size > MAX_REQUEST_BYTES)) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(record);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  /** Sends one batch, retrying its failed entries; returns what went out and what did not. */
  private async sendBatch(batch: readonly OutgoingRecord[]): Promise<PublishReport> {
    let pending: Pending[] = batch.map((record) => ({ record, errorCode: '', message: '' }));
    const undelivered: UndeliveredRecord[] = [];
    let sent = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const last = attempt >= this.retry.maxAttempts;
      let results: (PutRecordsResultEntry | undefined)[];
      try {
        const output = await this.options.client.send(
          new PutRecordsCommand({ ...this.target, Records: pending.map(({ record }) => toEntry(record)) }),
        );
        results = output.Records ?? [];
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        const refused = STREAM_FAILURE_NAMES.has(name);
        if (refused || last || !RetryPolicy.isTransient(error)) {
          undelivered.push(...pending.map(({ record }) => ({ record, errorCode: name, message })));
          if (refused) return { sent, undelivered, streamFailure: { errorCode: name, message } };
          break;
        }
        for (const p of pending) Object.assign(p, { errorCode: name, message });
        await this.retry.pause(attempt);
        continue;
      }
      const again: Pending[] = [];
      pending.forEach((p, i) => {
        const result = results[i];
        if (result?.SequenceNumber !== undefined && result.ErrorCode === undefined) {
          sent++;
          return;
        }
        p.errorCode = result?.ErrorCode ?? 'MissingResult';
        p.message = result?.ErrorMessage ?? 'PutRecords returned no result for this record';
        if (!last && TRANSIENT_ENTRY_CODES.has(p.errorCode)) again.push(p);
        else undelivered.push({ record: p.record, errorCode: p.errorCode, message: p.message });
      });
      pending = again;
      if (pending.length > 0) await this.retry.pause(attempt);
    }
    return { sent, undelivered };
  }
}

function sizeOf(record: OutgoingRecord): number {
  return record.data.byteLength + Buffer.byteLength(record.partitionKey, 'utf8');
}

function toEntry(record: OutgoingRecord): PutRecordsRequestEntry {
  return { PartitionKey: record.partitionKey, Data: record.data };
}

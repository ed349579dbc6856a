import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Lake } from '../../../../src/adapters/aws/s3-lake.js';
import { decodeLines } from '../../../../src/adapters/shared/lake-codec.js';
import { enrich } from '../../../../src/domain/enrich.js';

// fauxqs does not keep Content-Encoding or the encryption headers (TESTING.md): the request itself is checked here.
const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const T = Date.UTC(2024, 0, 2, 14, 30);
const tick = enrich(
  { symbol: 'AAPL', timestamp: T, price: 187.43, units: 187_430_000, volume: 5 },
  { ingestedAt: T, sequence: '9', source: 'test' },
);

describe('S3Lake requests', () => {
  it('puts gzip NDJSON with its content type and encoding, under the Hive key, in the configured bucket', async () => {
    s3.on(PutObjectCommand).resolves({});
    const key = await new S3Lake({ client: new S3Client({}), bucket: 'tickflow-lake' }).writeSymbolDay(
      'b-1',
      'AAPL',
      { year: 2024, month: 1, day: 2 },
      [tick],
    );
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'tickflow-lake',
      Key: 'raw/symbol=AAPL/year=2024/month=01/day=02/b-1.ndjson.gz',
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'gzip',
    });
    expect(key).toBe(input?.Key);
    expect(input).not.toHaveProperty('ServerSideEncryption');
    expect(await decodeLines(input?.Body as Uint8Array)).toEqual([
      `{"symbol":"AAPL","timestamp":${T},"price":187.43,"volume":5,"source":"test","ingested_at":${T},"sequence":"9"}`,
    ]);
  });

  it('asks for the configured server-side encryption on raw and rejected objects alike', async () => {
    s3.on(PutObjectCommand).resolves({});
    const client = new S3Client({});
    const p = { year: 2024, month: 1, day: 2 };
    await new S3Lake({ client, bucket: 'b', encryption: { mode: 'AES256' } }).writeSymbolDay('b-1', 'AAPL', p, [tick]);
    await new S3Lake({ client, bucket: 'b', encryption: { mode: 'aws:kms', kmsKeyId: 'alias/tickflow' } }).writeRejects('b-2', p, [
      { code: 'BAD_PRICE', message: 'no', record: '{}', sequence: '1', receivedAt: T },
    ]);
    await new S3Lake({ client, bucket: 'b', encryption: { mode: 'aws:kms' } }).writeSymbolDay('b-3', 'AAPL', p, [tick]);
    const inputs = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.ServerSideEncryption, i.SSEKMSKeyId, i.ContentEncoding])).toEqual([
      ['AES256', undefined, 'gzip'],
      ['aws:kms', 'alias/tickflow', 'gzip'],
      ['aws:kms', undefined, 'gzip'],
    ]);
  });

  it('lets an S3 error through, for the use case to turn into a batch item failure', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' }));
    await expect(
      new S3Lake({ client: new S3Client({}), bucket: 'b' }).writeSymbolDay('b-1', 'AAPL', { year: 2024, month: 1, day: 2 }, [tick]),
    ).rejects.toMatchObject({ name: 'SlowDown' });
  });
});

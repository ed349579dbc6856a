import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { type LakeEncoding, ObjectLake } from '../shared/object-lake.js';

/** Server-side encryption of lake objects: S3-managed keys, KMS, or the bucket's default. */
export type LakeEncryption =
  | { readonly mode: 'bucket-default' }
  | { readonly mode: 'AES256' }
  | { readonly mode: 'aws:kms'; readonly kmsKeyId?: string };

/** Options of `S3Lake`. */
export interface S3LakeOptions extends LakeEncoding {
  readonly client: S3Client;
  readonly bucket: string;
  /** Default: the bucket's own default encryption (no header sent). */
  readonly encryption?: LakeEncryption;
}

/** What lake objects are, for readers that look at headers (browsers, `aws s3 cp`, CDNs). */
const CONTENT_TYPE = 'application/x-ndjson';
const CONTENT_ENCODING = 'gzip';

/**
 * The data lake on S3 — the `S3RawTickArchive` and `S3RejectSink` of the design in one
 * class, like the folder lake: gzip NDJSON objects under the Hive-style keys of DESIGN.md §4
 * (`raw/symbol=…/year=…/month=…/day=…/<batch-id>.ndjson.gz`, `rejected/…`). The batch id is
 * the deterministic one ingest derives from the shard and sequence numbers, so a redelivered
 * batch overwrites the same objects (a single PutObject is atomic: readers never see half).
 *
 * @example
 * const lake = new S3Lake({ client: new S3Client({}), bucket: 'tickflow-lake', encryption: { mode: 'aws:kms' } });
 * await lake.writeSymbolDay('shardId-000000000000_4959…', 'AAPL', { year: 2024, month: 1, day: 2 }, ticks);
 */
export class S3Lake extends ObjectLake {
  private readonly sse: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'>;

  constructor(private readonly options: S3LakeOptions) {
    super(options);
    this.sse = sseHeaders(options.encryption ?? { mode: 'bucket-default' });
  }

  protected async put(key: string, body: Uint8Array): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: CONTENT_TYPE,
        ContentEncoding: CONTENT_ENCODING,
        ...this.sse,
      }),
    );
  }
}

function sseHeaders(encryption: LakeEncryption): Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
  switch (encryption.mode) {
    case 'bucket-default':
      return {};
    case 'AES256':
      return { ServerSideEncryption: 'AES256' };
    case 'aws:kms':
      return encryption.kmsKeyId === undefined
        ? { ServerSideEncryption: 'aws:kms' }
        : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: encryption.kmsKeyId };
  }
}

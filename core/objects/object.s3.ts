import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Clock, systemClock } from '../clock.ts';
import { AppError } from '../errors/registry.ts';
import { redact } from '../open-by-url.ts';
import type { ByteRange, ObjectInfo, ObjectStore, SignedUrl } from './ports.ts';
import { checkRange, checkSignedUrlOptions, sortKeys, validateObjectKey, validateObjectPrefix } from './validate.ts';

/** Options the S3 store takes besides its URL. */
export interface S3ObjectStoreOptions {
  /** Signing time of presigned URLs; tests move it to make expired URLs. */
  clock?: Clock;
}

const DEFAULT_TYPE = 'application/octet-stream';
/** Streams up to one part are sent with a single PutObject; longer ones as a multipart upload. */
const PART_BYTES = 8 * 1024 * 1024;

const httpStatus = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
const unquote = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '');

/** The first `n` bytes of a stream; the rest is never read. */
async function* take(body: Readable, n: number): AsyncGenerator<Buffer> {
  let left = n;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      if (buf.length >= left) {
        yield buf.subarray(0, left);
        return;
      }
      left -= buf.length;
      yield buf;
    }
  } finally {
    body.destroy();
  }
}

/** Reads a stream into parts of `size` bytes (the last may be shorter), holding one part in memory at a time. */
async function* parts(body: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of body) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    while (pendingBytes + buf.length >= size) {
      const take = size - pendingBytes;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      buf = buf.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (buf.length > 0) {
      pending.push(buf);
      pendingBytes += buf.length;
    }
  }
  if (pendingBytes > 0 || pending.length === 0) yield Buffer.concat(pending);
}

/**
 * Objects in one S3 (or S3-compatible) bucket. Signed URLs are S3 presigned URLs, so uploads bypass our API.
 * @remarks A presigned PUT cannot cap the body size: `maxBytes` is not enforced by S3 here, so the step that
 * completes an upload must check the size with `head()` and reject oversized objects.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  readonly #client: S3Client;
  readonly #clock: Clock;

  constructor(client: S3Client, bucket: string, opts: S3ObjectStoreOptions = {}) {
    this.#client = client;
    this.bucket = bucket;
    this.#clock = opts.clock ?? systemClock;
  }

  async put(key: string, body: Buffer | Readable, opts?: { contentType?: string }): Promise<ObjectInfo> {
    validateObjectKey(key);
    const ContentType = opts?.contentType || DEFAULT_TYPE;
    const base = { Bucket: this.bucket, Key: key };
    if (Buffer.isBuffer(body)) {
      await this.#client.send(new PutObjectCommand({ ...base, Body: body, ContentType }));
    } else {
      const iter = parts(body, PART_BYTES);
      const first = (await iter.next()).value as Buffer;
      const second = await iter.next();
      if (second.done) {
        await this.#client.send(new PutObjectCommand({ ...base, Body: first, ContentType }));
      } else {
        await this.#multipart(key, ContentType, [first, second.value], iter);
      }
    }
    const info = await this.head(key);
    if (!info) throw new AppError('BACKEND_UNAVAILABLE', `S3 did not show "${key}" after putting it`);
    return info;
  }

  async #multipart(key: string, ContentType: string, head: Buffer[], rest: AsyncGenerator<Buffer>): Promise<void> {
    const base = { Bucket: this.bucket, Key: key };
    const { UploadId } = await this.#client.send(new CreateMultipartUploadCommand({ ...base, ContentType }));
    const done: { ETag: string; PartNumber: number }[] = [];
    try {
      const upload = async (Body: Buffer) => {
        const PartNumber = done.length + 1;
        const { ETag } = await this.#client.send(new UploadPartCommand({ ...base, UploadId, PartNumber, Body }));
        done.push({ ETag: ETag ?? '', PartNumber });
      };
      for (const part of head) await upload(part);
      for await (const part of rest) await upload(part);
      await this.#client.send(
        new CompleteMultipartUploadCommand({ ...base, UploadId, MultipartUpload: { Parts: done } }),
      );
    } catch (e) {
      // Abandoned parts are billed and invisible: abort so nothing half-written lingers.
      await this.#client.send(new AbortMultipartUploadCommand({ ...base, UploadId })).catch(() => {});
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    validateObjectKey(key);
    try {
      const r = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: r.ContentLength ?? 0,
        contentType: r.ContentType ?? DEFAULT_TYPE,
        etag: unquote(r.ETag),
        lastModified: r.LastModified?.getTime() ?? 0,
      };
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw e;
    }
  }

  async get(key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: Readable }> {
    validateObjectKey(key);
    if (range) checkRange(range, Number.MAX_SAFE_INTEGER);
    let r: GetObjectCommandOutput;
    try {
      r = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
    } catch (e) {
      if (httpStatus(e) === 404) throw new AppError('OBJECT_NOT_FOUND', `No object at key "${key}"`, { key });
      if (httpStatus(e) === 416) throw new AppError('INVALID_RANGE', `Range is outside the object "${key}"`, range);
      throw e;
    }
    let body = r.Body as Readable;
    // A ranged response carries the full size after the slash: "bytes 0-99/12345".
    const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
    const total = served ? Number(served[3]) : (r.ContentLength ?? 0);
    if (range && served && Number(served[1]) === range.start && Number(served[2]) > range.end) {
      // Some S3-compatible servers (s3rver) read an end of 0 as "to the end": cut to what was asked.
      body = Readable.from(take(body, range.end - range.start + 1));
    }
    const info: ObjectInfo = {
      key,
      size: total,
      contentType: r.ContentType ?? DEFAULT_TYPE,
      etag: unquote(r.ETag),
      lastModified: r.LastModified?.getTime() ?? 0,
    };
    if (range) {
      try {
        // S3 clips a range running past the end; the port promises an error instead, like the file store.
        checkRange(range, total);
      } catch (e) {
        body.destroy();
        throw e;
      }
    }
    return { info, body };
  }

  async getBuffer(key: string): Promise<Buffer> {
    return buffer((await this.get(key)).body);
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    validateObjectPrefix(prefix);
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const r = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }),
      );
      for (const o of r.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return sortKeys(keys);
  }

  /** A presigned PUT bound to the content type; see the class remarks on `maxBytes`. */
  async signedUpload(
    key: string,
    opts: { expiresInS: number; contentType: string; maxBytes: number },
  ): Promise<SignedUrl> {
    validateObjectKey(key);
    checkSignedUrlOptions(opts);
    const cmd = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: opts.contentType });
    return this.#presign(cmd, 'PUT', opts.expiresInS, { 'Content-Type': opts.contentType });
  }

  async signedDownload(key: string, opts: { expiresInS: number }): Promise<SignedUrl> {
    validateObjectKey(key);
    checkSignedUrlOptions(opts);
    return this.#presign(new GetObjectCommand({ Bucket: this.bucket, Key: key }), 'GET', opts.expiresInS, {});
  }

  async #presign(
    cmd: PutObjectCommand | GetObjectCommand,
    method: 'GET' | 'PUT',
    expiresIn: number,
    headers: Record<string, string>,
  ): Promise<SignedUrl> {
    const signingDate = new Date(this.#clock.now());
    // Sign the content type too, so S3 refuses an upload declaring a different one.
    const signableHeaders = method === 'PUT' ? new Set(['content-type']) : undefined;
    const url = await getSignedUrl(this.#client, cmd, { expiresIn, signingDate, signableHeaders });
    return { url, method, headers, expiresAt: signingDate.getTime() + expiresIn * 1000 };
  }

  async ping(): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

/**
 * Opens `s3://[accessKeyId:secretAccessKey@]bucket?endpoint=…&region=…&forcePathStyle=true
 * [&accessKeyId=…&secretAccessKey=…][&createBucket=true]`. Without credentials in the URL the SDK's
 * default provider chain applies. Fails fast when the bucket is unreachable.
 */
export async function openS3ObjectStore(url: URL, opts: S3ObjectStoreOptions = {}): Promise<S3ObjectStore> {
  const q = url.searchParams;
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(`ObjectStore: "${bucket}" in ${redact(url.href)} is not a valid S3 bucket name`);
  }
  const known = new Set(['endpoint', 'region', 'forcePathStyle', 'accessKeyId', 'secretAccessKey', 'createBucket']);
  for (const name of q.keys()) {
    if (!known.has(name)) throw new Error(`ObjectStore: unknown S3 URL option "${name}" in ${redact(url.href)}`);
  }
  const endpoint = q.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new Error(`ObjectStore: endpoint must be an http(s) URL, got "${endpoint}"`);
  }
  const accessKeyId = q.get('accessKeyId') ?? decodeURIComponent(url.username);
  const secretAccessKey = q.get('secretAccessKey') ?? decodeURIComponent(url.password);
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new Error('ObjectStore: give both accessKeyId and secretAccessKey in the S3 URL, or neither');
  }
  const config: S3ClientConfig = {
    region: q.get('region') ?? 'us-east-1',
    forcePathStyle: q.get('forcePathStyle') === 'true',
    // Only checksums S3 requires: S3-compatible servers reject or mishandle the optional ones, and a
    // presigned PUT carrying a precomputed checksum would fail for any real body.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
  const client = new S3Client(config);
  const store = new S3ObjectStore(client, bucket, opts);
  try {
    if (q.get('createBucket') === 'true') {
      try {
        await store.ping();
      } catch (e) {
        if (httpStatus(e) !== 404) throw e;
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      }
    }
    await store.ping();
  } catch (e) {
    client.destroy();
    throw new Error(`ObjectStore: cannot reach bucket "${bucket}" at ${endpoint ?? 'AWS'}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return store;
}

import type { Readable } from 'node:stream';

/** What a store knows of an object. */
export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  lastModified: number;
}

/** An inclusive byte range, already resolved against the object size. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A URL a client may use directly, without our credentials. */
export interface SignedUrl {
  url: string;
  method: 'GET' | 'PUT';
  /** Headers the client must send with the request (e.g. Content-Type). */
  headers: Record<string, string>;
  expiresAt: number;
}

/**
 * Blob storage for uploads, renditions, thumbnails and model artifacts. Keys are `/`-separated paths
 * without `..`. A `put` resolves once the object is durable and fully visible (never partially).
 * @remarks No multipart-upload API of its own: large client uploads go through `signedUpload`.
 */
export interface ObjectStore {
  readonly kind: 'file' | 's3';
  put(key: string, body: Buffer | Readable, opts?: { contentType?: string }): Promise<ObjectInfo>;
  /** Resolves undefined when the key does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Throws AppError OBJECT_NOT_FOUND when missing. */
  get(key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: Readable }>;
  getBuffer(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** A URL the client PUTs the file to; the store rejects bodies over `maxBytes` when it can enforce it. */
  signedUpload(key: string, opts: { expiresInS: number; contentType: string; maxBytes: number }): Promise<SignedUrl>;
  signedDownload(key: string, opts: { expiresInS: number }): Promise<SignedUrl>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

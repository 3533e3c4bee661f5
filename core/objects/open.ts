import type { Clock } from '../clock.ts';
import { openByScheme } from '../open-by-url.ts';
import { openFileObjectStore } from './object.file.ts';
import { openS3ObjectStore } from './object.s3.ts';
import type { ObjectStore } from './ports.ts';

/** What opening any object store may need: the file store signs URLs pointing at our own API. */
export interface OpenObjectStoreOptions {
  /** Base URL clients reach the API at (the file store's signed URLs point there). */
  publicBaseUrl: string;
  /** HMAC key for the file store's signed URLs; the S3 store signs with its credentials instead. */
  secret: string;
  /** Time used to sign URLs; defaults to the system clock. */
  clock?: Clock;
}

/** Opens the object store named by `url`: `file://./dir`, `file:///abs/dir` or `s3://bucket?…`. */
export function openObjectStore(url: string, opts: OpenObjectStoreOptions): Promise<ObjectStore> {
  return openByScheme<ObjectStore>('ObjectStore', url, {
    'file:': (u) => openFileObjectStore(u, opts),
    's3:': (u) => openS3ObjectStore(u, opts),
  });
}

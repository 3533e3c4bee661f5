import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TestServer } from './servers.ts';

/** The object being written, as s3rver's filesystem store receives it. */
interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

/** The part of s3rver's filesystem store that `atomicPuts` replaces or calls. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

/** The part of s3rver's API used here (the package ships no types). */
interface S3rver {
  store: S3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
}) => S3rver;

/** Fixed credentials; s3rver accepts any signature, so these only need to look real to the SDK. */
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';

/**
 * Gives s3rver the PUT semantics of real S3, which the ObjectStore contract checks: a PUT answers only
 * once its bytes are on disk (s3rver 3.7 answers a Buffer PUT before the write finishes), a reader never
 * sees a half-written object (bytes go to a temporary file that is renamed into place), and racing PUTs
 * on one key leave one whole version whose metadata matches its bytes (PUTs on a key run one at a time).
 */
function atomicPuts(store: S3rverStore): void {
  const tails = new Map<string, Promise<unknown>>();
  store.putObject = (object) => {
    const id = `${object.bucket}/${object.key}`;
    const run = (tails.get(id) ?? Promise.resolve())
      .catch(() => {})
      .then(async () => {
        const finalPath = store.getResourcePath(object.bucket, object.key, 'object');
        const tmpPath = store.getResourcePath(object.bucket, object.key, `tmp-${randomUUID()}`);
        await mkdir(dirname(finalPath), { recursive: true });
        const md5 = createHash('md5');
        let size = 0;
        const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
        const measure = new Transform({
          transform(chunk: Buffer, _enc, done) {
            md5.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        });
        try {
          await pipeline(body, measure, createWriteStream(tmpPath));
          await rename(tmpPath, finalPath);
        } catch (err) {
          await rm(tmpPath, { force: true });
          throw err;
        }
        const digest = md5.digest('hex');
        await store.putMetadata(object.bucket, object.key, object.metadata, digest);
        return { size, md5: digest };
      });
    tails.set(id, run);
    void run.finally(() => tails.get(id) === run && tails.delete(id)).catch(() => {});
    return run;
  };
}

/**
 * An S3-compatible server (s3rver) on a free 127.0.0.1 port over a temp directory. Sets TEST_S3_URL to an
 * `s3://` URL for `openObjectStore`; tests swap in their own bucket name for isolation.
 * @remarks s3rver does not verify signatures: tests must not rely on S3 refusing a bad one. Its PUTs are
 * made atomic by `atomicPuts`, as they are on real S3.
 */
const s3Server: TestServer = {
  name: 's3',
  async start() {
    const directory = await mkdtemp(join(tmpdir(), 'foryou-s3rver-'));
    const server = await runS3rver({ directory, port: 0 });
    return {
      env: { TEST_S3_URL: server.url('foryou-test') },
      async stop() {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

/**
 * s3rver over `directory` on 127.0.0.1:`port` (0: a free one) with atomic PUTs; `url(bucket)` is the
 * `s3://` URL `openObjectStore` takes (the bucket is created on first use).
 */
export async function runS3rver(o: { directory: string; port: number }): Promise<{
  port: number;
  url(bucket: string): string;
  close(): Promise<void>;
}> {
  const S3rverClass = createRequire(import.meta.url)('s3rver') as S3rverCtor;
  const server = new S3rverClass({
    address: '127.0.0.1',
    port: o.port,
    directory: o.directory,
    silent: true,
    resetOnClose: false,
  });
  atomicPuts(server.store);
  const { port } = await server.run();
  const q = new URLSearchParams({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: 'true',
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    createBucket: 'true',
  });
  return { port, url: (bucket) => `s3://${bucket}?${q}`, close: () => server.close() };
}

export default s3Server;

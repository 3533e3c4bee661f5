import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from './servers.ts';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rver {
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
 * An S3-compatible server (s3rver) on a free 127.0.0.1 port over a temp directory. Sets TEST_S3_URL to an
 * `s3://` URL for `openObjectStore`; tests swap in their own bucket name for isolation.
 * @remarks s3rver does not verify signatures: tests must not rely on S3 refusing a bad one.
 */
const s3Server: TestServer = {
  name: 's3',
  async start() {
    const S3rverClass = createRequire(import.meta.url)('s3rver') as S3rverCtor;
    const directory = await mkdtemp(join(tmpdir(), 'foryou-s3rver-'));
    const server = new S3rverClass({ address: '127.0.0.1', port: 0, directory, silent: true, resetOnClose: false });
    const { port } = await server.run();
    const q = new URLSearchParams({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: 'true',
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET_KEY,
      createBucket: 'true',
    });
    return {
      env: { TEST_S3_URL: `s3://foryou-test?${q}` },
      async stop() {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

export default s3Server;

import { readdirSync } from 'node:fs';

/** A server the test run needs; `start` resolves with env vars (e.g. TEST_S3_URL) for the test workers. */
export interface TestServer {
  name: string;
  start: () => Promise<{ env: Record<string, string>; stop: () => Promise<void> }>;
}

/** Every `core/testing/*.server.ts` module's default export, in name order. */
export async function loadTestServers(): Promise<TestServer[]> {
  const dir = new URL('.', import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.server.ts'))
    .sort();
  const servers: TestServer[] = [];
  for (const f of files) servers.push((await import(new URL(f, dir).href)).default as TestServer);
  return servers;
}

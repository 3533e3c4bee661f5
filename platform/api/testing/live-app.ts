import { createServer } from 'node:net';
import { backgroundServices } from '../background.ts';
import type { AppDeps } from '../deps.ts';
import { type BackendSet, buildTestApp } from './harness.ts';

/** The whole app on a loopback port, as `server.ts` runs it: every area and every background service. */
export interface LiveApp {
  base: string;
  deps: AppDeps;
  close(): Promise<void>;
}

/** A free loopback port (closed again before it is returned, so there is a small race; tests only). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Builds the app over fresh isolated backends with PUBLIC_BASE_URL pointing at the port it then listens
 * on (so signed upload URLs work for an outside client), and starts the transcode worker and the
 * event consumers in process, like EMBEDDED_WORKERS=true.
 */
export async function startLiveApp(
  name: string,
  overrides: Record<string, string> = {},
  set: BackendSet = 'embedded',
): Promise<LiveApp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const built = await buildTestApp(set, name, { PUBLIC_BASE_URL: base, ...overrides });
  const running: { stop(): Promise<void> }[] = [];
  try {
    for (const s of backgroundServices(built.deps)) running.push(await s.start(built.deps));
    await built.app.listen({ host: '127.0.0.1', port });
  } catch (err) {
    for (const r of running) await r.stop().catch(() => {});
    await built.cleanup().catch(() => {});
    throw err;
  }
  return {
    base,
    deps: built.deps,
    async close() {
      await built.app.close();
      for (const r of running.reverse()) await r.stop().catch(() => {});
      await built.cleanup();
    },
  };
}

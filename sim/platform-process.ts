import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { embeddedUrls } from '../core/config/embedded-urls.ts';

const serverEntry = new URL('../platform/api/server.ts', import.meta.url).pathname;

/** A platform server process started for a simulation (the demo, the benchmark, the end-to-end test). */
export interface PlatformProcess {
  child: ChildProcess;
  base: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The environment of a one-machine platform under simulation: embedded stores in `dataDir`, workers in
 * process, the simulated clock on, and rate limits raised (thousands of simulated users share one IP).
 */
export function simPlatformEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const d = resolve(dataDir);
  return {
    ...embeddedUrls(d),
    EMBEDDED_WORKERS: 'true',
    SIM_CLOCK: 'true',
    TRANSCODE_JOBS: '2',
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    REGISTRATIONS_PER_IP_PER_HOUR: '1000000',
    UPLOADS_PER_USER_PER_MIN: '1000000',
    UPLOADS_PER_USER_PER_DAY: '1000000',
    RATE_LIMIT_IP_PER_MIN: '10000000',
    RATE_LIMIT_USER_PER_MIN: '100000',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * Starts `platform/api/server.ts` as its own process with `env` and resolves once it listens. With
 * PORT unset or 0 a free port is taken and PUBLIC_BASE_URL follows it (signed upload URLs must work).
 */
export async function startPlatform(env: Record<string, string>): Promise<PlatformProcess> {
  mkdirSync(env.DATA_DIR ?? './data', { recursive: true });
  let port = Number(env.PORT ?? 0);
  if (!port) {
    const { freePortSync } = await import('./free-port.ts');
    port = await freePortSync();
  }
  const base = env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [serverEntry], {
    env: { ...process.env, ...env, PORT: String(port), PUBLIC_BASE_URL: base },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? '?')));
  await new Promise<void>((resolveListen, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform did not start within 60 s:\n${out}`)), 60_000);
    const onData = () => {
      if (!/FORYOU_LISTENING/.test(out)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolveListen();
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`the platform exited (${code}) before listening:\n${out}`)));
  });
  return {
    child,
    base,
    dataDir: env.DATA_DIR ?? './data',
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

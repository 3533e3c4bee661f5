/**
 * Private instances of the scaled backend's dependencies for the outage drill, each on its own port and
 * data directory so that stopping one never touches the machine's shared services: an append-only Redis,
 * a PostgreSQL cluster (run as the `postgres` account, which the server requires when the run is root's),
 * the Kafka-protocol mock broker (stopped and started by signal, its log kept, as a broker restarted over
 * its disk) and the S3-compatible server over a kept directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A dependency the drill stops and starts again; `env` points the API and the worker at it. */
export interface PrivateDependency {
  name: Dependency;
  env: Record<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  close(): Promise<void>;
}

export const DEPENDENCIES = ['redis', 'postgres', 'kafka', 's3'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

async function privateRedis(): Promise<PrivateDependency> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-chaos-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      // Append-only with an fsync per write, as a durable queue and session store needs.
      const c = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
          ...['--appendonly', 'yes', '--appendfsync', 'always'],
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      child = c;
      let out = '';
      c.stdout!.on('data', (d) => {
        out += d;
        if (/Ready to accept connections/.test(out)) resolve();
      });
      c.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
    });
  const stop = async () => {
    child?.kill('SIGTERM');
    if (child) await waitExit(child);
  };
  await start();
  const url = `redis://127.0.0.1:${port}/0`;
  return {
    name: 'redis',
    env: { CACHE_URL: url, FEATURES_URL: url, QUEUE_URL: `${url}?prefix=chaos` },
    stop,
    start,
    async close() {
      child?.kill('SIGKILL');
      if (child) await waitExit(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a PostgreSQL program as the `postgres` account when this process is root's (the server refuses root). */
function pgRun(args: string[]): void {
  const [cmd, ...rest] = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', ...args] : args;
  const r = spawnSync(cmd!, rest, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stdout}${r.stderr}`.slice(0, 2000));
}

async function privatePostgres(): Promise<PrivateDependency> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-chaos-pg-'));
  if (userInfo().uid === 0) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres']).stdout), 0);
  const data = join(dir, 'data');
  const port = await freePort();
  pgRun(['initdb', '-D', data, '-A', 'trust', '-U', 'root', '-E', 'UTF8', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60`;
  const start = async () => pgRun(['pg_ctl', '-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  // A fast shutdown: sessions are ended (57P01) and new connections refused, as when an operator stops it.
  const stop = async () => pgRun(['pg_ctl', '-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  return {
    name: 'postgres',
    env: { METADATA_URL: `postgres://root@127.0.0.1:${port}/postgres` },
    stop,
    start,
    async close() {
      try {
        pgRun(['pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function privateBroker(): Promise<PrivateDependency> {
  const { buildKafkaMock } = await import('../../core/testing/kafka.server.ts');
  // One broker: with the default three, a partition's replicas make the drill's "all down" no different.
  const child = spawn(buildKafkaMock(), ['--brokers', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kafka-mock did not answer in 10 s')), 10_000);
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(l.trim());
      });
    });
  const bootstrap = await next();
  const signal = async (sig: NodeJS.Signals, expect: string) => {
    const answer = next();
    child.kill(sig);
    if ((await answer) !== expect) throw new Error(`kafka-mock did not say ${expect}`);
  };
  return {
    name: 'kafka',
    // As the scaled kill loop: a short session timeout, so a consumer that lost the broker rejoins soon.
    env: {
      EVENTS_URL: `kafka://${bootstrap}?partitions=3&maxWaitTime=20&sessionTimeout=6000&rebalanceTimeout=8000&heartbeatInterval=500`,
    },
    stop: () => signal('SIGUSR1', 'down'),
    start: () => signal('SIGUSR2', 'up'),
    async close() {
      child.stdin!.end();
      child.kill('SIGTERM');
      await waitExit(child);
    },
  };
}

async function privateS3(): Promise<PrivateDependency> {
  const { runS3rver } = await import('../../core/testing/s3.server.ts');
  const directory = mkdtempSync(join(tmpdir(), 'foryou-chaos-s3-'));
  const port = await freePort();
  let server = await runS3rver({ directory, port });
  const url = server.url('chaos-outage');
  let up = true;
  return {
    name: 's3',
    env: { OBJECTS_URL: url },
    async stop() {
      up = false;
      await server.close();
    },
    async start() {
      server = await runS3rver({ directory, port });
      up = true;
    },
    async close() {
      if (up) await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Starts a private instance of `dep`. */
export function startPrivate(dep: Dependency): Promise<PrivateDependency> {
  const open = { redis: privateRedis, postgres: privatePostgres, kafka: privateBroker, s3: privateS3 }[dep];
  return open();
}

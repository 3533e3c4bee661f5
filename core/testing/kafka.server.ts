/**
 * A real Kafka-protocol broker for the Kafka contract tests: librdkafka's in-memory mock cluster (3 brokers),
 * built from scripts/kafka-mock on first use. Sets TEST_KAFKA_URL=kafka://<bootstrap servers>.
 * If the broker cannot be built (no compiler or apt access), the other suites still run and the Kafka
 * test fails, naming the missing variable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './servers.ts';

const root = new URL('../../', import.meta.url);
const binary = fileURLToPath(new URL('.tools/kafka-mock', root));
const source = fileURLToPath(new URL('scripts/kafka-mock/kafka-mock.c', root));
const buildScript = fileURLToPath(new URL('scripts/kafka-mock/build.sh', root));

/** Builds the broker when its source is newer than the binary; returns the binary's path. */
export function buildKafkaMock(): string {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  const r = spawnSync('sh', [buildScript], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the Kafka mock broker failed:\n${r.stdout}${r.stderr}`);
  return binary;
}

const server: TestServer = {
  name: 'kafka',
  async start() {
    try {
      buildKafkaMock();
    } catch (err) {
      process.stderr.write(`kafka.server: ${(err as Error).message}\n`);
      return { env: {} as Record<string, string>, stop: async () => {} };
    }
    // stdin stays open as a lifeline: if this process dies, the broker sees EOF and exits.
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const bootstrap = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kafka-mock printed no bootstrap servers in 10 s')), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`kafka-mock exited early with code ${code}`)));
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        resolve(line.trim());
      });
    });
    return {
      env: { TEST_KAFKA_URL: `kafka://${bootstrap}` },
      stop: async () => {
        child.stdin.end();
        child.kill('SIGTERM');
        await exited;
      },
    };
  },
};

export default server;

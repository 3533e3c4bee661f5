/**
 * Starts the servers the contract suites need that the machine does not run (an S3-compatible server,
 * a Kafka-protocol broker) and publishes their URLs to the test workers through the environment.
 * Each starter lives in its own module next to this one.
 */
import type { TestProject } from 'vitest/node';

type Stop = () => Promise<void>;
const stops: Stop[] = [];

export async function setup(project: TestProject): Promise<void> {
  const starters: { name: string; start: () => Promise<{ env: Record<string, string>; stop: Stop }> }[] = [];
  // Starters are registered by the modules that own each service (see core/testing/*.server.ts).
  for (const mod of await import('./servers.ts').then((m) => m.testServers)) starters.push(mod);
  for (const s of starters) {
    const { env, stop } = await s.start();
    stops.push(stop);
    for (const [k, v] of Object.entries(env)) {
      process.env[k] = v;
      project.provide?.(k as never, v as never);
    }
  }
}

export async function teardown(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}

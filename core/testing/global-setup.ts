/**
 * Starts the servers the contract suites need that the machine does not run (an S3-compatible server,
 * a Kafka-protocol broker) and hands their URLs to the test workers through the environment.
 * Each server is a `core/testing/<name>.server.ts` module.
 */
import { loadTestServers } from './servers.ts';

const stops: (() => Promise<void>)[] = [];

export async function setup(): Promise<void> {
  for (const server of await loadTestServers()) {
    const { env, stop } = await server.start();
    stops.push(stop);
    Object.assign(process.env, env);
  }
}

export async function teardown(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}

/**
 * The S3-compatible server of the one-machine topology (s3rver, the one the tests use), kept in the
 * foreground: `node scripts/topology/s3rver.main.ts <dir> <port>`. Prints `S3_URL <s3://...>` once it
 * listens; SIGTERM stops it. Objects stay in <dir> across restarts.
 */
import { mkdirSync } from 'node:fs';
import { runS3rver } from '../../core/testing/s3.server.ts';

const [directory, port] = process.argv.slice(2);
if (!directory || !port || !/^\d+$/.test(port)) {
  process.stderr.write('usage: s3rver.main.ts <dir> <port>\n');
  process.exit(2);
}
mkdirSync(directory, { recursive: true });
const server = await runS3rver({ directory, port: Number(port) });
process.stdout.write(`S3_URL ${server.url('foryou')}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * Runs before every unit-tier test file (`x.test.ts`) and makes the tier's promise hold: no socket is
 * opened or listened on, and no program is started but Node itself, git and biome. A unit test that
 * reaches for PostgreSQL, Redis, Kafka, S3, an HTTP server, ffmpeg or a browser fails at once with a
 * message naming the tier it belongs to, instead of passing on a machine where the service happens to run.
 */
import cp from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { basename } from 'node:path';
import { promisify } from 'node:util';

/** Programs a unit test may start: a Node child (crash and restart tests), git (the commit stamp), biome. */
export const UNIT_ALLOWED_PROGRAMS: ReadonlySet<string> = new Set(['node', 'git', 'biome']);

const refuse = (what: string) =>
  new Error(`unit tier: ${what}. A test that needs this belongs in x.int.test.ts (see vitest.config.ts).`);

const allowed = (program: unknown) =>
  program === process.execPath || UNIT_ALLOWED_PROGRAMS.has(basename(String(program)));

net.Socket.prototype.connect = function connect(...args: unknown[]): never {
  // net.connect() hands the socket its normalised arguments as one array.
  const [a, b] = (Array.isArray(args[0]) ? args[0] : args) as [
    { host?: string; port?: number; path?: string } | number | string,
    unknown,
  ];
  const target = typeof a === 'object' && a ? (a.path ?? `${a.host ?? 'localhost'}:${a.port}`) : `${b ?? ''}:${a}`;
  throw refuse(`opens a socket to ${target}`);
} as never;

net.Server.prototype.listen = function listen(): never {
  throw refuse('listens on a socket');
} as never;

function check(name: string, args: unknown[]): void {
  const program = name === 'exec' || name === 'execSync' ? String(args[0]).trim().split(/\s+/)[0] : args[0];
  if (name !== 'fork' && !allowed(program)) throw refuse(`starts ${String(program)}`);
}

for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork'] as const) {
  const original = cp[name] as unknown as ((...args: unknown[]) => unknown) & { [promisify.custom]?: unknown };
  const guarded = function guarded(this: unknown, ...args: unknown[]) {
    check(name, args);
    return original.apply(this, args);
  };
  // promisify(execFile) resolves { stdout, stderr } through this hook: guard it as well.
  const custom = original[promisify.custom] as ((...args: unknown[]) => unknown) | undefined;
  if (custom) {
    Object.defineProperty(guarded, promisify.custom, {
      value: async (...args: unknown[]) => {
        check(name, args);
        return custom(...args);
      },
    });
  }
  (cp as unknown as Record<string, unknown>)[name] = guarded;
}
// Named imports of node:child_process (`import { spawn } ...`) see the guarded functions too.
syncBuiltinESMExports();

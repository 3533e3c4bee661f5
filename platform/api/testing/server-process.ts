import { type ChildProcess, spawn } from 'node:child_process';
import { PROCESS_ENV } from '../process-env.ts';

const serverEntry = new URL('../server.ts', import.meta.url).pathname;

/** A real `server.ts` process on a free port, for tests that kill or signal it. */
export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** A child process whose stdout and stderr are collected, with its exit as a promise. */
export interface CapturedProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` on stdout; rejects on timeout or on an earlier exit. */
  until(pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray>;
}

const OUTPUT_KEPT = 1 << 20;

/**
 * Spawns `node entry` with `env` on top of this process's environment and the platform's process
 * environment (`PROCESS_ENV`, as the Dockerfile and scripts/start.sh run it), and collects its output.
 */
export function spawnCaptured(entry: string, env: Record<string, string>): CapturedProcess {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...PROCESS_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Only the tail is kept: a long run (the chaos soak) logs for half an hour.
  const append = (d: Buffer) => {
    out += d;
    if (out.length > OUTPUT_KEPT * 2) out = out.slice(-OUTPUT_KEPT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const until = (pattern: RegExp, ms: number, what: string) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} not seen within ${ms / 1000} s:\n${out}`)), ms);
      const onData = () => {
        const m = pattern.exec(out);
        if (!m) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m);
      };
      child.stdout!.on('data', onData);
      onData();
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`process exited (${code}) before ${what}:\n${out}`));
      });
    });
  return { child, output: () => out, exited, until };
}

/** Starts `platform/api/server.ts` with `env` on PORT=0 and resolves once it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const p = spawnCaptured(serverEntry, { EMBEDDED_WORKERS: 'false', LOG_LEVEL: 'warn', ...env, PORT: '0' });
  const m = await p.until(/FORYOU_LISTENING (\S+)/, 30_000, 'listening');
  return { child: p.child, base: m[1]!, output: p.output, exited: p.exited };
}

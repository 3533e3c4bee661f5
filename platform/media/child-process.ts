import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';

/** How to run one external tool: always with an argument array (never a shell) and a deadline. */
export interface RunOptions {
  /** SIGKILL after this long; hostile inputs can make decoders spin forever. */
  timeoutMs: number;
  /** Address-space cap (bytes) applied with `prlimit` when it is installed. */
  memoryBytes?: number;
  /** Called with each complete stdout line; stdout is not kept when set. */
  onStdoutLine?: (line: string) => void;
  /** Keep at most this many bytes of stderr (the tail), default 64 KiB. */
  maxStderrBytes?: number;
  signal?: AbortSignal;
  /** Called with the process id once it is spawned (to change its priority while it runs). */
  onSpawn?: (pid: number) => void;
}

/** How a tool run ended. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
}

const found = new Map<string, string | undefined>();

// The standard system dirs: tools come from the OS package manager, and config alone reads the environment.
const SYSTEM_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of a system executable (ffmpeg, prlimit, nginx), cached; undefined when absent. */
export function findExecutable(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  let hit: string | undefined;
  for (const dir of SYSTEM_DIRS) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      hit = join(dir, name);
      break;
    } catch {
      // Not in this folder (or not executable): look in the next one; absent everywhere is `undefined`.
    }
  }
  found.set(name, hit);
  return hit;
}

/** Runs `cmd args…` to completion; resolves with its exit status and output, rejects only if it cannot start. */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const prlimit = opts.memoryBytes ? findExecutable('prlimit') : undefined;
  // prlimit execs the tool in place, so the pid we kill on timeout is the tool itself.
  const [file, argv] = prlimit ? [prlimit, [`--as=${opts.memoryBytes}`, '--', cmd, ...args]] : [cmd, [...args]];
  const started = performance.now();
  const maxErr = opts.maxStderrBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal, killSignal: 'SIGKILL' });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    let partial = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!opts.onStdoutLine) {
        stdout += chunk;
        return;
      }
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onStdoutLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > maxErr * 2) stderr = stderr.slice(-maxErr);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      // An abort arrives as an error after the kill; report it as a finished run.
      if (err.name === 'AbortError') {
        resolve({ code: null, signal: 'SIGKILL', stdout, stderr, timedOut, wallMs: performance.now() - started });
      } else reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial && opts.onStdoutLine) opts.onStdoutLine(partial);
      resolve({ code, signal, stdout, stderr: stderr.slice(-maxErr), timedOut, wallMs: performance.now() - started });
    });
  });
}

/**
 * Sets the scheduling priority (nice value) of every thread of a running process: Linux keeps one per
 * thread, and threads started later inherit their creator's. Best effort: a process that exited, or a
 * raise of priority the user may not make, is left as it is. Returns whether every thread took it.
 */
export function setProcessPriority(pid: number, priority: number): boolean {
  let tids: number[] = [pid];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    // No /proc (not Linux) or the process is gone: the main thread is all we can try.
  }
  let ok = true;
  for (const tid of tids) {
    try {
      setPriority(tid, priority);
    } catch {
      ok = false;
    }
  }
  return ok;
}

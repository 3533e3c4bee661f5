/** Crash-durability check shared by the backend test files: SIGKILL a writer, then count what survived. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./durability.child.ts', import.meta.url));

/**
 * Runs the writer child against `url` (already migrated), SIGKILLs it once it has printed `killAfter`
 * ids, and resolves with every id it printed. Rejects when the child exits by itself first.
 */
export function writeUntilKilled(url: string, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, url, String(killAfter * 100)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ids: string[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      ids.push(...lines);
      if (!killed && ids.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(ids);
      else
        reject(
          new Error(`writer exited by itself (code ${code}, signal ${signal}) after ${ids.length} ids: ${stderr}`),
        );
    });
  });
}

/**
 * Waiting in tests for something another task does (a consumer catching up, a watcher loading a model,
 * a server receiving a request): poll a condition instead of sleeping for a guessed time, so a test is
 * as fast as the code on a quiet machine and still passes on a loaded one. For time itself passing,
 * inject a clock (`core/clock.ts`, `manualClock`) instead.
 */

/**
 * Polls `fn` every `everyMs` until it returns a value other than `undefined` or `false`, and resolves with
 * it; throws `timed out waiting for <what>` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 10,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

import { afterEach } from 'vitest';
import { newId } from '../ids.ts';
import { waitFor as sharedWaitFor } from '../testing/wait-for.ts';
import type { JobQueue, JobState } from './ports.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` gives a value (core/testing/wait-for.ts), with the queue tests' 15 s default. */
export const waitFor = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 15_000) =>
  sharedWaitFor(what, probe, ms);

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/**
 * What each JobQueue contract test needs, registered inside a `describe`: handles opened through it,
 * gates and child processes are all closed, opened or killed after each test.
 */
export function queueFixture(open: () => Promise<JobQueue>) {
  const handles: JobQueue[] = [];
  const gates: Gate[] = [];
  const children: { kill(signal: NodeJS.Signals): unknown }[] = [];

  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const g of gates.splice(0)) g.open();
    await Promise.all(handles.splice(0).map((q) => q.close()));
  });

  return {
    children,
    async openQueue(): Promise<JobQueue> {
      const q = await open();
      handles.push(q);
      return q;
    },
    gate(): Gate {
      let release = () => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      const g = { promise, open: release };
      gates.push(g);
      return g;
    },
    queueName: () => `q-${newId()}`,
    stateOf: async (q: JobQueue, queue: string, id: string, status: JobState['status']) =>
      waitFor(`${id} to be ${status}`, async () => {
        const s = await q.getJob(queue, id);
        return s?.status === status ? s : undefined;
      }),
  };
}

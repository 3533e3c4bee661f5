import type { AppDeps } from './deps.ts';

/** Something long-running beside the API: a queue worker or an event-log consumer. */
export interface BackgroundService {
  name: string;
  start(deps: AppDeps): Promise<{ stop(): Promise<void> }>;
}
